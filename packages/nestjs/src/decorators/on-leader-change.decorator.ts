import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method with the core's `leader-changed` event, `{ leader, previous, term }`, whenever the leader
 * this node knows changes: to another node, to itself, or to none (`null`).
 *
 * With a group name (`@OnLeaderChange('billing')`), the same event of that election group instead of the default
 * election: the group's own leader, term (its fencing token) and leadership. Decorating a method for a group
 * asks for it: the module calls `election.group(name)` before the election starts, so this replica may lead
 * it. The name is checked when the class is defined: not 1-63 characters of a-z, 0-9, '.', '_', '-'
 * (starting with a letter or a digit), it throws an `InvalidOptionError` (option `group`) naming the
 * decorator and `Class.method`.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { type LeaderElectionEvents, OnLeaderChange } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Router {
 *   private leader: string | null = null;
 *   @OnLeaderChange()
 *   route({ leader, previous, term }: LeaderElectionEvents['leader-changed']) {
 *     this.leader = leader;
 *     console.log(`term ${term}: ${previous ?? 'none'} -> ${leader ?? 'none'}`);
 *   }
 *   @OnLeaderChange('billing')
 *   billingLeader({ leader }: LeaderElectionEvents['leader-changed']) {
 *     console.log(`billing: ${leader ?? 'none'}`);
 *   }
 * }
 * ```
 */
export function OnLeaderChange(group?: string): MethodDecorator {
  return LeaderEvent('leader-changed', group);
}
