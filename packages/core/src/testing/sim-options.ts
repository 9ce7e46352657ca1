import type { ElectionMachine, ElectionMachineInit } from '../machine/machine.js';
import type { ElectionOptions } from '../machine/options.js';
import type { NodeId } from '../machine/types.js';
import type { NetworkConditionsChange } from './sim-network.js';

/**
 * How a simulated cluster is built. Everything random in it comes from `seed`.
 *
 * @example
 * ```ts
 * import { SimCluster, type SimClusterOptions } from '@baton/core/testing';
 * const options: SimClusterOptions = {
 *   nodes: 5,
 *   seed: 3,
 *   election: { electionTimeoutMin: 150, electionTimeoutMax: 300 },
 *   network: { lossRate: 0.01 },
 *   log: 'messages',
 * };
 * const c = SimCluster.create(options);
 * ```
 */
export interface SimClusterOptions {
  /**
   * The voters: a count (ids `n1`, `n2`, ...) or explicit ids.
   * @default 3
   */
  nodes?: number | readonly NodeId[];
  /**
   * Non-voting members: a count (ids `o1`, `o2`, ...) or explicit ids.
   * @default 0
   */
  observers?: number | readonly NodeId[];
  /** @default 1 */
  seed?: number;
  /**
   * Room for nodes that join the running cluster later (`addNode`): the network is sized for them.
   * @default 0
   */
  joiners?: number;
  /**
   * Election groups other than the default one: every node asks for each (`openGroup`) when it boots and
   * after every restart, and each group gets its own invariant checks (keyed by group). Names as
   * `checkGroupName` accepts them. @default none (the default group only)
   */
  groups?: readonly string[];
  /** Election options of every node (voters are filled in). @default the election's defaults */
  election?: Partial<ElectionOptions>;
  /**
   * How far any simulated clock's rate may be from 1. Each process draws its rate within this bound (a third
   * of them at an extreme). Must not exceed the election's `clockDriftBound` for the lease to be safe.
   * @default the election's clockDriftBound (0.05)
   */
  clockDriftBound?: number;
  /** Loss, duplication, reordering and latency of the network. @default HEALTHY_NETWORK */
  network?: NetworkConditionsChange;
  /**
   * How long a cluster free of faults may go without a lease before `liveness` is violated.
   *
   * Why 20 × electionTimeoutMax (6 s at the defaults): after a heal, a node may stay sticky for
   * `electionTimeoutMin` and, after a step-down, wait `electionTimeoutMax` more before its timer fires; one
   * attempt (timer, pre-vote, vote, first acknowledged heartbeat) then takes at most about
   * `2 × electionTimeoutMax / (1 − drift)` plus six message delays (< 0.8 s at the defaults). The bound leaves
   * room for several consecutive split votes, whose probability falls geometrically with randomised
   * timeouts, while a cluster that cannot elect at all (a timer never re-armed, pre-vote refused forever,
   * leaders flapping under a partial partition) is still caught within seconds.
   * @default 20 × electionTimeoutMax
   */
  livenessBound?: number;
  /**
   * Throw an `InvariantViolationError` at the first violation (tests), or record them all (the CLI).
   * @default true
   */
  throwOnViolation?: boolean;
  /**
   * What the event log records: nothing, faults and role/term/lease changes, or every message too.
   * @default 'events'
   */
  log?: 'none' | 'events' | 'messages';
  /**
   * Builds each node's machine. Tests use it to check that the invariants catch a deliberately broken machine.
   * @default (init) => new ElectionMachine(init)
   */
  createMachine?: (init: ElectionMachineInit) => ElectionMachine;
}

/**
 * Options of {@link SimCluster.runUntil}.
 *
 * @example
 * ```ts
 * import { SimCluster } from '@baton/core/testing';
 * const c = SimCluster.create({ nodes: 3 });
 * const electedAt = c.runUntil(() => c.leaseHolder() !== null, { within: 2_000 });
 * ```
 */
export interface RunUntilOptions {
  /**
   * Give up (and throw) after this much virtual time.
   * @default 10_000
   */
  within?: number;
}
