import { InvalidOptionError } from '../errors.js';
import { majority } from './quorum.js';
import type { NodeId } from './types.js';

/**
 * How the leader runs the membership by itself (Consul calls it autopilot): which observers it promotes to
 * voters, and which voters it removes. All durations are milliseconds.
 *
 * @example
 * ```ts
 * import { LeaderElection, MemoryStateStore, type AutopilotOptions } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const autopilot: AutopilotOptions = { maxVoters: 3, deadVoterTimeout: 60_000 };
 * const transport = new MemoryNetwork().transport('a');
 * const election = new LeaderElection({ clusterId: 'jobs', voters: ['a'], autopilot, transport, store: new MemoryStateStore() });
 * ```
 */
export interface AutopilotOptions {
  /**
   * How many voters the leader aims for: it promotes stable observers while there are fewer. Odd, 1 to 7
   * (more voters make every election and every lease need more acknowledgements; the rest are observers).
   * @default 5
   */
  maxVoters?: number;
  /**
   * The floor: the leader removes a leaving or unreachable voter without a replacement only while more voters
   * than this remain; at the floor it first promotes a stable observer, or waits for one. At most `maxVoters`.
   * @default 3 (or `maxVoters` when that is smaller)
   */
  minVoters?: number;
  /**
   * How long an observer must have been in steady contact (an acknowledgement at least every
   * `electionTimeoutMin`) before the leader promotes it.
   * @default 2000
   */
  stabilizationTime?: number;
  /**
   * How long a voter may stay unreachable before the leader removes it (replacing it with a stable observer
   * when there is one). Long against restarts: a voter that comes back after its removal is an observer, and
   * is promoted again once stable.
   * @default 30000
   */
  deadVoterTimeout?: number;
}

/**
 * Autopilot options with every default filled in.
 *
 * @example
 * ```ts
 * import { resolveElectionOptions, type ResolvedAutopilotOptions } from '@baton/core';
 * const autopilot: ResolvedAutopilotOptions | null = resolveElectionOptions({ clusterId: 'jobs' }).options.autopilot;
 * console.log(autopilot?.maxVoters, autopilot?.deadVoterTimeout); // 5 30000
 * ```
 */
export interface ResolvedAutopilotOptions {
  readonly maxVoters: number;
  readonly minVoters: number;
  readonly stabilizationTime: number;
  readonly deadVoterTimeout: number;
}

/**
 * The defaults of {@link AutopilotOptions}.
 *
 * @example
 * ```ts
 * import { AUTOPILOT_DEFAULTS } from '@baton/core';
 * console.log(AUTOPILOT_DEFAULTS.maxVoters, AUTOPILOT_DEFAULTS.stabilizationTime); // 5 2000
 * ```
 */
export const AUTOPILOT_DEFAULTS = {
  maxVoters: 5,
  minVoters: 3,
  stabilizationTime: 2_000,
  deadVoterTimeout: 30_000,
} as const;

const AUTOPILOT_KEYS = new Set(['maxVoters', 'minVoters', 'stabilizationTime', 'deadVoterTimeout']);

/** Checks the `autopilot` option (naming the bad field, e.g. `autopilot.maxVoters`); `false` turns it off. */
export function resolveAutopilotOptions(value: unknown): ResolvedAutopilotOptions | null {
  if (value === false) return null;
  if (value === undefined || value === true) return { ...AUTOPILOT_DEFAULTS };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError('autopilot', value, 'must be an object of autopilot options, or false');
  }
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!AUTOPILOT_KEYS.has(key)) {
      throw new InvalidOptionError(
        `autopilot.${key}`,
        input[key],
        `is not an autopilot option (known: ${[...AUTOPILOT_KEYS].join(', ')})`,
      );
    }
  }
  const maxVoters = input.maxVoters ?? AUTOPILOT_DEFAULTS.maxVoters;
  if (
    typeof maxVoters !== 'number' ||
    !Number.isInteger(maxVoters) ||
    maxVoters < 1 ||
    maxVoters > 7 ||
    maxVoters % 2 === 0
  ) {
    throw new InvalidOptionError('autopilot.maxVoters', maxVoters, 'must be an odd integer from 1 to 7');
  }
  const minVoters = input.minVoters ?? Math.min(AUTOPILOT_DEFAULTS.minVoters, maxVoters);
  if (
    typeof minVoters !== 'number' ||
    !Number.isInteger(minVoters) ||
    minVoters < 1 ||
    minVoters > maxVoters
  ) {
    throw new InvalidOptionError(
      'autopilot.minVoters',
      minVoters,
      `must be an integer from 1 to maxVoters (${maxVoters})`,
    );
  }
  return {
    maxVoters,
    minVoters,
    stabilizationTime: duration(
      'autopilot.stabilizationTime',
      input.stabilizationTime,
      AUTOPILOT_DEFAULTS.stabilizationTime,
    ),
    deadVoterTimeout: duration(
      'autopilot.deadVoterTimeout',
      input.deadVoterTimeout,
      AUTOPILOT_DEFAULTS.deadVoterTimeout,
    ),
  };
}

function duration(option: string, value: unknown, fallback: number): number {
  const ms = value ?? fallback;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new InvalidOptionError(option, ms, 'must be a number of milliseconds, 0 or more');
  }
  return ms;
}

/** What the leader's autopilot sees when it decides. Times are the leader's clock, in milliseconds. */
export interface AutopilotView {
  readonly now: number;
  /** The leader itself: never removed by the autopilot (a leaving leader transfers leadership first). */
  readonly leader: NodeId;
  readonly voters: readonly NodeId[];
  /** Members that are not voters. */
  readonly observers: readonly NodeId[];
  /** Members that said they are stopping. */
  readonly leaving: ReadonlySet<NodeId>;
  /** When `id` was last heard from in this leadership (the start of the leadership if never). */
  lastContact(id: NodeId): number;
  /** Since when `id` has been in steady contact, or `null` when it is not right now. */
  steadySince(id: NodeId): number | null;
  /** Whether `id` was heard from recently enough to count as up (within `electionTimeoutMax`). */
  responsive(id: NodeId): boolean;
}

/** One change the autopilot asks for. */
export type AutopilotChange =
  | { readonly type: 'add'; readonly node: NodeId; readonly reason: 'promote' | 'replace' }
  | { readonly type: 'remove'; readonly node: NodeId; readonly reason: 'leaving' | 'unreachable' };

/**
 * The next change the autopilot makes, or `null`. The leader asks only when no change is in progress and its
 * configuration is held by a majority in its own term; it applies at most one change at a time.
 *
 * The rules, in order:
 *
 * 1. **A voter that leaves or is unreachable** (no message for `deadVoterTimeout`) is removed while more than
 *    `minVoters` voters would remain and the voters that are up still make a majority of the smaller set
 *    (removing a voter that is up must not leave too few of them). Otherwise, the leader first promotes a
 *    stable observer in its place (the removal follows once that change is done), or waits for one. Leaving
 *    voters go first, then the longest unreachable.
 * 2. **While there are fewer than `maxVoters` voters**, a stable observer is promoted: one that is not
 *    leaving, has been in steady contact for `stabilizationTime`, and whose promotion leaves the voters that
 *    are up (with it) a majority of the larger set. The longest-steady one first.
 * 3. Nothing else: the autopilot never removes a healthy voter, whatever `maxVoters` says.
 *
 * "Nothing the autopilot does can break a majority that is up": every change keeps the responsive voters a
 * majority of the new set, so a cluster that can elect a leader before the change still can after it.
 */
export function nextAutopilotChange(
  view: AutopilotView,
  options: ResolvedAutopilotOptions,
): AutopilotChange | null {
  const { voters, leader, now } = view;
  const responsive = voters.filter((voter) => voter === leader || view.responsive(voter)).length;
  const stable = view.observers
    .filter((id) => !view.leaving.has(id) && view.responsive(id))
    .map((id) => ({ id, since: view.steadySince(id) }))
    .filter(
      (o): o is { id: NodeId; since: number } =>
        o.since !== null && now - o.since >= options.stabilizationTime,
    )
    .sort((a, b) => a.since - b.since || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const promotable = responsive + 1 >= majority(voters.length + 1) ? stable[0] : undefined;

  const leaving = voters.filter((voter) => voter !== leader && view.leaving.has(voter)).sort();
  const unreachable = voters
    .filter(
      (voter) =>
        voter !== leader &&
        !view.leaving.has(voter) &&
        now - view.lastContact(voter) > options.deadVoterTimeout,
    )
    .sort((a, b) => view.lastContact(a) - view.lastContact(b) || (a < b ? -1 : a > b ? 1 : 0));
  for (const [node, reason] of [
    ...leaving.map((id) => [id, 'leaving'] as const),
    ...unreachable.map((id) => [id, 'unreachable'] as const),
  ]) {
    const upAfter = responsive - (node === leader || view.responsive(node) ? 1 : 0);
    if (voters.length - 1 >= options.minVoters && upAfter >= majority(voters.length - 1)) {
      return { type: 'remove', node, reason };
    }
    if (promotable !== undefined) return { type: 'add', node: promotable.id, reason: 'replace' };
    return null; // wait for a replacement rather than remove another voter first
  }
  if (voters.length < options.maxVoters && promotable !== undefined) {
    return { type: 'add', node: promotable.id, reason: 'promote' };
  }
  return null;
}
