import { InvalidDecoratorTargetError } from '../errors.js';
import { LEADER_EVENT_DECORATORS, LEADER_EVENT_METADATA, type LeaderEventName } from '../leader.constants.js';
import { decoratedClassName } from './decorated-member.js';

/**
 * Marks a method as a handler of one election event. The public decorators (`@OnBecomeLeader()` and the
 * others) are this with the event filled in; a method may carry several of them. On anything but a method
 * it throws an `InvalidDecoratorTargetError`.
 *
 * @example
 * ```ts
 * import 'reflect-metadata';
 * import { LeaderEvent } from './leader-event.decorator.js';
 * class Audit {
 *   @LeaderEvent('peer-left')
 *   onPeerLeft(peer: string) {
 *     console.log(`${peer} left`);
 *   }
 * }
 * ```
 */
export function LeaderEvent(event: LeaderEventName): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    const method: unknown = descriptor.value;
    if (typeof method !== 'function') {
      const member = `${decoratedClassName(target)}.${String(propertyKey)}`;
      throw new InvalidDecoratorTargetError(LEADER_EVENT_DECORATORS[event], member);
    }
    const events: readonly LeaderEventName[] = Reflect.getOwnMetadata(LEADER_EVENT_METADATA, method) ?? [];
    if (!events.includes(event)) Reflect.defineMetadata(LEADER_EVENT_METADATA, [...events, event], method);
  };
}
