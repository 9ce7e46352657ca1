import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method with a peer's id when that peer of the cluster becomes reachable.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { OnPeerJoined } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Membership {
 *   @OnPeerJoined()
 *   joined(peerId: string) {
 *     console.log(`${peerId} is reachable`);
 *   }
 * }
 * ```
 */
export function OnPeerJoined(): MethodDecorator {
  return LeaderEvent('peer-joined');
}
