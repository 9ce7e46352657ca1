import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method with the payload of every message another node sent with `LeaderService#broadcast()`,
 * and the sender's id.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { OnClusterMessage } from '@baton/nestjs';
 *
 * @Injectable()
 * export class CacheInvalidation {
 *   @OnClusterMessage()
 *   invalidate(payload: unknown, from: string) {
 *     console.log(`${from} says`, payload);
 *   }
 * }
 * ```
 */
export function OnClusterMessage(): MethodDecorator {
  return LeaderEvent('message');
}
