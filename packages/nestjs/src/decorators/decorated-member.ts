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
