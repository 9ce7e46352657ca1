import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method with the core's `became-leader` event, the `LeadershipHandle`, when a majority confirmed
 * this node's leadership of a term (at most once per term): `term` and `fencingToken` (equal, growing with
 * every leadership), `since`, and a `signal` that aborts the moment that leadership ends. When the method
 * throws or rejects, the election logs the failure (an `EventHandlerError` naming the method) and steps down,
 * unless `stepDownOnHandlerError: false`: a leader that failed to take up its duties lets another node try.
 *
 * With a group name (`@OnBecomeLeader('billing')`), the same event of that election group instead of the default
 * election: the group's own leader, term (its fencing token) and leadership. Decorating a method for a group
 * asks for it: the module calls `election.group(name)` before the election starts, so this replica may lead
 * it. The name is checked when the class is defined: not 1-63 characters of a-z, 0-9, '.', '_', '-'
 * (starting with a letter or a digit), it throws an `InvalidOptionError` (option `group`) naming the
 * decorator and `Class.method`.
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
 *   @OnBecomeLeader('billing') // this replica leads the election group 'billing'
 *   startBilling({ fencingToken }: LeadershipHandle) {
 *     console.log('billing with fencing token', fencingToken);
 *   }
 * }
 * ```
 */
export function OnBecomeLeader(group?: string): MethodDecorator {
  return LeaderEvent('became-leader', group);
}
