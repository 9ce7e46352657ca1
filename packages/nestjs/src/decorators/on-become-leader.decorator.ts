import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method when this node becomes the leader, with the `LeadershipHandle`: `term` and
 * `fencingToken` (equal, growing with every leadership) and a `signal` that aborts the moment leadership
 * ends. When the method throws or rejects, the error is logged and the node steps down (unless
 * `stepDownOnHandlerError: false`): a leader that failed to take up its duties should let another node try.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import type { LeadershipHandle } from '@baton/core';
 * import { OnBecomeLeader } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Outbox {
 *   @OnBecomeLeader()
 *   async drain({ fencingToken, signal }: LeadershipHandle) {
 *     while (!signal.aborted) await this.relayBatch(fencingToken, signal);
 *   }
 *   private async relayBatch(fencingToken: number, signal: AbortSignal) {}
 * }
 * ```
 */
export function OnBecomeLeader(): MethodDecorator {
  return LeaderEvent('became-leader');
}
