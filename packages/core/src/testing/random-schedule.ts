import { InvalidTargetError, NotLeaderError } from '../errors.js';
import type { ElectionMachine, ElectionMachineInit } from '../machine/machine.js';
import type { ElectionOptions } from '../machine/options.js';
import type { NodeId } from '../machine/types.js';
import type { Violation } from './invariants.js';
import { MembershipFaults } from './membership-faults.js';
import { Prng } from './prng.js';
import { SimCluster } from './sim-cluster.js';
import type { SimStats } from './sim-stats.js';

/**
 * Options of {@link runRandomSchedule}.
 *
 * @example
 * ```ts
 * import { runRandomSchedule, type RandomScheduleOptions } from '@baton/core/testing';
 * const options: RandomScheduleOptions = { seed: 9, nodes: 3, duration: 20_000, log: 'events' };
 * console.log(runRandomSchedule(options).cluster.formatLog());
 * ```
 */
export interface RandomScheduleOptions {
  /** The seed: the schedule, the network, the clocks and every node's randomness come from it. */
  seed: number;
  /** Voters. @default 5 */
  nodes?: number;
  /** Non-voting members, which must learn the leader and never campaign. @default 0 */
  observers?: number;
  /** Virtual duration of the run. @default 60_000 */
  duration?: number;
  /** Election options of every node. @default the election's defaults */
  election?: Partial<ElectionOptions>;
  /** How far simulated clocks may drift. @default the election's clockDriftBound */
  clockDriftBound?: number;
  /** What the event log records. @default 'none' */
  log?: 'none' | 'events' | 'messages';
  /** Builds each machine (to check that a broken machine is caught). @default new ElectionMachine(init) */
  createMachine?: (init: ElectionMachineInit) => ElectionMachine;
  /**
   * Membership faults too: members join with new ids and empty disks, stop gracefully, vanish for good and
   * are replaced, a leader crashes in the middle of a change, operators change voters by hand; the leader's
   * autopilot runs (stabilizationTime 1 s, deadVoterTimeout 3 s, maxVoters the voters' count when odd).
   * @default false
   */
  membership?: boolean;
  /**
   * Election groups other than the default one that every node asks for; the schedule also hands their
   * leadership over and steps their leaders down, and the invariants are checked per group.
   * @default none
   */
  groups?: readonly string[];
  /**
   * With `groups`: nodes also close a group and ask for it again (one that another running node still asks
   * for, so that every group keeps an asker), so that records go unasked; with a short `groupIdleTimeout`
   * (election options) a node cut off from a group's leader for that long retires its record, and re-creates
   * it when the group's messages come back.
   * @default false
   */
  groupChurn?: boolean;
}

/**
 * What one random schedule produced.
 *
 * @example
 * ```ts
 * import { runRandomSchedule } from '@baton/core/testing';
 * const { seed, violations, stats, cluster } = runRandomSchedule({ seed: 9 });
 * console.log(seed, violations.length, stats.failoversMs.length, cluster.leaseHolder());
 * ```
 */
export interface RandomRunResult {
  readonly seed: number;
  readonly nodes: number;
  readonly duration: number;
  readonly violations: readonly Violation[];
  readonly stats: SimStats;
  /** The cluster, to read its log or inspect its nodes. */
  readonly cluster: SimCluster;
}

/**
 * Runs one random schedule: alternating fault phases (loss, duplication, reordering, slow messages, full,
 * partial and one-way partitions, crashes and restarts, pauses shorter and longer than the lease, clock rate
 * changes, transfers and step-downs) and heal phases longer than the liveness bound (with transfers and
 * step-downs only), ending with a final heal, so that every invariant, liveness included, is checked
 * repeatedly. Violations are recorded, not thrown.
 *
 * @example
 * ```ts
 * import { runRandomSchedule } from '@baton/core/testing';
 * const { violations, stats } = runRandomSchedule({ seed: 7, nodes: 5 });
 * console.log(violations.length, stats.electionsWon, stats.failoversMs.length);
 * ```
 */
export function runRandomSchedule(options: RandomScheduleOptions): RandomRunResult {
  const nodes = options.nodes ?? 5;
  const duration = options.duration ?? 60_000;
  const membership = options.membership === true;
  const autopilot = {
    maxVoters: nodes % 2 === 1 ? Math.min(nodes, 7) : Math.min(nodes - 1, 7),
    stabilizationTime: 1_000,
    deadVoterTimeout: 3_000,
  };
  const cluster = SimCluster.create({
    nodes,
    observers: options.observers ?? 0,
    seed: options.seed,
    joiners: membership ? 60 : 0,
    election: membership ? { autopilot, ...options.election } : options.election,
    clockDriftBound: options.clockDriftBound,
    log: options.log ?? 'none',
    throwOnViolation: false,
    createMachine: options.createMachine,
    groups: options.groups,
  });
  const plannerRandom = new Prng((options.seed ^ 0x5bd1e995) >>> 0);
  const faults = membership ? new MembershipFaults(cluster, plannerRandom.fork(), nodes + 1) : null;
  const plan = new SchedulePlanner(cluster, plannerRandom, faults, options.groupChurn === true);
  plan.schedule(duration);
  cluster.runFor(duration);
  return {
    seed: options.seed,
    nodes,
    duration,
    violations: cluster.violations,
    stats: cluster.stats(),
    cluster,
  };
}

type Weighted = readonly [weight: number, act: () => void];

/** Lays out phases at the start, and picks each fault when its time comes (so it can aim at the leader). */
class SchedulePlanner {
  constructor(
    private readonly c: SimCluster,
    private readonly rnd: Prng,
    private readonly membership: MembershipFaults | null,
    private readonly groupChurn = false,
  ) {}

  /** The nodes that are not gone for good. */
  private get ids(): readonly NodeId[] {
    return this.c.ids;
  }

  schedule(duration: number): void {
    const bound = this.c.livenessBound;
    const finalHealAt = Math.max(duration / 2, duration - bound - 1_000);
    let t = this.rnd.between(0, 2_000);
    while (t < finalHealAt) {
      const faultEnd = Math.min(finalHealAt, t + this.rnd.between(2_000, 8_000));
      for (let at = t; at < faultEnd; at += this.rnd.between(50, 1_200))
        this.c.schedule(at, () => this.fault());
      this.c.schedule(faultEnd, () => this.healAll());
      // A heal phase outlasts the liveness bound, so liveness is checked in every one of them.
      const healEnd = Math.min(finalHealAt, faultEnd + this.rnd.between(bound + 200, bound + 2_500));
      this.benignBetween(faultEnd, healEnd);
      t = healEnd;
    }
    this.c.schedule(finalHealAt, () => this.healAll());
    this.benignBetween(finalHealAt, duration);
  }

  private benignBetween(from: number, to: number): void {
    for (let at = from + this.rnd.between(300, 3_000); at < to; at += this.rnd.between(500, 3_000)) {
      this.c.schedule(at, () => this.benign());
    }
  }

  /** Aims at the leader half the time: that is where the interesting failures are. */
  private target(): NodeId {
    const leader = this.c.leaseHolder();
    return leader !== null && this.rnd.chance(0.5) ? leader : this.rnd.pick(this.ids);
  }

  private other(than: NodeId): NodeId {
    const others = this.ids.filter((id) => id !== than);
    return others.length === 0 ? than : this.rnd.pick(others);
  }

  private fault(): void {
    const c = this.c;
    const rnd = this.rnd;
    const actions: readonly Weighted[] = [
      [
        2,
        () =>
          c.setNetwork({
            lossRate: rnd.chance(0.6) ? rnd.between(0, 0.3) : 0,
            duplicateRate: rnd.chance(0.5) ? rnd.between(0, 0.2) : 0,
            reorderRate: rnd.chance(0.5) ? rnd.between(0, 0.3) : 0,
            latency: {
              slowRate: rnd.chance(0.3) ? rnd.between(0.02, 0.3) : 0.02,
              stallRate: rnd.chance(0.3) ? rnd.between(0, 0.05) : 0,
            },
          }),
      ],
      [2, () => this.crash()],
      [1, () => this.restartOne()],
      [2, () => this.pause()],
      [2, () => c.isolate(this.target())],
      [2, () => this.split()],
      [2, () => this.partial()],
      [1, () => c.cutOneWay(this.target(), rnd.pick(this.ids))],
      [1, () => c.heal()],
      [1, () => this.drift()],
      [1, () => this.handOver()],
      [this.membership === null ? 0 : 5, () => this.membership?.fault()],
      [this.groupChurn ? 3 : 0, () => this.toggleGroup()],
    ];
    pickWeighted(rnd, actions)();
  }

  /**
   * A running node closes a group it asks for (if another running node asks for it too), or asks again for
   * one it does not (`groupChurn`).
   */
  private toggleGroup(): void {
    const c = this.c;
    const running = c.ids.filter((id) => !c.isCrashed(id) && !c.isGone(id) && !c.isPaused(id));
    if (running.length === 0 || c.groups.length === 0) return;
    const id = this.rnd.pick(running);
    const group = this.rnd.pick(c.groups);
    const asks = (node: NodeId) => {
      const machine = c.machine(node);
      if (!machine?.groupNames.includes(group)) return false;
      return machine.group(group, c.localTime(node)).asked;
    };
    if (!asks(id)) c.openGroup(id, group);
    else if (running.some((other) => other !== id && asks(other))) c.closeGroup(id, group);
  }

  private benign(): void {
    const actions: readonly Weighted[] = [
      [3, () => this.handOver()],
      [1, () => this.drift()],
      [this.membership === null ? 0 : 2, () => this.membership?.benign()],
    ];
    pickWeighted(this.rnd, actions)();
  }

  private crash(): void {
    const id = this.target();
    this.c.crash(id);
    // Some restarts come back almost at once: the restarted node must still honour its stickiness.
    this.c.restart(id, this.rnd.chance(0.2) ? this.rnd.between(1, 50) : this.rnd.between(50, 3_000));
  }

  private restartOne(): void {
    const crashed = this.ids.filter((id) => this.c.isCrashed(id));
    if (crashed.length > 0) this.c.restart(this.rnd.pick(crashed));
  }

  /** Short stalls, stalls around the lease length, and long ones (a stopped VM). */
  private pause(): void {
    const rnd = this.rnd;
    const min = this.c.electionOptions.electionTimeoutMin ?? 150;
    const kind = rnd.next();
    const ms =
      kind < 0.3
        ? rnd.between(1, min / 2)
        : kind < 0.7
          ? rnd.between(min / 2, 2 * min)
          : rnd.between(2 * min, 3_000);
    this.c.pause(this.target(), ms);
  }

  /** A full partition into a minority and the rest; the leader often ends up in the minority. */
  private split(): void {
    const first = this.target();
    const size = this.rnd.int(1, Math.max(1, Math.floor(this.ids.length / 2)));
    const minority = [first];
    const rest = this.ids.filter((id) => id !== first);
    while (minority.length < size && rest.length > 0) {
      minority.push(rest.splice(Math.floor(this.rnd.next() * rest.length), 1)[0] as NodeId);
    }
    this.c.partition(minority, rest);
  }

  /** A partial partition (Cloudflare 2020-11-02): two nodes lose each other but both still reach the rest. */
  private partial(): void {
    const a = this.target();
    this.c.cut(a, this.other(a));
  }

  private drift(): void {
    const bound = this.c.clockDriftBound;
    this.c.setClockRate(this.rnd.pick(this.ids), this.rnd.between(1 - bound, 1 + bound));
  }

  /**
   * A graceful transfer (to a chosen voter or the best one) or a step-down, if some node holds the lease (of
   * the default group, or of another group half the time when there are groups).
   */
  private handOver(): void {
    const groups = this.c.groups;
    const group = groups.length > 0 && this.rnd.chance(0.5) ? this.rnd.pick(groups) : undefined;
    const leader = group === undefined ? this.c.leaseHolder() : this.c.groupLeaseHolder(group);
    if (leader === null || this.c.isPaused(leader)) return;
    const r = this.rnd.next();
    const others = (this.c.configuration(leader)?.voters ?? []).filter((id) => id !== leader);
    try {
      if (r < 0.4 && others.length > 0) this.c.transferLeadership(leader, this.rnd.pick(others), group);
      else if (r < 0.75) this.c.transferLeadership(leader, undefined, group);
      else this.c.stepDown(leader, group);
    } catch (error) {
      // A target that has not acknowledged a heartbeat in this term is refused: a legitimate answer.
      if (!(error instanceof InvalidTargetError || error instanceof NotLeaderError)) throw error;
    }
  }

  private healAll(): void {
    const c = this.c;
    c.heal();
    c.setNetwork({
      lossRate: 0,
      duplicateRate: this.rnd.chance(0.3) ? this.rnd.between(0, 0.05) : 0,
      reorderRate: this.rnd.chance(0.3) ? this.rnd.between(0, 0.1) : 0,
      latency: { slowRate: 0.02, stallRate: 0 },
    });
    for (const id of c.ids) {
      if (c.isCrashed(id)) c.restart(id);
      else if (c.isPaused(id)) c.resume(id);
    }
    c.note('all faults healed');
  }
}

function pickWeighted(rnd: Prng, actions: readonly Weighted[]): () => void {
  let total = 0;
  for (const [weight] of actions) total += weight;
  let r = rnd.next() * total;
  for (const [weight, act] of actions) {
    r -= weight;
    if (r < 0) return act;
  }
  return (actions[actions.length - 1] as Weighted)[1];
}
