import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method with the core's `term-changed` event, `{ from, to }`, when this node's term grows (a
 * campaign, or a message of a higher term; not necessarily a new leader yet). Terms never decrease.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { type LeaderElectionEvents, OnTermChange } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Metrics {
 *   @OnTermChange()
 *   record({ from, to }: LeaderElectionEvents['term-changed']) {
 *     console.log(`term ${from} -> ${to}`);
 *   }
 * }
 * ```
 */
export function OnTermChange(): MethodDecorator {
  return LeaderEvent('term-changed');
}
