import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method with the core's `term-changed` event, `{ from, to }`, when this node's term grows (a
 * campaign, or a message of a higher term; not necessarily a new leader yet). Terms never decrease.
 *
 * With a group name (`@OnTermChange('billing')`), the same event of that election group instead of the default
 * election: the group's own leader, term (its fencing token) and leadership. Decorating a method for a group
 * asks for it: the module calls `election.group(name)` before the election starts, so this replica may lead
 * it. The name is checked when the class is defined: not 1-63 characters of a-z, 0-9, '.', '_', '-'
 * (starting with a letter or a digit), it throws an `InvalidOptionError` (option `group`) naming the
 * decorator and `Class.method`.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { type LeaderElectionEvents, OnTermChange } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Metrics {
 *   @OnTermChange()
 *   record({ from, to }: LeaderElectionEvents['term-changed']) {
 *     console.log(`term ${from} -> ${to}`);
 *   }
 *   @OnTermChange('billing')
 *   recordBilling({ to }: LeaderElectionEvents['term-changed']) {
 *     console.log(`billing term ${to}`);
 *   }
 * }
 * ```
 */
export function OnTermChange(group?: string): MethodDecorator {
  return LeaderEvent('term-changed', group);
}
