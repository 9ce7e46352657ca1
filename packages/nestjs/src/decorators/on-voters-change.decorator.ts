import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method with the core's `voters-changed` event, `{ configuration, previous }`, when this node's
 * voter set changes: the leader promoted, replaced or removed a voter (its autopilot, or `addVoter` and
 * friends), or this node learnt a newer configuration.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { type LeaderElectionEvents, OnVotersChange } from '@baton/nestjs';
 *
 * @Injectable()
 * export class MembershipLog {
 *   @OnVotersChange()
 *   record({ configuration, previous }: LeaderElectionEvents['voters-changed']) {
 *     console.log(`voters ${previous.voters.join(',')} -> ${configuration.voters.join(',')}`);
 *   }
 * }
 * ```
 */
export function OnVotersChange(): MethodDecorator {
  return LeaderEvent('voters-changed');
}
