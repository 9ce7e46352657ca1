import { DEFAULT_GROUP } from '@baton/core';
import { InvalidDecoratorTargetError } from '../errors.js';
import {
  type GroupEventEntry,
  LEADER_EVENT_DECORATORS,
  LEADER_EVENT_METADATA,
  LEADER_GROUP_EVENT_METADATA,
  type LeaderEventName,
} from '../leader.constants.js';
import { decoratedClassName, decoratedGroup } from './decorated-member.js';

/**
 * Marks a method as a handler of one election event, of the default election or, with `group`, of that
 * election group (for the events of one election only: `became-leader`, `became-follower`, `leader-changed`,
 * `term-changed`, `leadership-lost`). The public decorators (`@OnBecomeLeader()` and the others) are this
 * with the event filled in; a method may carry several of them. On anything but a method it throws an
 * `InvalidDecoratorTargetError`; with a group that is not a group name, an `InvalidOptionError` naming the
 * decorator and `Class.method`.
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
 *   @LeaderEvent('became-leader', 'billing')
 *   onBillingLeader() {
 *     console.log('this replica leads billing');
 *   }
 * }
 * ```
 */
export function LeaderEvent(event: LeaderEventName, group?: string): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    const method: unknown = descriptor.value;
    const decorator = LEADER_EVENT_DECORATORS[event];
    if (typeof method !== 'function') {
      const member = `${decoratedClassName(target)}.${String(propertyKey)}`;
      throw new InvalidDecoratorTargetError(decorator, member);
    }
    const name = decoratedGroup(decorator, target, propertyKey, group);
    if (name === DEFAULT_GROUP) {
      const events: readonly LeaderEventName[] = Reflect.getOwnMetadata(LEADER_EVENT_METADATA, method) ?? [];
      if (!events.includes(event)) Reflect.defineMetadata(LEADER_EVENT_METADATA, [...events, event], method);
      return;
    }
    const entries: readonly GroupEventEntry[] =
      Reflect.getOwnMetadata(LEADER_GROUP_EVENT_METADATA, method) ?? [];
    if (entries.some((entry) => entry.event === event && entry.group === name)) return;
    const entry = { event, group: name } as GroupEventEntry;
    Reflect.defineMetadata(LEADER_GROUP_EVENT_METADATA, [...entries, entry], method);
  };
}
