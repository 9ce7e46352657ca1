import { DEFAULT_GROUP } from '@baton/core';
import type { MetadataScanner } from '@nestjs/core';
import {
  type GroupEventEntry,
  LEADER_GROUP_EVENT_METADATA,
  LEADER_ONLY_METADATA,
  LEADER_ROUTE_METADATA,
} from './leader.constants.js';

/**
 * The election groups a class asks for by its decorators (the default one left out): those of its
 * `@LeaderOnly('billing')` methods, of its group event handlers (`@OnBecomeLeader('billing')` and the
 * others) and of `@LeaderRoute({ group })` on the class or a method. Read from the prototype: the metadata
 * lives on the methods' function objects, so no instance is needed.
 *
 * @example
 * ```ts
 * import { MetadataScanner } from '@nestjs/core';
 * import { LeaderOnly } from '@baton/nestjs';
 * import { decoratedGroups } from './decorated-groups.js';
 * class Billing {
 *   @LeaderOnly('billing') charge() {}
 * }
 * console.log([...decoratedGroups(Billing.prototype, new MetadataScanner())]); // ['billing']
 * ```
 */
export function decoratedGroups(prototype: object, scanner: MetadataScanner): Set<string> {
  const groups = new Set<string>();
  const add = (group: unknown) => {
    if (typeof group === 'string' && group !== DEFAULT_GROUP) groups.add(group);
  };
  add(routeGroup(prototype.constructor));
  for (const methodName of scanner.getAllMethodNames(prototype)) {
    const method: unknown = (prototype as Record<string, unknown>)[methodName];
    if (typeof method !== 'function') continue;
    add((Reflect.getOwnMetadata(LEADER_ONLY_METADATA, method) as { group?: unknown } | undefined)?.group);
    const entries: readonly GroupEventEntry[] =
      Reflect.getOwnMetadata(LEADER_GROUP_EVENT_METADATA, method) ?? [];
    for (const { group } of entries) add(group);
    add(routeGroup(method));
  }
  return groups;
}

/** The `group` of `@LeaderRoute()` options on a class or a handler, if any. */
function routeGroup(target: unknown): unknown {
  if (typeof target !== 'function') return undefined;
  return (Reflect.getOwnMetadata(LEADER_ROUTE_METADATA, target) as { group?: unknown } | undefined)?.group;
}
