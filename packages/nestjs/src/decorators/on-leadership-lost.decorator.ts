import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method with the core's `leadership-lost` event, `{ term, reason }`, when this node's leadership of
 * `term` ends, for any reason (a `LeadershipLostReason`: `'lease-lapsed'`, `'step-down'`, `'transfer'`,
 * `'higher-term'`, `'stopped'` or `'event-loop-stall'`). The leadership handle's `signal` aborted just before;
 * this is for logging and clean-up.
 *
 * @example
 * ```ts
 * import { Injectable, Logger } from '@nestjs/common';
 * import { type LeaderElectionEvents, OnLeadershipLost } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Audit {
 *   @OnLeadershipLost()
 *   lost({ term, reason }: LeaderElectionEvents['leadership-lost']) {
 *     new Logger('Audit').warn(`leadership of term ${term} ended: ${reason}`);
 *   }
 * }
 * ```
 */
export function OnLeadershipLost(): MethodDecorator {
  return LeaderEvent('leadership-lost');
}
