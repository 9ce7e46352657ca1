import { checkGroupName, DEFAULT_GROUP } from '@baton/core';

/**
 * The class name of what a method decorator decorates (`target` is the prototype, or the class for a static
 * member), for messages: `Billing` for `Billing.prototype`.
 *
 * @example
 * ```ts
 * import { decoratedClassName } from './decorated-member.js';
 * class Billing {}
 * console.log(decoratedClassName(Billing.prototype), decoratedClassName(Billing)); // 'Billing' 'Billing'
 * ```
 */
export function decoratedClassName(target: object): string {
  return typeof target === 'function' ? target.name : target.constructor.name;
}

/**
 * The election group a decorator was given for a method, checked when the class is defined: `DEFAULT_GROUP`
 * when none was given, the name otherwise.
 *
 * @throws InvalidOptionError (option `group`) naming the decorator and `Class.method`, when `group` is not a
 * group name (1-63 characters of a-z, 0-9, '.', '_', '-', starting with a letter or a digit).
 *
 * @example
 * ```ts
 * import { decoratedGroup } from './decorated-member.js';
 * class Billing {}
 * console.log(decoratedGroup('@LeaderOnly()', Billing.prototype, 'charge', 'billing')); // 'billing'
 * try {
 *   decoratedGroup('@LeaderOnly()', Billing.prototype, 'charge', 'Billing Jobs');
 * } catch (error) {
 *   console.log((error as Error).message); // 'invalid option group="Billing Jobs": @LeaderOnly() on Billing.charge: must be ...'
 * }
 * ```
 */
export function decoratedGroup(
  decorator: string,
  target: object,
  propertyKey: string | symbol,
  group: unknown,
): string {
  if (group === undefined) return DEFAULT_GROUP;
  return checkGroupName(`${decorator} on ${decoratedClassName(target)}.${String(propertyKey)}`, group);
}
