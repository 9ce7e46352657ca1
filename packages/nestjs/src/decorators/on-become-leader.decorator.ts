import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method with the core's `became-leader` event, the `LeadershipHandle`, when a majority confirmed
 * this node's leadership of a term (at most once per term): `term` and `fencingToken` (equal, growing with
 * every leadership), `since`, and a `signal` that aborts the moment that leadership ends. When the method
 * throws or rejects, the election logs the failure (an `EventHandlerError` naming the method) and steps down,
 * unless `stepDownOnHandlerError: false`: a leader that failed to take up its duties lets another node try.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { type LeadershipHandle, OnBecomeLeader } from '@baton/nestjs';
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
