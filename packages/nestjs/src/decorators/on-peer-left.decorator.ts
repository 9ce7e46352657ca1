import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method with the core's `peer-left` event, the peer's id, when the transport reports that a peer
 * of this cluster disconnected.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { OnPeerLeft } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Membership {
 *   @OnPeerLeft()
 *   left(peer: string) {
 *     console.log(`${peer} is gone`);
 *   }
 * }
 * ```
 */
export function OnPeerLeft(): MethodDecorator {
  return LeaderEvent('peer-left');
}
