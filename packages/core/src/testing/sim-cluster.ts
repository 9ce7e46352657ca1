import type { ElectionMachine } from '../machine/machine.js';
import type { Configuration, InspectSnapshot, NodeId, PersistentState, Role } from '../machine/types.js';
import { SimEngine } from './sim-engine.js';
import type { NetworkConditions, NetworkConditionsChange } from './sim-network.js';
import type { SimClusterOptions } from './sim-options.js';

/**
 * A cluster of election state machines in virtual time, over a simulated network, with faults and the
 * invariants checked after every step. Fully determined by its seed: the same seed gives the same run, to
 * the event. Modelled on etcd's `network` test harness (`cut`, `isolate`, `recover`).
 *
 * @example
 * ```ts
 * import { SimCluster } from '@baton/core/testing';
 * const c = SimCluster.create({ nodes: 5, seed: 1 });
 * c.runUntil(() => c.leaseHolder() !== null);
 * const first = c.leaseHolder()!;
 * c.isolate(first); // the leader steps down at its lease end; the majority elects another
 * c.runUntil(() => c.leaseHolder() !== null && c.leaseHolder() !== first);
 * c.heal();
 * c.crash(c.leaseHolder()!);
 * c.runFor(2_000);
 * console.log(c.leaseHolder(), c.term(c.leaseHolder()!), c.violations.length); // a new leader, a higher term, 0
 * ```
 */
export class SimCluster extends SimEngine {
  /**
   * Builds a cluster whose nodes all start at virtual time 0.
   *
   * @example
   * ```ts
   * import { SimCluster } from '@baton/core/testing';
   * const c = SimCluster.create({ nodes: 3, observers: 1, seed: 42, network: { lossRate: 0.05 } });
   * ```
   */
  static create(options: SimClusterOptions = {}): SimCluster {
    return new SimCluster(options);
  }

  private constructor(options: SimClusterOptions) {
    super(options);
  }

  // ---------------------------------------------------------------- queries

  /**
   * The node that holds a valid lease now, or `null`: the cluster's leader as an outside observer with a
   * perfect clock sees it. (`leader(id)` is what one node believes, as `LeaderElection#leader()`.)
   */
  leaseHolder(): NodeId | null {
    for (const node of this.nodes) if (this.holdsLease(node)) return node.id;
    return null;
  }

  /** Every node holding a valid lease now (never more than one, or an invariant is broken). */
  leaseHolders(): NodeId[] {
    return this.nodes.filter((node) => this.holdsLease(node)).map((node) => node.id);
  }

  /**
   * The node that holds a valid lease of election group `group` now, or `null` (for the default group, as
   * `leaseHolder()`).
   */
  groupLeaseHolder(group: string): NodeId | null {
    for (const node of this.nodes) {
      const machine = node.machine;
      if (machine?.groupNames.includes(group) && machine.isLeader(node.clock.local(this.virtualNow), group))
        return node.id;
    }
    return null;
  }

  /** `id`'s state machine, or `null` while it is crashed. */
  machine(id: NodeId): ElectionMachine | null {
    return this.node(id).machine;
  }

  /** `id`'s role, or `'crashed'`. */
  role(id: NodeId): Role | 'crashed' {
    return this.node(id).machine?.role ?? 'crashed';
  }

  /** `id`'s term in memory, or on its storage while it is crashed. */
  term(id: NodeId): number {
    const node = this.node(id);
    return node.machine?.term ?? node.disk?.term ?? 0;
  }

  /** Whether `id` holds a valid lease now, asked with its own clock's reading (paused nodes included). */
  hasLease(id: NodeId): boolean {
    return this.holdsLease(this.node(id));
  }

  /** Milliseconds of lease `id` has left on its own clock (0 when it holds none). */
  leaseRemaining(id: NodeId): number {
    const node = this.node(id);
    const local = node.clock.local(this.virtualNow);
    const end = node.machine?.leaseEnd(local) ?? null;
    return end === null ? 0 : end - local;
  }

  /** The virtual instant `id`'s lease ends unless it is renewed, or `null` when it holds none now. */
  leaseEnd(id: NodeId): number | null {
    const node = this.node(id);
    const end = node.machine?.leaseEnd(node.clock.local(this.virtualNow)) ?? null;
    return end === null ? null : node.clock.virtualAt(end);
  }

  /** The leader `id` knows of (its own view, possibly stale), as `LeaderElection#leader()` answers it. */
  leader(id: NodeId): NodeId | null {
    return this.node(id).machine?.leader ?? null;
  }

  /** What `id` has on stable storage. */
  persisted(id: NodeId): PersistentState | null {
    return this.node(id).disk;
  }

  /** `id`'s clock reading now. */
  localTime(id: NodeId): number {
    return this.node(id).clock.local(this.virtualNow);
  }

  isCrashed(id: NodeId): boolean {
    return this.node(id).crashed;
  }

  isPaused(id: NodeId): boolean {
    return this.node(id).paused;
  }

  /** `id`'s inspect snapshot, taken with its own clock, or `null` while it is crashed. */
  inspect(id: NodeId): InspectSnapshot | null {
    const node = this.node(id);
    return node.machine?.inspect(node.clock.local(this.virtualNow)) ?? null;
  }

  // ---------------------------------------------------------------- network faults

  /** Cuts the link between `a` and `b`, both ways (a partial partition when both still reach others). */
  cut(a: NodeId, b: NodeId): void {
    this.network.cut(a, b);
    this.fault(null, `cut ${a} <-> ${b}`);
  }

  /** Cuts only `from` → `to`. */
  cutOneWay(from: NodeId, to: NodeId): void {
    this.network.cutOneWay(from, to);
    this.fault(null, `cut ${from} -> ${to}`);
  }

  /** Cuts `id` off from everyone. */
  isolate(id: NodeId): void {
    this.network.isolate(id);
    this.fault(id, 'isolated');
  }

  /** Splits the cluster into groups that reach only their own members (unlisted nodes form one more group). */
  partition(...groups: readonly (readonly NodeId[])[]): void {
    this.network.partition(...groups);
    this.fault(null, `partition ${groups.map((g) => `[${g.join(' ')}]`).join(' | ')}`);
  }

  /** Restores every link (etcd's `recover`). Loss and delay settings are kept; see {@link SimCluster.setNetwork}. */
  heal(): void {
    this.network.heal();
    this.fault(null, 'network healed');
  }

  /** Changes loss, duplication, reordering or latency. */
  setNetwork(change: NetworkConditionsChange): void {
    this.network.setConditions(change);
    const c: NetworkConditions = this.network.conditions;
    this.fault(
      null,
      `network loss ${pct(c.lossRate)} dup ${pct(c.duplicateRate)} reorder ${pct(c.reorderRate)} ` +
        `slow ${pct(c.latency.slowRate)}`,
    );
  }

  // ---------------------------------------------------------------- node faults

  /** Crashes `id`: its memory, timers and buffered messages are gone; only its storage survives. */
  crash(id: NodeId): void {
    const node = this.node(id);
    if (node.machine === null) return;
    node.machine = null;
    node.incarnation++;
    node.crashToken++;
    node.timerAt = Number.POSITIVE_INFINITY;
    node.backlog = [];
    if (node.paused) {
      node.paused = false;
      this.pausedCount--;
    }
    this.crashedCount++;
    this.fault(id, 'crashed');
  }

  /** Restarts a crashed `id` from what it persisted, with a fresh clock; with `afterMs`, later. */
  restart(id: NodeId, afterMs?: number): void {
    const node = this.node(id);
    if (node.gone) return;
    if (afterMs !== undefined) {
      const token = node.crashToken;
      this.schedule(afterMs, () => {
        if (node.crashToken === token) this.restart(id);
      });
      return;
    }
    if (node.machine !== null) return;
    this.crashedCount--;
    node.clock = this.newClock(node.random);
    this.boot(node);
    this.fault(id, `restarted from term ${node.disk?.term ?? 0}, vote ${node.disk?.votedFor ?? 'none'}`);
  }

  /**
   * Pauses `id` (a GC pause, a blocked event loop, a stopped VM): it processes nothing, messages queue up in
   * its socket buffer and its timers go stale, while its clock keeps running. With `ms`, it resumes by itself.
   */
  pause(id: NodeId, ms?: number): void {
    const node = this.node(id);
    if (node.machine === null || node.paused) return;
    node.paused = true;
    node.pauseToken++;
    this.pausedCount++;
    this.fault(id, ms === undefined ? 'paused' : `paused for ${ms.toFixed(1)} ms`);
    if (ms !== undefined) {
      const token = node.pauseToken;
      this.schedule(ms, () => {
        if (node.pauseToken === token) this.resume(id);
      });
    }
  }

  /** Resumes a paused `id`: it handles its stale timers and its backlog of messages, in a random order. */
  resume(id: NodeId): void {
    const node = this.node(id);
    if (!node.paused) return;
    node.paused = false;
    this.pausedCount--;
    const backlog = node.backlog;
    node.backlog = [];
    this.fault(id, `resumed with ${backlog.length} buffered messages`);
    // After a stall, an event loop may run its expired timers or its I/O first: both orders are explored.
    const timerFirst = this.random.chance(0.5);
    if (timerFirst && this.fireDueTimer(node)) this.afterStep();
    for (const message of backlog) {
      if (node.machine === null || node.paused) break;
      node.machine.receive(message, node.clock.local(this.virtualNow));
      this.messagesDelivered++;
      this.afterInput(node);
      this.afterStep();
    }
    if (!timerFirst && this.fireDueTimer(node)) this.afterStep();
    node.timerAt = Number.POSITIVE_INFINITY;
    this.armTimer(node);
  }

  /** Sets `id`'s clock rate (within the drift bound) from now on. */
  setClockRate(id: NodeId, rate: number): void {
    if (!(Math.abs(rate - 1) <= this.clockDriftBound + 1e-12)) {
      throw new RangeError(`setClockRate: rate ${rate} is outside 1 ± ${this.clockDriftBound}`);
    }
    const node = this.node(id);
    node.clock.setRate(this.virtualNow, rate);
    node.timerAt = Number.POSITIVE_INFINITY;
    if (node.machine !== null && !node.paused) this.armTimer(node);
    this.fault(id, `clock rate ${rate.toFixed(4)}`);
  }

  // ---------------------------------------------------------------- membership

  /**
   * A new node joins the running cluster: empty disk, no voter list, connected to every node. It is an
   * observer until the leader's autopilot (or `changeVoters`) makes it a voter. The cluster needs room for it
   * (`joiners`).
   */
  addNode(id: NodeId): void {
    this.joinNode(id);
    this.fault(id, 'joined (empty disk)');
  }

  /** `id` is gone for good, with its disk (a replaced pod, a lost VM); the others may remove it as unreachable. */
  destroy(id: NodeId): void {
    this.removeNode(id);
    this.fault(id, 'gone for good');
  }

  /**
   * `id` stops gracefully, as `LeaderElection#stop()` does: a leader hands leadership over first; then it asks
   * to be replaced and removed, and waits at most `within` ms of virtual time for its removal before it goes
   * for good anyway. Returns at once; `isGone(id)` tells when it has left.
   */
  leave(id: NodeId, within = 2_000): void {
    const node = this.running(id, 'leave');
    const machine = node.machine as ElectionMachine;
    if (this.holdsLease(node)) {
      this.coverage.markVoluntary();
      try {
        if (machine.transferLeadership(node.clock.local(this.virtualNow)) === null) {
          machine.stepDown(node.clock.local(this.virtualNow));
        }
      } catch {
        machine.stepDown(node.clock.local(this.virtualNow));
      }
    }
    // As the runtime's stop(): every named group it leads is handed over too.
    const local = node.clock.local(this.virtualNow);
    for (const group of machine.groupNames.slice(1)) {
      if (!machine.isLeader(local, group)) continue;
      if (machine.transferLeadership(local, undefined, group) === null) machine.stepDown(local, group);
    }
    machine.leave(node.clock.local(this.virtualNow));
    this.record(id, 'command', 'leaving');
    this.afterInput(node);
    this.afterStep();
    const deadline = this.virtualNow + within;
    const incarnation = node.incarnation;
    const poll = (): void => {
      if (node.gone || node.incarnation !== incarnation) return; // crashed meanwhile: it never left cleanly
      const stillVoter = node.machine?.configuration.voters.includes(id) ?? false;
      if (stillVoter && this.virtualNow < deadline) {
        this.schedule(this.electionOptions.heartbeatInterval ?? 50, poll);
        return;
      }
      this.removeNode(id);
      this.fault(
        id,
        stillVoter ? 'left (still a voter when its stop timeout ran out)' : 'left (removed from the voters)',
      );
    };
    this.schedule(0, poll);
  }

  /** Asks leader `id` to add or remove one voter (see `ElectionMachine#changeVoters`); returns the new configuration. */
  changeVoters(
    id: NodeId,
    change: { readonly add: NodeId } | { readonly remove: NodeId },
    expectedVersion?: number,
  ): Configuration {
    const node = this.running(id, 'changeVoters');
    const next = (node.machine as ElectionMachine).changeVoters(
      node.clock.local(this.virtualNow),
      change,
      expectedVersion,
    );
    this.record(id, 'command', `change voters: ${'add' in change ? `+${change.add}` : `-${change.remove}`}`);
    this.afterInput(node);
    this.afterStep();
    return next;
  }

  /** `id`'s configuration in memory, or on its disk while it is crashed (`null` once it is gone). */
  configuration(id: NodeId): Configuration | null {
    const node = this.node(id);
    return node.machine?.configuration ?? node.disk?.configuration ?? null;
  }

  /** Whether `id` is gone for good (it left, or was destroyed). */
  isGone(id: NodeId): boolean {
    return this.node(id).gone;
  }

  // ---------------------------------------------------------------- commands

  /**
   * `id` asks for election group `group` (`ElectionMachine#openGroup`): it may campaign to lead it; with
   * `preferred`, it prefers to lead it (placement hands it the group first).
   */
  openGroup(id: NodeId, group: string, options: { readonly preferred?: boolean } = {}): void {
    const node = this.running(id, 'openGroup');
    (node.machine as ElectionMachine).openGroup(group, node.clock.local(this.virtualNow), options);
    this.record(id, 'command', `open group ${group}${options.preferred === true ? ' (preferred)' : ''}`);
    this.afterInput(node);
    this.afterStep();
  }

  /** `id` stops asking for election group `group`, handing it over if it leads it (`closeGroup`). */
  closeGroup(id: NodeId, group: string): boolean {
    const node = this.running(id, 'closeGroup');
    const led = (node.machine as ElectionMachine).closeGroup(group, node.clock.local(this.virtualNow));
    this.record(id, 'command', `close group ${group}${led ? ' (it led it)' : ''}`);
    this.afterInput(node);
    this.afterStep();
    return led;
  }

  /**
   * Asks leader `id` to hand leadership of `group` (default: the default group) to `to` (or the most
   * up-to-date voter). Returns the target.
   */
  transferLeadership(id: NodeId, to?: NodeId, group?: string): NodeId | null {
    const node = this.running(id, 'transferLeadership');
    const holder = group === undefined && this.holdsLease(node);
    const target = (node.machine as ElectionMachine).transferLeadership(
      node.clock.local(this.virtualNow),
      to,
      group,
    );
    if (target !== null && holder) this.coverage.markVoluntary();
    const which = group === undefined ? '' : ` of group ${group}`;
    this.record(id, 'command', `transfer leadership${which} to ${target ?? '(no eligible voter)'}`);
    this.afterInput(node);
    this.afterStep();
    return target;
  }

  /**
   * Asks `id` to step down from `group` (default: the default group) without naming a successor. Returns
   * whether it was the leader.
   */
  stepDown(id: NodeId, group?: string): boolean {
    const node = this.running(id, 'stepDown');
    if (group === undefined && this.holdsLease(node)) this.coverage.markVoluntary();
    const was = (node.machine as ElectionMachine).stepDown(node.clock.local(this.virtualNow), group);
    const which = group === undefined ? '' : ` of group ${group}`;
    this.record(id, 'command', was ? `step down${which}` : `step down${which} (was not leader)`);
    this.afterInput(node);
    this.afterStep();
    return was;
  }
}

function pct(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}
