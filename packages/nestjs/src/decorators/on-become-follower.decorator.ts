import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method with the core's `became-follower` event, `{ leader, term }`: when this node becomes a
 * follower (it stopped leading or campaigning; `leader` may be `null`), and when, as a follower, it learns a
 * leader it was not following (its first one, or a new leader of a higher term). Observers never get it.
 *
 * With a group name (`@OnBecomeFollower('billing')`), the same event of that election group instead of the default
 * election: the group's own leader, term (its fencing token) and leadership. Decorating a method for a group
 * asks for it: the module calls `election.group(name)` before the election starts, so this replica may lead
 * it. The name is checked when the class is defined: not 1-63 characters of a-z, 0-9, '.', '_', '-'
 * (starting with a letter or a digit), it throws an `InvalidOptionError` (option `group`) naming the
 * decorator and `Class.method`.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { type LeaderElectionEvents, OnBecomeFollower } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Role {
 *   @OnBecomeFollower()
 *   follow({ leader, term }: LeaderElectionEvents['became-follower']) {
 *     console.log(`following ${leader ?? 'nobody yet'} in term ${term}`);
 *   }
 *   @OnBecomeFollower('billing')
 *   followBilling({ leader }: LeaderElectionEvents['became-follower']) {
 *     console.log(`billing is led by ${leader ?? 'nobody yet'}`);
 *   }
 * }
 * ```
 */
export function OnBecomeFollower(group?: string): MethodDecorator {
  return LeaderEvent('became-follower', group);
}
