import { InvalidPersistentStateError } from '../errors.js';
import { checkGroupName, DEFAULT_GROUP } from './group-names.js';
import type { PersistentState } from './types.js';

/**
 * Checks the shape of a persisted state, naming the first bad field. A state that fails is never repaired
 * or reset: a node that forgot its vote can elect two leaders.
 *
 * @example
 * ```ts
 * import { checkPersistentState } from './persistent-state.js';
 * checkPersistentState({ term: 3, votedFor: 'a', configuration: { term: 2, version: 1, voters: ['a', 'b', 'c'] } });
 * ```
 */
export function checkPersistentState(value: unknown): asserts value is PersistentState {
  const fail = (field: string, got: unknown, why: string): never => {
    throw new InvalidPersistentStateError(field, got, why);
  };
  if (value == null || typeof value !== 'object') fail('state', value, 'must be an object');
  const state = value as Record<string, unknown>;
  if (!Number.isSafeInteger(state.term) || (state.term as number) < 0) {
    fail('term', state.term, 'must be a non-negative integer');
  }
  if (state.votedFor !== null && (typeof state.votedFor !== 'string' || state.votedFor === '')) {
    fail('votedFor', state.votedFor, 'must be null or a non-empty string');
  }
  const configuration = state.configuration as Record<string, unknown> | null | undefined;
  if (configuration == null || typeof configuration !== 'object') {
    fail('configuration', configuration, 'must be an object');
  }
  const { term, version, voters } = configuration as Record<string, unknown>;
  if (!Number.isSafeInteger(term) || (term as number) < 0) {
    fail('configuration.term', term, 'must be a non-negative integer');
  }
  if ((term as number) > (state.term as number)) {
    fail('configuration.term', term, `must not be above the term (${state.term})`);
  }
  if (!Number.isSafeInteger(version) || (version as number) < 0) {
    fail('configuration.version', version, 'must be a non-negative integer');
  }
  if (!Array.isArray(voters) || voters.some((v) => typeof v !== 'string' || v === '')) {
    fail('configuration.voters', voters, 'must be an array of non-empty strings');
  }
  const list = voters as string[];
  if (new Set(list).size !== list.length) fail('configuration.voters', voters, 'must not repeat a voter');
  if ((version as number) === 0 && list.length > 0) {
    fail('configuration', configuration, 'version 0 must have no voters');
  }
  const floor = (configuration as Record<string, unknown>).groupTermFloor;
  if (floor !== undefined && (!Number.isSafeInteger(floor) || (floor as number) < 0)) {
    fail('configuration.groupTermFloor', floor, 'must be a non-negative integer');
  }
  if (
    state.retiredTerm !== undefined &&
    (!Number.isSafeInteger(state.retiredTerm) || (state.retiredTerm as number) < 0)
  ) {
    fail('retiredTerm', state.retiredTerm, 'must be a non-negative integer');
  }
  if (state.groups === undefined) return;
  if (state.groups === null || typeof state.groups !== 'object' || Array.isArray(state.groups)) {
    fail('groups', state.groups, 'must be an object of group records by name');
  }
  for (const [name, group] of Object.entries(state.groups as Record<string, unknown>)) {
    try {
      checkGroupName('state', name);
    } catch {
      fail(`groups.${name}`, name, 'is not a valid group name');
    }
    if (name === DEFAULT_GROUP)
      fail(`groups.${name}`, group, 'the default group is kept in term and votedFor');
    const record = group as Record<string, unknown> | null;
    if (record === null || typeof record !== 'object') fail(`groups.${name}`, group, 'must be an object');
    const { term: groupTerm, votedFor } = record as Record<string, unknown>;
    if (!Number.isSafeInteger(groupTerm) || (groupTerm as number) < 0) {
      fail(`groups.${name}.term`, groupTerm, 'must be a non-negative integer');
    }
    if (votedFor !== null && (typeof votedFor !== 'string' || votedFor === '')) {
      fail(`groups.${name}.votedFor`, votedFor, 'must be null or a non-empty string');
    }
  }
}
