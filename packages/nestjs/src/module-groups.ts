import {
  checkGroupName,
  DEFAULT_GROUP,
  type GroupOptions,
  InvalidOptionError,
  isGroupName,
} from '@baton/core';
import { GROUPS_NOT_LIST } from './leader.messages.js';

/**
 * An election group in `LeaderModule`'s `groups` option, with this replica's options for it: the group's
 * name, and whether this replica prefers to lead it.
 *
 * @example
 * ```ts
 * import type { LeaderGroupOptions } from '@baton/nestjs';
 * const billing: LeaderGroupOptions = { name: 'billing', preferred: true }; // this replica leads billing when it can
 * ```
 */
export interface LeaderGroupOptions extends GroupOptions {
  /** The group's name: 1-63 characters of a-z, 0-9, '.', '_', '-', starting with a letter or a digit. */
  readonly name: string;
}

/**
 * An entry of `LeaderModule`'s `groups` option: a group's name, or its name with this replica's options.
 *
 * @example
 * ```ts
 * import type { LeaderModuleGroup } from '@baton/nestjs';
 * const groups: LeaderModuleGroup[] = ['reports', { name: 'billing', preferred: true }];
 * ```
 */
export type LeaderModuleGroup = string | LeaderGroupOptions;

const ENTRY_KEYS = new Set(['name', 'preferred']);

/**
 * The `groups` option checked: each entry a group name or `{ name, preferred? }`, each name once. The default
 * group may be listed by name (it changes nothing) but has no preferred replica.
 *
 * @throws InvalidOptionError (option `groups`) naming the entry (`groups[1]`, `groups[1].preferred`) and what
 *   is wrong with it.
 */
export function checkModuleGroups(groups: unknown): readonly LeaderGroupOptions[] {
  if (groups === undefined) return [];
  if (!Array.isArray(groups)) throw new InvalidOptionError('groups', groups, GROUPS_NOT_LIST);
  const seen = new Set<string>();
  return groups.map((entry: unknown, index) => {
    const bad = (field: string, why: string) =>
      new InvalidOptionError('groups', groups, `groups[${index}]${field} ${why}`);
    const object = typeof entry === 'object' && entry !== null;
    if (!object && typeof entry !== 'string') {
      throw bad(
        '',
        "must be a group name or { name, preferred }, such as 'billing' or { name: 'billing', preferred: true }",
      );
    }
    const unknown = object ? Object.keys(entry).filter((key) => !ENTRY_KEYS.has(key)) : [];
    if (unknown.length > 0)
      throw bad('', `has unknown field ${unknown[0]} (a group takes name and preferred)`);
    const name: unknown = object ? (entry as { name?: unknown }).name : entry;
    if (!isGroupName(name))
      throw bad(object ? '.name' : '', `is not an election group name (${whyNot(name)})`);
    if (seen.has(name))
      throw bad(object ? '.name' : '', `names group ${name} a second time: list each group once`);
    seen.add(name);
    const preferred: unknown = object ? (entry as { preferred?: unknown }).preferred : undefined;
    if (preferred === undefined) return { name };
    if (typeof preferred !== 'boolean')
      throw bad('.preferred', `must be a boolean, not ${JSON.stringify(preferred)}`);
    if (preferred && name === DEFAULT_GROUP) {
      throw bad('.preferred', 'is set for the default election, which has no preferred replica');
    }
    return { name, preferred };
  });
}

/** The name of an entry of the `groups` option (already checked). */
export function moduleGroupName(entry: LeaderModuleGroup): string {
  return typeof entry === 'string' ? entry : entry.name;
}

/** What the core's check says about a name that is not a group name. */
function whyNot(name: unknown): string {
  try {
    checkGroupName('LeaderModule', name);
    return '';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
