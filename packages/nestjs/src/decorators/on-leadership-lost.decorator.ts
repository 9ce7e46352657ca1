import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method with the core's `leadership-lost` event, `{ term, reason }`, when this node's leadership of
 * `term` ends, for any reason (a `LeadershipLostReason`: `'lease-lapsed'`, `'step-down'`, `'transfer'`,
 * `'higher-term'`, `'stopped'` or `'event-loop-stall'`). The leadership handle's `signal` aborted just before;
 * this is for logging and clean-up.
 *
 * With a group name (`@OnLeadershipLost('billing')`), the same event of that election group instead of the default
 * election: the group's own leader, term (its fencing token) and leadership. Decorating a method for a group
 * asks for it: the module calls `election.group(name)` before the election starts, so this replica may lead
 * it. The name is checked when the class is defined: not 1-63 characters of a-z, 0-9, '.', '_', '-'
 * (starting with a letter or a digit), it throws an `InvalidOptionError` (option `group`) naming the
 * decorator and `Class.method`.
 *
 * @example
 * ```ts
 * import { Injectable, Logger } from '@nestjs/common';
 * import { type LeaderElectionEvents, OnLeadershipLost } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Audit {
 *   @OnLeadershipLost()
 *   lost({ term, reason }: LeaderElectionEvents['leadership-lost']) {
 *     new Logger('Audit').warn(`leadership of term ${term} ended: ${reason}`);
 *   }
 *   @OnLeadershipLost('billing')
 *   billingLost({ reason }: LeaderElectionEvents['leadership-lost']) {
 *     new Logger('Audit').warn(`billing leadership ended: ${reason}`);
 *   }
 * }
 * ```
 */
export function OnLeadershipLost(group?: string): MethodDecorator {
  return LeaderEvent('leadership-lost', group);
}
