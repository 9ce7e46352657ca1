import { InvalidOptionError } from '../errors.js';

/**
 * The name of the default election group: the one every node takes part in, whose leader changes the voter
 * configuration. Messages and events of the default group carry no group name.
 *
 * @example
 * ```ts
 * import { DEFAULT_GROUP } from '@baton/core';
 * console.log(DEFAULT_GROUP); // 'default'
 * ```
 */
export const DEFAULT_GROUP = 'default';

/** 1-63 characters: lower-case letters, digits, `.`, `_` and `-`, starting with a letter or a digit. */
const GROUP_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/**
 * Whether `name` is a valid election group name (see {@link checkGroupName}); never throws.
 *
 * @example
 * ```ts
 * import { isGroupName } from '@baton/core';
 * console.log(isGroupName('billing'), isGroupName('Billing Jobs')); // true false
 * ```
 */
export function isGroupName(name: unknown): name is string {
  return typeof name === 'string' && GROUP_NAME.test(name);
}

/**
 * Checks an election group's name, and returns it. A name is a label that fits a metric label value and a
 * JSON key: 1-63 characters, lower-case letters, digits, `.`, `_` and `-`, starting with a letter or a digit.
 *
 * @throws InvalidOptionError (option `group`) naming the operation and the name, when it is not one.
 *
 * @example
 * ```ts
 * import { checkGroupName } from '@baton/core';
 * console.log(checkGroupName('openGroup', 'billing')); // 'billing'
 * try {
 *   checkGroupName('openGroup', 'Billing Jobs');
 * } catch (error) {
 *   console.log((error as Error).message); // 'invalid option group="Billing Jobs": openGroup: must be ...'
 * }
 * ```
 */
export function checkGroupName(operation: string, name: unknown): string {
  if (!isGroupName(name)) {
    throw new InvalidOptionError(
      'group',
      name,
      `${operation}: must be 1-63 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or a digit`,
    );
  }
  return name;
}
