import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method with the core's `became-follower` event, `{ leader, term }`: when this node becomes a
 * follower (it stopped leading or campaigning; `leader` may be `null`), and when, as a follower, it learns a
 * leader it was not following (its first one, or a new leader of a higher term). Observers never get it.
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
 * }
 * ```
 */
export function OnBecomeFollower(): MethodDecorator {
  return LeaderEvent('became-follower');
}
