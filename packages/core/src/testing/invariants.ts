import { compareConfigurations, describeConfiguration } from '../machine/configuration.js';
import type { Configuration, NodeId } from '../machine/types.js';
import { ConfigurationInvariants } from './configuration-invariants.js';

/**
 * The safety and liveness properties the simulator checks after every step.
 *
 * @example
 * ```ts
 * import { runRandomSchedule, type InvariantName } from '@baton/core/testing';
 * const broken: InvariantName[] = runRandomSchedule({ seed: 1 }).violations.map((v) => v.invariant);
 * ```
 */
export type InvariantName =
  /** At most one node becomes leader in any term (Raft §5.2, "Election Safety"). */
  | 'one-leader-per-term'
  /** Never two nodes whose lease is valid at the same virtual instant (thesis §6.4.1). */
  | 'single-lease'
  /**
   * Within one term a node holds its lease over one unbroken stretch: once it lapsed (the runtime has told the
   * application that leadership ended) it is never valid again in that term. A revived lease would leave a
   * node leading in the machine, keeping followers sticky, while its runtime never leads again in that term.
   */
  | 'one-lease-per-term'
  /** A node's term never goes back, and within one term its vote never changes once cast, across restarts too. */
  | 'term-and-vote-monotonic'
  /** A node grants its vote to at most one candidate per term (Raft §5.2), whatever crashes happen in between. */
  | 'one-vote-per-term'
  /**
   * A vote is on stable storage before the grant leaves, and a leader's own vote before its heartbeats do
   * (Raft §5.2, fig. 2; a candidate's requests may leave before its vote is durable, as in etcd raft).
   */
  | 'persist-before-send'
  /** Once every fault is healed, some node holds a lease within the liveness bound. */
  | 'liveness'
  /** A node's configuration only moves forward in `(term, version)` order, in memory and on disk. */
  | 'configuration-monotonic'
  /** Any two configurations that can win an election at the same time have intersecting majorities. */
  | 'configurations-overlap'
  /** Once a configuration is done (held by a majority of its voters), no older one can win again. */
  | 'done-configuration-kept'
  /** Each new leadership's term (its fencing token) is above every earlier leadership's. */
  | 'fencing-monotonic';

/**
 * One broken invariant, with what is needed to replay it.
 *
 * @example
 * ```ts
 * import { formatViolation, runRandomSchedule, type Violation } from '@baton/core/testing';
 * const found: readonly Violation[] = runRandomSchedule({ seed: 1 }).violations;
 * for (const v of found) console.log(formatViolation(v));
 * ```
 */
export interface Violation {
  readonly invariant: InvariantName;
  /** The seed of the run. */
  readonly seed: number;
  /** Virtual time, in milliseconds. */
  readonly at: number;
  readonly description: string;
  /** The election group the violation is about; absent for the default group and node-level checks. */
  readonly group?: string;
}

/**
 * Thrown by a simulation (unless it records violations instead) the moment an invariant breaks.
 *
 * @example
 * ```ts
 * import { InvariantViolationError, SimCluster } from '@baton/core/testing';
 * try {
 *   SimCluster.create({ nodes: 3, seed: 7 }).runFor(5_000);
 * } catch (error) {
 *   if (error instanceof InvariantViolationError) console.log(error.violation.seed, error.message);
 * }
 * ```
 */
export class InvariantViolationError extends Error {
  override readonly name = 'InvariantViolationError';
  constructor(readonly violation: Violation) {
    super(formatViolation(violation));
  }
}

/**
 * Renders a violation on one line.
 *
 * @example
 * ```ts
 * import { formatViolation } from '@baton/core/testing';
 * formatViolation({ invariant: 'liveness', seed: 3, at: 1500, description: 'no lease for 6000 ms' });
 * // 'liveness violated at 1500.000 ms (seed 3): no lease for 6000 ms'
 * ```
 */
export function formatViolation(v: Violation): string {
  const group = v.group === undefined ? '' : ` in group ${v.group}`;
  return `${v.invariant} violated${group} at ${v.at.toFixed(3)} ms (seed ${v.seed}): ${v.description}`;
}

/**
 * Options of an {@link InvariantChecker}.
 *
 * @example
 * ```ts
 * import { InvariantChecker, type InvariantCheckerOptions } from '@baton/core/testing';
 * const options: InvariantCheckerOptions = { seed: 1, livenessBound: 6_000, throwOnViolation: false };
 * const checker = new InvariantChecker(options);
 * ```
 */
export interface InvariantCheckerOptions {
  /** The seed of the run, copied into every violation. */
  seed: number;
  /** How long a fully healed cluster may go without a lease (see `SimCluster`'s `livenessBound`). */
  livenessBound: number;
  /**
   * Throw an {@link InvariantViolationError} at the first violation; otherwise record them all.
   * @default true
   */
  throwOnViolation?: boolean;
  /** Hears of every violation as it is found (before it is thrown), e.g. to write it into a log. */
  onViolation?: (violation: Violation) => void;
  /**
   * The election group whose history this checker is fed (one checker per group: terms, votes, leases and
   * fencing tokens are per group); copied into every violation. Absent: the default group.
   */
  group?: string;
}

interface TermAndVote {
  term: number;
  votedFor: NodeId | null;
}

/**
 * Checks the election's invariants over a history fed to it observation by observation. It knows nothing of
 * the simulator, so a hand-made history can be checked too (and the checker itself tested).
 *
 * @example
 * ```ts
 * import { InvariantChecker } from '@baton/core/testing';
 * const checker = new InvariantChecker({ seed: 1, livenessBound: 6000, throwOnViolation: false });
 * checker.leaderElected('a', 2, 100);
 * checker.leaderElected('b', 2, 150); // a second leader in term 2
 * checker.violations[0]?.invariant; // 'one-leader-per-term'
 * ```
 */
export class InvariantChecker {
  private readonly recorded: Violation[] = [];
  private readonly winners = new Map<number, NodeId>();
  private readonly memory = new Map<NodeId, TermAndVote>();
  private readonly disk = new Map<NodeId, TermAndVote>();
  /** `term -> voter -> candidate` for every granted vote that was sent. */
  private readonly ballots = new Map<number, Map<NodeId, NodeId>>();
  private readonly throwOnViolation: boolean;
  private faultFreeSince: number | null = null;
  private livenessReportedFor = Number.NaN;
  private overlapping = false;
  /** Per node: the latest term it held a lease in, and whether that lease has lapsed since. */
  private readonly leases = new Map<NodeId, { term: number; lapsed: boolean }>();
  private gapSince: number | null = null;
  private longestGap = 0;
  private readonly configurationsInMemory = new Map<NodeId, Configuration>();
  private readonly configurationsOnDisk = new Map<NodeId, Configuration>();
  private readonly configurations = new ConfigurationInvariants();
  /** The highest term a leadership started in so far. */
  private highestLeadership = 0;

  constructor(private readonly options: InvariantCheckerOptions) {
    this.throwOnViolation = options.throwOnViolation ?? true;
  }

  /** Every violation recorded so far (only the first, when the checker throws). */
  get violations(): readonly Violation[] {
    return this.recorded;
  }

  /** `node` became leader (won the election) of `term`. */
  leaderElected(node: NodeId, term: number, at: number): void {
    const winner = this.winners.get(term);
    if (winner === undefined) this.winners.set(term, node);
    else if (winner !== node) {
      this.fail(
        'one-leader-per-term',
        at,
        `${node} became leader of term ${term}, which ${winner} already won`,
      );
    }
  }

  /** `node` started leading (announced its lease) in `term`: fencing tokens must strictly increase. */
  leadershipStarted(node: NodeId, term: number, at: number): void {
    if (term <= this.highestLeadership) {
      this.fail(
        'fencing-monotonic',
        at,
        `${node} started leading term ${term} after a leadership of term ${this.highestLeadership}: its fencing token is not above the last one`,
      );
    }
    this.highestLeadership = Math.max(this.highestLeadership, term);
  }

  /** `node`'s configuration, in memory or on disk: it must only move forward. */
  configurationObserved(
    node: NodeId,
    configuration: Configuration,
    at: number,
    where: 'memory' | 'disk',
  ): void {
    const history = where === 'memory' ? this.configurationsInMemory : this.configurationsOnDisk;
    const last = history.get(node);
    history.set(node, configuration);
    if (last === undefined || last === configuration) return;
    const order = compareConfigurations(configuration, last);
    const sameVoters = last.voters.join() === configuration.voters.join();
    if (order < 0 || (order === 0 && !sameVoters)) {
      this.fail(
        'configuration-monotonic',
        at,
        `${node}'s configuration went from ${describeConfiguration(last)} to ${describeConfiguration(configuration)} (${where})`,
      );
    }
  }

  /** `node` is gone for good (replaced, its disk destroyed): it holds nothing any more. */
  nodeGone(node: NodeId): void {
    this.configurationsInMemory.delete(node);
    this.configurationsOnDisk.delete(node);
  }

  /**
   * What every node holds now (in memory while up, on disk while down): any two configurations that can win
   * have intersecting majorities, and none older than a done one can win (`configuration-invariants.ts`).
   */
  configurationsHeld(at: number, held: ReadonlyMap<NodeId, Configuration>): void {
    for (const finding of this.configurations.check(held))
      this.fail(finding.invariant, at, finding.description);
  }

  /** The leader of each term seen so far. */
  get leadersByTerm(): ReadonlyMap<number, NodeId> {
    return this.winners;
  }

  /**
   * `node`'s term and vote, as held in memory or as written to stable storage. Both histories must only go
   * forward; a restarted node is checked against what it held before the crash.
   */
  stateObserved(
    node: NodeId,
    term: number,
    votedFor: NodeId | null,
    at: number,
    where: 'memory' | 'disk',
    sealedUpTo = 0,
  ): void {
    const history = where === 'memory' ? this.memory : this.disk;
    const last = history.get(node);
    if (last === undefined) {
      history.set(node, { term, votedFor });
      return;
    }
    if (term < last.term) {
      this.fail(
        'term-and-vote-monotonic',
        at,
        `${node}'s term went back from ${last.term} to ${term} (${where})`,
      );
    } else if (term === last.term) {
      // A term at or below the node's retired term is sealed (rule G6 of election groups): no vote may be cast
      // there, and a record re-created there holds none, as if it kept the vote the retired record held.
      if (term <= sealedUpTo) return;
      if (last.votedFor !== null && votedFor !== last.votedFor) {
        this.fail(
          'term-and-vote-monotonic',
          at,
          `${node}'s vote in term ${term} changed from ${last.votedFor} to ${votedFor ?? 'none'} (${where})`,
        );
      }
    }
    last.term = term;
    last.votedFor = votedFor;
  }

  /**
   * `voter` sent a granted vote to `candidate` in `term`; `persisted` is what its stable storage held when the
   * reply left. A second candidate in the same term means the voter voted twice.
   */
  voteGranted(
    voter: NodeId,
    candidate: NodeId,
    term: number,
    at: number,
    persisted: TermAndVote | null,
  ): void {
    if (persisted === null || persisted.term !== term || persisted.votedFor !== candidate) {
      this.fail(
        'persist-before-send',
        at,
        `${voter} granted its vote to ${candidate} in term ${term} before persisting it ` +
          `(storage holds ${persisted === null ? 'nothing' : `term ${persisted.term}, vote ${persisted.votedFor ?? 'none'}`})`,
      );
    }
    let votes = this.ballots.get(term);
    if (votes === undefined) {
      votes = new Map();
      this.ballots.set(term, votes);
    }
    const earlier = votes.get(voter);
    if (earlier === undefined) votes.set(voter, candidate);
    else if (earlier !== candidate) {
      this.fail(
        'one-vote-per-term',
        at,
        `${voter} voted for ${earlier} and then for ${candidate} in term ${term}`,
      );
    }
  }

  /**
   * `leader` sent a heartbeat of `term`; `persisted` is what its stable storage held when it left. A candidate
   * may ask for votes before its own term and vote are on disk (`Ready.early`), but anything it sends as the
   * winner must wait for them: its vote for itself counts only once it is durable.
   */
  leaderSent(leader: NodeId, term: number, at: number, persisted: TermAndVote | null): void {
    if (persisted === null || persisted.term !== term || persisted.votedFor !== leader) {
      this.fail(
        'persist-before-send',
        at,
        `${leader} led term ${term} before persisting its own vote ` +
          `(storage holds ${persisted === null ? 'nothing' : `term ${persisted.term}, vote ${persisted.votedFor ?? 'none'}`})`,
      );
    }
  }

  /** The nodes (crashed ones excluded, paused ones included) whose lease is valid at virtual time `at`. */
  leaseHolders(at: number, holders: readonly NodeId[]): void {
    if (holders.length <= 1) {
      this.overlapping = false;
      return;
    }
    if (this.overlapping) return; // one violation per overlap, not one per step of it
    this.overlapping = true;
    this.fail('single-lease', at, `${holders.join(' and ')} hold a valid lease at the same instant`);
  }

  /**
   * Whether `node` holds a valid lease at `at`, in `term` (its current term). A lease that lapsed must not be
   * valid again in the same term.
   */
  leaseObserved(node: NodeId, term: number, held: boolean, at: number): void {
    const last = this.leases.get(node);
    if (held) {
      if (last !== undefined && last.term === term && last.lapsed) {
        last.lapsed = false; // one violation per revival
        this.fail(
          'one-lease-per-term',
          at,
          `${node}'s lease of term ${term} is valid again after it lapsed in that term`,
        );
        return;
      }
      this.leases.set(node, { term, lapsed: false });
    } else if (last !== undefined && !last.lapsed) {
      last.lapsed = true;
    }
  }

  /**
   * The longest stretch without a lease seen while the cluster was free of faults (from the heal, or from the
   * end of the last lease): how close runs come to the liveness bound.
   */
  get longestHealedGapMs(): number {
    return this.longestGap;
  }

  /**
   * Liveness: while the cluster is free of faults, it must not stay without a lease for longer than the bound,
   * counted from the later of the instant the faults healed and the end of the last lease seen (so a voluntary
   * step-down during a healthy stretch is held to the same bound).
   *
   * @param faultFree no partition, no loss, every node up and running.
   * @param leaseHeld whether some node holds a valid lease at `at`.
   * @param lastLeaseEnd the virtual instant the last lease seen ended (`-Infinity`: none yet).
   */
  liveness(at: number, faultFree: boolean, leaseHeld: boolean, lastLeaseEnd: number): void {
    if (!faultFree) {
      this.faultFreeSince = null;
      this.gapSince = null;
      return;
    }
    if (this.faultFreeSince === null) this.faultFreeSince = at;
    if (leaseHeld) {
      if (this.gapSince !== null) this.longestGap = Math.max(this.longestGap, at - this.gapSince);
      this.gapSince = null;
      return;
    }
    const since = Math.max(this.faultFreeSince, lastLeaseEnd);
    this.gapSince = since;
    this.longestGap = Math.max(this.longestGap, at - since);
    if (at - since > this.options.livenessBound && this.livenessReportedFor !== since) {
      this.livenessReportedFor = since;
      this.fail(
        'liveness',
        at,
        `no node has held a lease for ${(at - since).toFixed(1)} ms although every fault healed at ` +
          `${this.faultFreeSince.toFixed(3)} ms (bound ${this.options.livenessBound} ms)`,
      );
    }
  }

  private fail(invariant: InvariantName, at: number, description: string): void {
    const group = this.options.group;
    const violation: Violation = {
      invariant,
      seed: this.options.seed,
      at,
      description,
      ...(group === undefined ? {} : { group }),
    };
    this.recorded.push(violation);
    this.options.onViolation?.(violation);
    if (this.throwOnViolation) throw new InvariantViolationError(violation);
  }
}
