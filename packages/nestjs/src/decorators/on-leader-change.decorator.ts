import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method whenever the leader this node knows changes (to itself, to another node, or to none),
 * with the new leader's id (`null`: none known), the previous one and the term.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { OnLeaderChange } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Router {
 *   private leaderId: string | null = null;
 *   @OnLeaderChange()
 *   route(leaderId: string | null, previousLeaderId: string | null, term: number) {
 *     this.leaderId = leaderId;
 *   }
 * }
 * ```
 */
export function OnLeaderChange(): MethodDecorator {
  return LeaderEvent('leader-changed');
}
