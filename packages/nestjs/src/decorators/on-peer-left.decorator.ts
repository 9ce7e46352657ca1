import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method with a peer's id when that peer of the cluster becomes unreachable.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { OnPeerLeft } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Membership {
 *   @OnPeerLeft()
 *   left(peerId: string) {
 *     console.log(`${peerId} is gone`);
 *   }
 * }
 * ```
 */
export function OnPeerLeft(): MethodDecorator {
  return LeaderEvent('peer-left');
}
