import { checkGroupName } from '../machine/group-names.js';
import { ElectionMachine, type ElectionMachineInit } from '../machine/machine.js';
import type { ElectionOptions } from '../machine/options.js';
import type { Configuration, ElectionEvent, ElectionMessage, NodeId } from '../machine/types.js';
import { EventQueue } from './event-queue.js';
import { formatViolation, InvariantChecker, type Violation } from './invariants.js';
import { Prng } from './prng.js';
import { SimClock } from './sim-clock.js';
import { describeEvent, describeMessage, formatLogEntry, type SimLogEntry } from './sim-log.js';
import { SimNetwork } from './sim-network.js';
import { SimNode } from './sim-node.js';
import type { RunUntilOptions, SimClusterOptions } from './sim-options.js';
import { LeaseCoverage, type SimStats } from './sim-stats.js';

const DELIVER = 0;
const TIMER = 1;
const ACTION = 2;

interface SimEvent {
  readonly kind: typeof DELIVER | typeof TIMER | typeof ACTION;
  readonly node: number;
  readonly incarnation: number;
  readonly from: number;
  readonly message: ElectionMessage | null;
  readonly action: (() => void) | null;
}

/**
 * The engine under {@link SimCluster}: the event queue in virtual time, each node's process (machine, clock,
 * storage, socket buffer), the `Ready` contract (persist, then send, then publish) and the checks after every
 * step. `SimCluster` adds the story API (queries, faults, commands) on top.
 *
 * @example
 * ```ts
 * import { SimCluster, type SimEngine } from '@baton/core/testing';
 * const engine: SimEngine = SimCluster.create({ nodes: 3, seed: 5 });
 * engine.runFor(1_000);
 * console.log(engine.stats().electionsWon, engine.violations.length);
 * ```
 */
export abstract class SimEngine {
  /** The seed everything random in this run came from. */
  readonly seed: number;
  /** The voters the cluster was created with (its first configuration). */
  readonly voters: readonly NodeId[];
  /** The non-voting members the cluster was created with. */
  readonly observers: readonly NodeId[];
  /** The election options every node runs with (voters filled in). */
  readonly electionOptions: ElectionOptions;
  /** The drift bound the simulated clocks respect. */
  readonly clockDriftBound: number;
  /** How long a cluster free of faults may stay without a lease (see {@link SimClusterOptions}). */
  readonly livenessBound: number;
  /** The simulated network, for fine-grained control (one-way cuts, latency changes). */
  readonly network: SimNetwork;
  /** The invariant checker fed by this cluster (the default group, and the configuration checks). */
  readonly checker: InvariantChecker;
  /** The election groups other than the default one that every node asks for (`SimClusterOptions.groups`). */
  readonly groups: readonly string[];

  // What the story API in SimCluster builds on.
  protected readonly nodes: SimNode[] = [];
  private readonly byId = new Map<NodeId, SimNode>();
  private readonly queue = new EventQueue<SimEvent>();
  protected readonly random: Prng;
  private readonly entries: SimLogEntry[] = [];
  private readonly logLevel: 0 | 1 | 2;
  private readonly createMachine: (init: ElectionMachineInit) => ElectionMachine;
  protected readonly coverage = new LeaseCoverage();
  private readonly holders: NodeId[] = [];
  private readonly candidatesByTerm = new Map<number, number>();
  /** Per election group other than the default one: its own checker (keyed by the group's terms) and coverage. */
  private readonly groupChecks = new Map<string, GroupCheck>();
  private readonly throwOnViolation: boolean;
  protected virtualNow = 0;
  protected crashedCount = 0;
  protected pausedCount = 0;
  /** Whether a configuration changed since the configuration checks last ran. */
  private configurationsDirty = true;
  private steps = 0;
  private messagesSent = 0;
  protected messagesDelivered = 0;
  private electionsStarted = 0;
  private electionsWon = 0;

  protected constructor(options: SimClusterOptions) {
    this.seed = options.seed ?? 1;
    this.random = new Prng(this.seed);
    this.voters = nodeIds(options.nodes ?? 3, 'n');
    this.observers = nodeIds(options.observers ?? 0, 'o');
    const ids = [...this.voters, ...this.observers];
    if (new Set(ids).size !== ids.length) throw new RangeError('SimCluster: node ids must be unique');
    // The autopilot is off unless asked for: most stories and schedules are about a fixed voter set.
    this.electionOptions = { clusterId: 'sim', autopilot: false, ...options.election, voters: this.voters };
    const driftBound = options.election?.clockDriftBound ?? 0.05;
    this.clockDriftBound = options.clockDriftBound ?? driftBound;
    this.livenessBound = options.livenessBound ?? 20 * (options.election?.electionTimeoutMax ?? 300);
    this.logLevel = options.log === 'none' ? 0 : options.log === 'messages' ? 2 : 1;
    this.createMachine = options.createMachine ?? ((init) => new ElectionMachine(init));
    this.network = new SimNetwork(ids, this.random.fork(), options.network, options.joiners ?? 0);
    this.throwOnViolation = options.throwOnViolation ?? true;
    this.checker = new InvariantChecker({
      seed: this.seed,
      livenessBound: this.livenessBound,
      throwOnViolation: this.throwOnViolation,
      onViolation: (violation) => this.record(null, 'violation', formatViolation(violation)),
    });
    this.groups = (options.groups ?? []).map((name) => checkGroupName('SimCluster groups', name));
    for (const name of this.groups) this.groupCheck(name);
    for (const id of ids) this.createNode(id);
    for (const node of this.nodes) this.boot(node);
    this.afterStep();
  }

  /** Every node that is not gone for good (crashed ones included), in the order they were added. */
  get ids(): readonly NodeId[] {
    return this.nodes.filter((node) => !node.gone).map((node) => node.id);
  }

  private createNode(id: NodeId): SimNode {
    const random = this.random.fork();
    const node = new SimNode(id, this.nodes.length, random, this.newClock(random));
    this.nodes.push(node);
    this.byId.set(id, node);
    return node;
  }

  /**
   * Adds a node with an empty disk and no voter list to the running cluster: it is connected to every node
   * (a member), joins as an observer and learns the configuration from the leader, whose autopilot may
   * promote it. Needs room (`joiners`).
   */
  protected joinNode(id: NodeId): void {
    if (this.byId.has(id)) throw new RangeError(`SimCluster: node ${JSON.stringify(id)} exists already`);
    this.network.addNode(id);
    const node = this.createNode(id);
    for (const other of this.nodes) if (other !== node) other.machine?.addObserver(id);
    this.boot(node, { voters: [] });
  }

  /** Takes `id` away for good: its process and its disk are gone; every other node forgets it as a member. */
  protected removeNode(id: NodeId): void {
    const node = this.node(id);
    if (node.gone) return;
    if (node.machine === null) this.crashedCount--;
    if (node.paused) this.pausedCount--;
    node.machine = null;
    node.disk = null;
    node.gone = true;
    node.paused = false;
    node.incarnation++;
    node.crashToken++;
    node.timerAt = Number.POSITIVE_INFINITY;
    node.backlog = [];
    for (const other of this.nodes) other.machine?.removeObserver(id);
    this.checker.nodeGone(id);
    this.configurationsDirty = true;
  }

  // ---------------------------------------------------------------- running and results

  /** The current virtual time, in milliseconds since the cluster was created. */
  get now(): number {
    return this.virtualNow;
  }

  /** Whether nothing is wrong: no cut link, no loss, every node up and running. */
  get faultFree(): boolean {
    return (
      !this.network.partitioned &&
      this.network.conditions.lossRate === 0 &&
      this.crashedCount === 0 &&
      this.pausedCount === 0
    );
  }

  /** The event log, with virtual timestamps. */
  get log(): readonly SimLogEntry[] {
    return this.entries;
  }

  /** The event log as text, one line per entry. */
  formatLog(): string {
    return this.entries.map(formatLogEntry).join('\n');
  }

  /** Invariant violations recorded so far (with `throwOnViolation`, the first one was also thrown). */
  get violations(): readonly Violation[] {
    if (this.groupChecks.size === 0) return this.checker.violations;
    const all = [...this.checker.violations];
    for (const check of this.groupChecks.values()) all.push(...check.checker.violations);
    return all.sort((a, b) => a.at - b.at);
  }

  /** The checker of an election group other than the default one (created at its first observation). */
  private groupCheck(group: string): GroupCheck {
    let check = this.groupChecks.get(group);
    if (check === undefined) {
      check = {
        checker: new InvariantChecker({
          seed: this.seed,
          livenessBound: this.livenessBound,
          throwOnViolation: this.throwOnViolation,
          onViolation: (violation) => this.record(null, 'violation', formatViolation(violation)),
          group,
        }),
        coverage: new LeaseCoverage(),
      };
      this.groupChecks.set(group, check);
    }
    return check;
  }

  /** The figures of the run so far. */
  stats(): SimStats {
    let splitVotes = 0;
    const winners = this.checker.leadersByTerm;
    for (const [term, candidates] of this.candidatesByTerm) {
      if (candidates >= 2 && !winners.has(term)) splitVotes++;
    }
    return {
      virtualMs: this.virtualNow,
      steps: this.steps,
      messagesSent: this.messagesSent,
      messagesDelivered: this.messagesDelivered,
      electionsStarted: this.electionsStarted,
      electionsWon: this.electionsWon,
      splitVotes,
      leaderlessMs: this.coverage.leaderlessMs(this.virtualNow),
      failoversMs: [...this.coverage.failoversMs],
      handoversMs: [...this.coverage.handoversMs],
      longestHealedGapMs: this.checker.longestHealedGapMs,
    };
  }

  /** Processes the next event. Returns `false` when nothing is scheduled (never, while a node is up). */
  step(): boolean {
    const entry = this.queue.pop();
    if (entry === undefined) return false;
    if (entry.at > this.virtualNow) this.virtualNow = entry.at;
    const event = entry.value;
    let acted = false;
    if (event.kind === ACTION) {
      (event.action as () => void)();
      acted = true;
    } else {
      const node = this.nodes[event.node] as SimNode;
      if (event.incarnation === node.incarnation && node.machine !== null) {
        acted = event.kind === DELIVER ? this.deliver(node, event) : this.fireTimer(node, entry.at);
      }
    }
    if (acted) {
      this.steps++;
      this.afterStep();
    }
    return true;
  }

  /** Runs for `ms` of virtual time. */
  runFor(ms: number): void {
    const until = this.virtualNow + ms;
    while (this.queue.peekTime() <= until) this.step();
    this.virtualNow = until;
    this.afterStep();
  }

  /**
   * Runs until `condition` holds (checked after every step) and returns the virtual time it first held.
   * Throws when it does not hold within `within` ms of virtual time.
   */
  runUntil(condition: () => boolean, options: RunUntilOptions = {}): number {
    const within = options.within ?? 10_000;
    const until = this.virtualNow + within;
    if (condition()) return this.virtualNow;
    while (this.queue.peekTime() <= until) {
      this.step();
      if (condition()) return this.virtualNow;
    }
    this.virtualNow = until;
    this.afterStep();
    throw new Error(`runUntil: condition not met within ${within} ms of virtual time (seed ${this.seed})`);
  }

  /** Runs `action` at `delayMs` from now, as a step of its own (scripted stories, random schedules). */
  schedule(delayMs: number, action: () => void): void {
    this.queue.push(this.virtualNow + Math.max(0, delayMs), {
      kind: ACTION,
      node: -1,
      incarnation: 0,
      from: -1,
      message: null,
      action,
    });
  }

  /** Adds a line of narration to the log. */
  note(text: string): void {
    this.record(null, 'note', text);
  }

  // ---------------------------------------------------------------- the process model

  protected node(id: NodeId): SimNode {
    const node = this.byId.get(id);
    if (node === undefined) throw new RangeError(`SimCluster: unknown node ${JSON.stringify(id)}`);
    return node;
  }

  protected running(id: NodeId, operation: string): SimNode {
    const node = this.node(id);
    if (node.machine === null || node.paused) {
      throw new Error(`${operation}: ${id} is ${node.machine === null ? 'crashed' : 'paused'}`);
    }
    return node;
  }

  protected holdsLease(node: SimNode): boolean {
    const machine = node.machine;
    return (
      machine !== null && machine.role === 'leader' && machine.isLeader(node.clock.local(this.virtualNow))
    );
  }

  /** A fresh process clock: an arbitrary origin, and a rate within the bound (a third at an extreme). */
  protected newClock(random: Prng): SimClock {
    const bound = this.clockDriftBound;
    const r = random.next();
    const rate = r < 1 / 6 ? 1 - bound : r < 1 / 3 ? 1 + bound : random.between(1 - bound, 1 + bound);
    return new SimClock(this.virtualNow, random.between(0, 10_000), rate);
  }

  protected boot(node: SimNode, options: Partial<ElectionOptions> = {}): void {
    node.incarnation++;
    node.backlog = [];
    node.timerAt = Number.POSITIVE_INFINITY;
    const machine = this.createMachine({
      id: node.id,
      options: { ...this.electionOptions, ...options },
      state: node.disk,
      random: node.random.fork().next,
      now: node.clock.local(this.virtualNow),
    });
    // Every node is connected to every other (a transport reports them): each is a member of the others.
    for (const other of this.nodes) if (other !== node && !other.gone) machine.addObserver(other.id);
    for (const group of this.groups) machine.openGroup(group, node.clock.local(this.virtualNow));
    node.machine = machine;
    this.configurationsDirty = true;
    this.afterInput(node);
  }

  private deliver(node: SimNode, event: SimEvent): boolean {
    if (this.network.isBlocked(event.from, node.index)) return false; // the partition began in flight
    const message = event.message as ElectionMessage;
    if (node.paused) {
      node.backlog.push(message);
      return false;
    }
    if (this.logLevel === 2) this.record(node.id, 'message', `<- ${describeMessage(message)}`);
    (node.machine as ElectionMachine).receive(message, node.clock.local(this.virtualNow));
    this.messagesDelivered++;
    this.afterInput(node);
    return true;
  }

  private fireTimer(node: SimNode, at: number): boolean {
    if (node.timerAt !== at || node.paused) return false; // superseded, or stale until the node resumes
    node.timerAt = Number.POSITIVE_INFINITY;
    const fired = this.fireDueTimer(node);
    this.armTimer(node);
    return fired;
  }

  protected fireDueTimer(node: SimNode): boolean {
    const machine = node.machine;
    if (machine === null) return false;
    const local = node.clock.local(this.virtualNow);
    if (local < machine.nextDeadline()) return false;
    machine.advance(local);
    this.afterInput(node);
    return true;
  }

  /** Makes sure a timer entry exists no later than the machine's next deadline. */
  protected armTimer(node: SimNode): void {
    const machine = node.machine;
    if (machine === null || node.paused) return;
    const at = Math.max(this.virtualNow, node.clock.virtualAt(machine.nextDeadline()));
    if (at >= node.timerAt) return; // the earlier entry fires first and re-arms
    node.timerAt = at;
    this.queue.push(at, {
      kind: TIMER,
      node: node.index,
      incarnation: node.incarnation,
      from: -1,
      message: null,
      action: null,
    });
  }

  /**
   * A campaign's vote requests, then persist, then publish, then send the rest: the order `Ready` requires,
   * with the checks that depend on it.
   */
  protected afterInput(node: SimNode): void {
    const machine = node.machine as ElectionMachine;
    const now = this.virtualNow;
    if (machine.hasReady()) {
      const ready = machine.ready();
      // A campaign's vote requests leave before its save, as the runtime sends them (`Ready.early`).
      const early = ready.early ?? [];
      for (const message of early) this.send(node, message);
      if (ready.persist !== null) {
        node.disk = ready.persist;
        this.checker.stateObserved(node.id, ready.persist.term, ready.persist.votedFor, now, 'disk');
        const sealed = ready.persist.retiredTerm ?? 0;
        for (const [group, state] of Object.entries(ready.persist.groups ?? {})) {
          this.groupCheck(group).checker.stateObserved(
            node.id,
            state.term,
            state.votedFor,
            now,
            'disk',
            sealed,
          );
        }
        if (node.checkedDisk !== ready.persist.configuration) {
          node.checkedDisk = ready.persist.configuration;
          this.checker.configurationObserved(node.id, ready.persist.configuration, now, 'disk');
          this.configurationsDirty = true;
        }
      }
      for (const event of ready.events) this.publish(node, event);
      for (const message of ready.messages) if (!early.includes(message)) this.send(node, message);
    }
    this.checker.stateObserved(node.id, machine.term, machine.votedFor, now, 'memory');
    const names = machine.groupNames;
    if (names.length > 1) {
      const local = node.clock.local(now);
      for (const name of names.slice(1)) {
        const group = machine.group(name, local);
        this.groupCheck(name).checker.stateObserved(
          node.id,
          group.term,
          group.votedFor,
          now,
          'memory',
          machine.retiredTerm,
        );
      }
    }
    if (node.checkedConfiguration !== machine.configuration) {
      node.checkedConfiguration = machine.configuration;
      this.checker.configurationObserved(node.id, machine.configuration, now, 'memory');
      this.configurationsDirty = true;
    }
    this.armTimer(node);
  }

  private publish(node: SimNode, event: ElectionEvent): void {
    if ('group' in event && event.group !== undefined) {
      const { checker } = this.groupCheck(event.group);
      if (event.type === 'became-leader') checker.leadershipStarted(node.id, event.term, this.virtualNow);
      if (event.type === 'role-changed' && event.to === 'leader') {
        checker.leaderElected(node.id, event.term, this.virtualNow);
      }
      if (this.logLevel === 0) return;
      const text = describeEvent(event, null);
      if (text !== null) {
        this.entries.push({
          at: this.virtualNow,
          node: node.id,
          kind: 'event',
          text: `[${event.group}] ${text}`,
          event: event.type,
        });
      }
      return;
    }
    if (event.type === 'became-leader') this.checker.leadershipStarted(node.id, event.term, this.virtualNow);
    if (event.type === 'role-changed') {
      if (event.to === 'candidate') {
        this.electionsStarted++;
        this.candidatesByTerm.set(event.term, (this.candidatesByTerm.get(event.term) ?? 0) + 1);
      } else if (event.to === 'leader') {
        this.electionsWon++;
        this.checker.leaderElected(node.id, event.term, this.virtualNow);
      }
    }
    if (this.logLevel === 0) return;
    const machine = node.machine as ElectionMachine;
    const local = node.clock.local(this.virtualNow);
    const end = event.type === 'became-leader' ? machine.leaseEnd(local) : null;
    const lease = end === null ? null : end - local;
    const text = describeEvent(event, lease);
    if (text !== null)
      this.entries.push({ at: this.virtualNow, node: node.id, kind: 'event', text, event: event.type });
  }

  private send(node: SimNode, message: ElectionMessage): void {
    const now = this.virtualNow;
    if (message.group !== undefined) {
      const { checker } = this.groupCheck(message.group);
      const disk = node.disk?.groups?.[message.group] ?? null;
      const persisted = disk === null ? null : { term: disk.term, votedFor: disk.votedFor };
      if (message.type === 'vote-response' && message.granted) {
        checker.voteGranted(node.id, message.to, message.term, now, persisted);
      } else if (message.type === 'heartbeat') {
        checker.leaderSent(node.id, message.term, now, persisted);
      }
    } else if (message.type === 'vote-response' && message.granted) {
      this.checker.voteGranted(node.id, message.to, message.term, now, node.disk);
    } else if (message.type === 'heartbeat') {
      this.checker.leaderSent(node.id, message.term, now, node.disk);
    }
    this.messagesSent++;
    const target = this.byId.get(message.to);
    if (target === undefined || target.machine === null || this.network.isBlocked(node.index, target.index))
      return;
    if (this.logLevel === 2) this.record(node.id, 'message', `-> ${describeMessage(message)}`);
    const delay = this.network.transitDelay();
    if (delay >= 0) this.enqueue(node, target, message, delay);
    const copy = this.network.duplicateDelay();
    if (copy >= 0) this.enqueue(node, target, message, copy);
  }

  private enqueue(from: SimNode, to: SimNode, message: ElectionMessage, delay: number): void {
    this.queue.push(this.virtualNow + delay, {
      kind: DELIVER,
      node: to.index,
      incarnation: to.incarnation,
      from: from.index,
      message,
      action: null,
    });
  }

  /** The checks that run after every step: leases (safety), liveness, and lease coverage for the stats. */
  protected afterStep(): void {
    const now = this.virtualNow;
    const holders = this.holders;
    holders.length = 0;
    let leaseEnd: number | null = null;
    for (const node of this.nodes) {
      const machine = node.machine;
      if (machine === null) continue;
      const end = machine.role === 'leader' ? machine.leaseEnd(node.clock.local(now)) : null;
      this.checker.leaseObserved(node.id, machine.term, end !== null, now);
      if (end === null) continue;
      holders.push(node.id);
      leaseEnd = node.clock.virtualAt(end);
    }
    this.checker.leaseHolders(now, holders);
    if (this.configurationsDirty) {
      this.configurationsDirty = false;
      const held = new Map<NodeId, Configuration>();
      for (const node of this.nodes) {
        const configuration = node.machine?.configuration ?? node.disk?.configuration;
        if (configuration !== undefined) held.set(node.id, configuration);
      }
      this.checker.configurationsHeld(now, held);
    }
    this.coverage.observe(now, leaseEnd);
    this.checker.liveness(now, this.faultFree, leaseEnd !== null, this.coverage.lastLeaseEnd);
    if (this.groupChecks.size === 0) return;
    // The nodes that take part in a group other than the default one, once per step (not once per group).
    const inGroups = this.nodes.filter((node) => (node.machine?.groupNames.length ?? 0) > 1);
    for (const [group, check] of this.groupChecks) this.checkGroupLeases(group, check, inGroups, now);
  }

  /** The lease checks of one election group other than the default one (as `afterStep` does for the default). */
  private checkGroupLeases(
    group: string,
    check: GroupCheck,
    inGroups: readonly SimNode[],
    now: number,
  ): void {
    const holders: NodeId[] = [];
    let leaseEnd: number | null = null;
    for (const node of inGroups) {
      const machine = node.machine;
      if (machine === null) continue;
      const local = node.clock.local(now);
      const end = machine.leaseEnd(local, group);
      const term = end === null ? (node.disk?.groups?.[group]?.term ?? 0) : machine.group(group, local).term;
      check.checker.leaseObserved(node.id, term, end !== null, now);
      if (end === null) continue;
      holders.push(node.id);
      leaseEnd = node.clock.virtualAt(end);
    }
    check.checker.leaseHolders(now, holders);
    check.coverage.observe(now, leaseEnd);
    check.checker.liveness(now, this.faultFree, leaseEnd !== null, check.coverage.lastLeaseEnd);
  }

  protected fault(node: NodeId | null, text: string): void {
    this.record(node, 'fault', text);
    this.afterStep();
  }

  protected record(node: NodeId | null, kind: SimLogEntry['kind'], text: string): void {
    if (this.logLevel === 0 && kind !== 'violation') return;
    this.entries.push({ at: this.virtualNow, node, kind, text });
  }
}

interface GroupCheck {
  readonly checker: InvariantChecker;
  readonly coverage: LeaseCoverage;
}

function nodeIds(spec: number | readonly NodeId[], prefix: string): readonly NodeId[] {
  if (typeof spec !== 'number') return [...spec];
  if (!Number.isInteger(spec) || spec < 0)
    throw new RangeError(`SimCluster: node count must be an integer >= 0`);
  return Array.from({ length: spec }, (_, i) => `${prefix}${i + 1}`);
}
