import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method when this node's leadership ends, for any reason, with the reason (`'lease-lapsed'`,
 * `'step-down'`, `'transfer'`, `'higher-term'`, `'stopped'` or `'event-loop-stall'`) and the term that
 * ended. The leadership handle's `signal` aborts at the same moment; this is for logging and clean-up.
 *
 * @example
 * ```ts
 * import { Injectable, Logger } from '@nestjs/common';
 * import { OnLeadershipLost } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Audit {
 *   @OnLeadershipLost()
 *   lost(reason: string, term: number) {
 *     new Logger('Audit').warn(`leadership of term ${term} ended: ${reason}`);
 *   }
 * }
 * ```
 */
export function OnLeadershipLost(): MethodDecorator {
  return LeaderEvent('leadership-lost');
}
