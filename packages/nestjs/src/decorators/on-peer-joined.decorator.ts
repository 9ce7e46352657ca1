import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method with the core's `peer-joined` event, the peer's id, when the transport reports that a
 * peer of this cluster connected.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { OnPeerJoined } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Membership {
 *   @OnPeerJoined()
 *   joined(peer: string) {
 *     console.log(`${peer} is reachable`);
 *   }
 * }
 * ```
 */
export function OnPeerJoined(): MethodDecorator {
  return LeaderEvent('peer-joined');
}
