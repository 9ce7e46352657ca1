import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method with the core's `leader-changed` event, `{ leader, previous, term }`, whenever the leader
 * this node knows changes: to another node, to itself, or to none (`null`).
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { type LeaderElectionEvents, OnLeaderChange } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Router {
 *   private leader: string | null = null;
 *   @OnLeaderChange()
 *   route({ leader, previous, term }: LeaderElectionEvents['leader-changed']) {
 *     this.leader = leader;
 *     console.log(`term ${term}: ${previous ?? 'none'} -> ${leader ?? 'none'}`);
 *   }
 * }
 * ```
 */
export function OnLeaderChange(): MethodDecorator {
  return LeaderEvent('leader-changed');
}
