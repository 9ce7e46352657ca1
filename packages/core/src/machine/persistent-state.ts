import { InvalidPersistentStateError } from '../errors.js';
import type { NodeId, PersistentState, VoterConfig } from './types.js';

/**
 * The version-1 voter configuration made from the `voters` option (version 0 when it is empty).
 *
 * @example
 * ```ts
 * import { configFromOptions } from './persistent-state.js';
 * configFromOptions(['c', 'a', 'b']); // { version: 1, voters: ['a', 'b', 'c'] }
 * configFromOptions([]); // { version: 0, voters: [] }
 * ```
 */
export function configFromOptions(voters: readonly NodeId[]): VoterConfig {
  return voters.length === 0 ? { version: 0, voters: [] } : { version: 1, voters: [...voters].sort() };
}

/**
 * Checks the shape of a persisted state, naming the first bad field. A state that fails is never repaired
 * or reset: a node that forgot its vote can elect two leaders.
 *
 * @example
 * ```ts
 * import { checkPersistentState } from './persistent-state.js';
 * checkPersistentState({ term: 3, votedFor: 'a', config: { version: 1, voters: ['a', 'b', 'c'] } });
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
  const config = state.config as Record<string, unknown> | null | undefined;
  if (config == null || typeof config !== 'object') fail('config', config, 'must be an object');
  const { version, voters } = config as Record<string, unknown>;
  if (!Number.isSafeInteger(version) || (version as number) < 0) {
    fail('config.version', version, 'must be a non-negative integer');
  }
  if (!Array.isArray(voters) || voters.some((v) => typeof v !== 'string' || v === '')) {
    fail('config.voters', voters, 'must be an array of non-empty strings');
  }
  const list = voters as string[];
  if (new Set(list).size !== list.length) fail('config.voters', voters, 'must not repeat a voter');
  if ((version as number) === 0 && list.length > 0) fail('config', config, 'version 0 must have no voters');
}
