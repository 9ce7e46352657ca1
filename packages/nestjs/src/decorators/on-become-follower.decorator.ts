import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method when this node becomes a follower, with the id of the leader it follows (`null` while
 * none is known) and the term.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { OnBecomeFollower } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Role {
 *   @OnBecomeFollower()
 *   follow(leaderId: string | null, term: number) {
 *     console.log(`following ${leaderId ?? 'nobody yet'} in term ${term}`);
 *   }
 * }
 * ```
 */
export function OnBecomeFollower(): MethodDecorator {
  return LeaderEvent('became-follower');
}
