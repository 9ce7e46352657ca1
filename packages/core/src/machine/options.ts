import { InvalidOptionError } from '../errors.js';
import {
  type AutopilotOptions,
  type ResolvedAutopilotOptions,
  resolveAutopilotOptions,
} from './autopilot.js';
import type { NodeId } from './types.js';

/**
 * Options of the election, mirroring the `leader` package of the ergo actor framework (Go,
 * `ergo.services/actor/leader`; see docs/design.md in the Baton repository). All durations are milliseconds.
 *
 * @example
 * ```ts
 * import { resolveElectionOptions } from '@baton/core';
 * const { options, warnings } = resolveElectionOptions({ clusterId: 'jobs', voters: ['a', 'b', 'c'] });
 * console.log(options.electionTimeoutMin, options.leaseDuration, warnings); // 150 135.71… []
 * ```
 */
export interface ElectionOptions {
  /** Name of the cluster. Nodes only talk to nodes with the same id. Required, non-empty. */
  clusterId: string;
  /**
   * Lower bound of the randomised election timeout. Also how long a node that heard from a leader refuses
   * to vote for anyone else (leader stickiness), and the base of the leader's lease.
   * @default 150
   */
  electionTimeoutMin?: number;
  /**
   * Upper bound (exclusive) of the randomised election timeout; must be greater than `electionTimeoutMin`.
   * @default 300
   */
  electionTimeoutMax?: number;
  /**
   * How often the leader sends heartbeats (and renews its lease). Should be well below `electionTimeoutMin`.
   * @default 50
   */
  heartbeatInterval?: number;
  /**
   * How often the leader sends heartbeats to observers (members that are not voters). Observers never vote
   * or campaign, so they need not hear the leader every `heartbeatInterval`: a cluster with 5 voters and 45
   * observers then costs the leader a message per observer per second, not twenty. A new leader's first
   * heartbeat, and the first after a change of the voters, still reach every observer at once.
   * @default 1000 (at least `heartbeatInterval`)
   */
  observerHeartbeatInterval?: number;
  /**
   * The first voters, used once: a node that has no configuration yet and is listed here forms the cluster's
   * first configuration from this list (every node given the same list forms the same one). After that the
   * persisted configuration rules, changed by the leader one voter at a time; a list that differs from it
   * is logged and ignored. A node not listed, or started without the option, joins as an observer and
   * learns the configuration from the leader. Quorum is always a strict majority of the configuration's
   * voters, never of the peers seen so far.
   * @default []
   */
  voters?: readonly NodeId[];
  /**
   * How the leader changes the voters by itself (promotes stable observers up to `maxVoters`, replaces and
   * removes leaving and unreachable voters); `false` turns it off for users who manage voters themselves
   * (`addVoter`, `removeVoter`, `replaceVoter`).
   * @default the defaults of {@link AutopilotOptions}
   */
  autopilot?: AutopilotOptions | false;
  /**
   * Bound on the relative rate error of any node's clock (0.05 = a clock may run up to 5 % fast or slow).
   * The lease is `electionTimeoutMin × (1 − bound) / (1 + bound)` from the start of the last heartbeat round
   * a majority acknowledged. Must be in [0, 0.5).
   * @default 0.05
   */
  clockDriftBound?: number;
  /**
   * How often a node that leads election groups (other than the default one) checks whether to hand one of
   * them to a voter that asked for it and leads at least two groups fewer (one group per check, by a
   * leadership transfer), so that the leaders of the groups spread evenly over the voters. `0` turns
   * placement off. At least `heartbeatInterval`.
   * @default 1000 (at least `heartbeatInterval`)
   */
  placementInterval?: number;
  /**
   * How long a record of an election group that this node does not ask for (one it only voted in, or
   * closed) is kept after the group's last message: then it is retired (deleted from the state file, its
   * term folded into the node's `retiredTerm`, above which alone it votes in a group again), so that a
   * cluster whose jobs come and go does not keep their records for ever (a node keeps at most 1024). A group
   * still led somewhere sends heartbeats to every voter, so its records stay. `0` keeps every record. At
   * least 10 × `electionTimeoutMax`.
   * @default 600000 (10 minutes)
   */
  groupIdleTimeout?: number;
}

/**
 * Options with every default filled in, plus values derived from them: what
 * {@link resolveElectionOptions} returns and `ElectionMachine#options` holds.
 *
 * @example
 * ```ts
 * import { type ResolvedElectionOptions, resolveElectionOptions } from '@baton/core';
 * const resolved: ResolvedElectionOptions = resolveElectionOptions({ clusterId: 'jobs' }).options;
 * console.log(resolved.heartbeatInterval, resolved.leaseDuration); // 50 135.71…
 * ```
 */
export interface ResolvedElectionOptions {
  readonly clusterId: string;
  readonly electionTimeoutMin: number;
  readonly electionTimeoutMax: number;
  readonly heartbeatInterval: number;
  readonly observerHeartbeatInterval: number;
  readonly voters: readonly NodeId[];
  readonly clockDriftBound: number;
  /** How often election groups are rebalanced over the voters; 0: never. */
  readonly placementInterval: number;
  /** How long an idle group record this node does not ask for is kept before it is retired; 0: for ever. */
  readonly groupIdleTimeout: number;
  /** How long a lease lasts after the start of a heartbeat round a majority acknowledged. */
  readonly leaseDuration: number;
  /** The autopilot's options, or `null` when it is off. */
  readonly autopilot: ResolvedAutopilotOptions | null;
}

/**
 * Defaults of {@link ElectionOptions}, as in the ergo `leader` package (milliseconds, and a relative
 * clock-rate bound).
 *
 * @example
 * ```ts
 * import { ELECTION_DEFAULTS } from '@baton/core';
 * console.log(ELECTION_DEFAULTS.electionTimeoutMin, ELECTION_DEFAULTS.electionTimeoutMax); // 150 300
 * const relaxed = { clusterId: 'jobs', heartbeatInterval: ELECTION_DEFAULTS.heartbeatInterval * 4 };
 * ```
 */
export const ELECTION_DEFAULTS = {
  electionTimeoutMin: 150,
  electionTimeoutMax: 300,
  heartbeatInterval: 50,
  observerHeartbeatInterval: 1_000,
  placementInterval: 1_000,
  groupIdleTimeout: 600_000,
  clockDriftBound: 0.05,
} as const;

/**
 * Timings for nodes that run under a CPU limit (a Kubernetes `resources.limits.cpu`, a cgroup CPU quota): four
 * times the default election timeout and four times the default heartbeat interval. Spread it into the options of a
 * `LeaderElection` (or of the NestJS module); options given after it win.
 *
 * Why: the kernel enforces a CPU limit per 100 ms period, and a process that has spent its quota early in a
 * period is stopped, every thread of it, until the period ends: up to 75 ms at 250 millicores and 90 ms at
 * 100 millicores, more when several threads spend the quota together. With the default timings the lease
 * is 135.7 ms and a leader may stall 85.7 ms (`maxEventLoopStall`): one throttled period can end a leadership.
 * With these timings the lease is 1085.7 ms and the stall bound 885.7 ms, several periods. Measured (5 processes
 * idle for 10 minutes, each under its own quota): no leadership change at 250 and at 100 millicores, where
 * 600-1200 ms with a 100 ms heartbeat still lost 5-11 leases at 100 millicores. The cost: a failover
 * after a leader crashes waits out a longer election timeout (1200-2400 ms instead of 150-300 ms), and
 * followers notice a dead leader later. A graceful handover (`stop()`, `transferLeadership()`) does not
 * wait for a timeout and costs about the same. Figures: "Running under a CPU limit" in the package README.
 *
 * @example
 * ```ts
 * import { CONSTRAINED_TIMINGS, resolveElectionOptions } from '@baton/core';
 * const { options } = resolveElectionOptions({ clusterId: 'jobs', ...CONSTRAINED_TIMINGS });
 * console.log(options.electionTimeoutMin, options.heartbeatInterval, options.leaseDuration); // 1200 200 1085.71…
 * ```
 */
export const CONSTRAINED_TIMINGS = {
  electionTimeoutMin: 1_200,
  electionTimeoutMax: 2_400,
  heartbeatInterval: 200,
} as const satisfies Partial<ElectionOptions>;

function positiveInteger(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new InvalidOptionError(option, value, 'must be an integer number of milliseconds');
  }
  if (value <= 0) throw new InvalidOptionError(option, value, 'must be greater than 0');
  return value;
}

/**
 * Checks options and fills in defaults. Throws {@link InvalidOptionError} naming the first bad option;
 * returns warnings for values that work but are unwise.
 *
 * @example
 * ```ts
 * import { resolveElectionOptions } from '@baton/core';
 * const { warnings } = resolveElectionOptions({ clusterId: 'jobs', heartbeatInterval: 200 });
 * console.log(warnings[0]); // 'heartbeatInterval=200 is not below electionTimeoutMin=150: ...'
 * ```
 */
export function resolveElectionOptions(input: ElectionOptions): {
  options: ResolvedElectionOptions;
  warnings: string[];
} {
  if (input == null || typeof input !== 'object') {
    throw new InvalidOptionError('options', input, 'must be an object');
  }
  rejectUnknownOptions(input as object, ELECTION_OPTION_NAMES);
  const { clusterId } = input;
  if (typeof clusterId !== 'string' || clusterId.trim() === '') {
    throw new InvalidOptionError('clusterId', clusterId, 'is required and must be a non-empty string');
  }
  const electionTimeoutMin = positiveInteger(
    'electionTimeoutMin',
    input.electionTimeoutMin ?? ELECTION_DEFAULTS.electionTimeoutMin,
  );
  const electionTimeoutMax = positiveInteger(
    'electionTimeoutMax',
    input.electionTimeoutMax ?? ELECTION_DEFAULTS.electionTimeoutMax,
  );
  if (electionTimeoutMax <= electionTimeoutMin) {
    throw new InvalidOptionError(
      'electionTimeoutMax',
      electionTimeoutMax,
      `must be greater than electionTimeoutMin (${electionTimeoutMin})`,
    );
  }
  const heartbeatInterval = positiveInteger(
    'heartbeatInterval',
    input.heartbeatInterval ?? ELECTION_DEFAULTS.heartbeatInterval,
  );
  const observerHeartbeatInterval = positiveInteger(
    'observerHeartbeatInterval',
    input.observerHeartbeatInterval ??
      Math.max(ELECTION_DEFAULTS.observerHeartbeatInterval, heartbeatInterval),
  );
  if (observerHeartbeatInterval < heartbeatInterval) {
    throw new InvalidOptionError(
      'observerHeartbeatInterval',
      observerHeartbeatInterval,
      `must not be below heartbeatInterval (${heartbeatInterval})`,
    );
  }
  const placementInterval =
    input.placementInterval ?? Math.max(ELECTION_DEFAULTS.placementInterval, heartbeatInterval);
  if (
    !Number.isSafeInteger(placementInterval) ||
    placementInterval < 0 ||
    (placementInterval > 0 && placementInterval < heartbeatInterval)
  ) {
    throw new InvalidOptionError(
      'placementInterval',
      placementInterval,
      `must be 0 (off) or an integer of at least heartbeatInterval (${heartbeatInterval})`,
    );
  }
  const groupIdleTimeout =
    input.groupIdleTimeout ?? Math.max(ELECTION_DEFAULTS.groupIdleTimeout, 10 * electionTimeoutMax);
  if (
    !Number.isSafeInteger(groupIdleTimeout) ||
    groupIdleTimeout < 0 ||
    (groupIdleTimeout > 0 && groupIdleTimeout < 10 * electionTimeoutMax)
  ) {
    throw new InvalidOptionError(
      'groupIdleTimeout',
      groupIdleTimeout,
      `must be 0 (keep every group record) or an integer of at least 10 × electionTimeoutMax (${10 * electionTimeoutMax})`,
    );
  }
  const clockDriftBound = input.clockDriftBound ?? ELECTION_DEFAULTS.clockDriftBound;
  if (
    typeof clockDriftBound !== 'number' ||
    !Number.isFinite(clockDriftBound) ||
    clockDriftBound < 0 ||
    clockDriftBound >= 0.5
  ) {
    throw new InvalidOptionError('clockDriftBound', clockDriftBound, 'must be a number in [0, 0.5)');
  }
  const voters = resolveVoters(input.voters);
  const warnings: string[] = [];
  if (heartbeatInterval >= electionTimeoutMin) {
    warnings.push(
      `heartbeatInterval=${heartbeatInterval} is not below electionTimeoutMin=${electionTimeoutMin}: ` +
        'followers will time out between heartbeats and the leader will keep losing its lease',
    );
  }
  const leaseDuration = (electionTimeoutMin * (1 - clockDriftBound)) / (1 + clockDriftBound);
  if (leaseDuration <= heartbeatInterval) {
    warnings.push(
      `the lease (${leaseDuration.toFixed(1)} ms) is not longer than heartbeatInterval=${heartbeatInterval}: ` +
        'the leader cannot renew it in time and will step down between heartbeats',
    );
  }
  return {
    options: {
      clusterId,
      electionTimeoutMin,
      electionTimeoutMax,
      heartbeatInterval,
      observerHeartbeatInterval,
      voters,
      clockDriftBound,
      placementInterval,
      groupIdleTimeout,
      leaseDuration,
      autopilot: resolveAutopilotOptions(input.autopilot),
    },
    warnings,
  };
}

/** The names of {@link ElectionOptions}. */
export const ELECTION_OPTION_NAMES: readonly string[] = [
  'clusterId',
  'electionTimeoutMin',
  'electionTimeoutMax',
  'heartbeatInterval',
  'observerHeartbeatInterval',
  'voters',
  'autopilot',
  'clockDriftBound',
  'placementInterval',
  'groupIdleTimeout',
];

/**
 * Throws an `InvalidOptionError` naming the first option of `input` that is not one of `known` (a typo such
 * as `heartbeatIntreval` would otherwise be ignored silently and its default used). `undefined` values are
 * accepted, as for any option. The "did you mean" hint names a known option within two edits of the unknown one.
 * Packages built on the core (the libp2p transport, the NestJS module) check their own options with it.
 *
 * @example
 * ```ts
 * import { InvalidOptionError, rejectUnknownOptions } from '@baton/core';
 * try {
 *   rejectUnknownOptions({ listen: [], bootstrapp: [] }, ['listen', 'bootstrap']);
 * } catch (error) {
 *   if (error instanceof InvalidOptionError) console.log(error.message); // names `bootstrapp`, did you mean bootstrap?
 * }
 * ```
 */
export function rejectUnknownOptions(input: object, known: readonly string[], prefix = ''): void {
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined || known.includes(key)) continue;
    const near = known.find(
      (name) => name.toLowerCase() === key.toLowerCase() || editDistance(name, key) <= 2,
    );
    throw new InvalidOptionError(
      `${prefix}${key}`,
      value,
      `is not an option${near === undefined ? '' : ` (did you mean ${near}?)`}; known options: ${known.join(', ')}`,
    );
  }
}

/** Levenshtein distance, for "did you mean" hints on short option names. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

function resolveVoters(value: unknown): readonly NodeId[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InvalidOptionError('voters', value, 'must be an array of node ids');
  const seen = new Set<NodeId>();
  for (const [index, id] of value.entries()) {
    if (typeof id !== 'string' || id === '') {
      throw new InvalidOptionError(`voters[${index}]`, id, 'must be a non-empty string');
    }
    if (seen.has(id)) throw new InvalidOptionError(`voters[${index}]`, id, 'is listed twice');
    seen.add(id);
  }
  return [...seen].sort();
}
