import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method with the core's `message` event, `{ from, payload }`, for every payload another node sent
 * with `LeaderService#broadcast()`.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { type ClusterMessage, OnClusterMessage } from '@baton/nestjs';
 *
 * @Injectable()
 * export class CacheInvalidation {
 *   @OnClusterMessage()
 *   invalidate({ from, payload }: ClusterMessage) {
 *     console.log(`${from} says`, payload);
 *   }
 * }
 * ```
 */
export function OnClusterMessage(): MethodDecorator {
  return LeaderEvent('message');
}
