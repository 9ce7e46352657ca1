import { LeaderEvent } from './leader-event.decorator.js';

/**
 * Calls the method when the term changes, with the new term and the previous one. Terms only grow; a new
 * term means an election happened (not necessarily a new leader yet).
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import { OnTermChange } from '@baton/nestjs';
 *
 * @Injectable()
 * export class Metrics {
 *   @OnTermChange()
 *   record(term: number, previousTerm: number) {
 *     console.log(`term ${previousTerm} -> ${term}`);
 *   }
 * }
 * ```
 */
export function OnTermChange(): MethodDecorator {
  return LeaderEvent('term-changed');
}
