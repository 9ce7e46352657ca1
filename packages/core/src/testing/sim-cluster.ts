import { ElectionMachine, type ElectionMachineInit } from '../machine/machine.js';
import type { ElectionOptions } from '../machine/options.js';
import type {
  ElectionEvent,
  ElectionMessage,
  InspectSnapshot,
  NodeId,
  PersistentState,
  Role,
} from '../machine/types.js';
import { EventQueue } from './event-queue.js';
import { formatViolation, InvariantChecker, type Violation } from './invariants.js';
import { Prng } from './prng.js';
import { SimClock } from './sim-clock.js';
import { describeEvent, describeMessage, formatLogEntry, type SimLogEntry } from './sim-log.js';
import { type NetworkConditions, type NetworkConditionsChange, SimNetwork } from './sim-network.js';
import { SimNode } from './sim-node.js';
import { LeaseCoverage, type SimStats } from './sim-stats.js';

/** How a simulated cluster is built. Everything random in it comes from `seed`. */
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
  livenessBoundMs?: number;
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
   * Builds each node's machine; the default is `new ElectionMachine(init)`. Tests use it to check that the
   * invariants catch a deliberately broken machine.
   */
  createMachine?: (init: ElectionMachineInit) => ElectionMachine;
}

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

/** Options of {@link SimCluster.runUntil}. */
export interface RunUntilOptions {
  /**
   * Give up (and throw) after this much virtual time.
   * @default 10_000
   */
  within?: number;
}

/**
 * A cluster of election state machines in virtual time, over a simulated network, with faults and the
 * invariants checked after every step. Fully determined by its seed: the same seed gives the same run, to
 * the event. Modelled on etcd's `network` test harness (`cut`, `isolate`, `recover`).
 *
 * @example
 * ```ts
 * import { SimCluster } from '@baton/core/testing';
 * const c = SimCluster.create({ nodes: 5, seed: 1 });
 * c.runUntil(() => c.leader() !== null);
 * const first = c.leader()!;
 * c.isolate(first); // the leader steps down at its lease end; the majority elects another
 * c.runUntil(() => c.leader() !== null && c.leader() !== first);
 * c.heal();
 * c.crash(c.leader()!);
 * c.runFor(2_000);
 * console.log(c.leader(), c.term(c.leader()!), c.violations.length); // a new leader, a higher term, 0
 * ```
 */
export class SimCluster {
  /** The seed everything random in this run came from. */
  readonly seed: number;
  /** Every node id: voters first, then observers. */
  readonly ids: readonly NodeId[];
  readonly voters: readonly NodeId[];
  readonly observers: readonly NodeId[];
  /** The election options every node runs with (voters filled in). */
  readonly electionOptions: ElectionOptions;
  /** The drift bound the simulated clocks respect. */
  readonly clockDriftBound: number;
  readonly livenessBoundMs: number;
  /** The simulated network, for fine-grained control (one-way cuts, latency changes). */
  readonly network: SimNetwork;
  /** The invariant checker fed by this cluster. */
  readonly checker: InvariantChecker;

  private readonly nodes: SimNode[] = [];
  private readonly byId = new Map<NodeId, SimNode>();
  private readonly queue = new EventQueue<SimEvent>();
  private readonly random: Prng;
  private readonly entries: SimLogEntry[] = [];
  private readonly logLevel: 0 | 1 | 2;
  private readonly createMachine: (init: ElectionMachineInit) => ElectionMachine;
  private readonly coverage = new LeaseCoverage();
  private readonly holders: NodeId[] = [];
  private readonly candidatesByTerm = new Map<number, number>();
  private virtualNow = 0;
  private crashedCount = 0;
  private pausedCount = 0;
  private steps = 0;
  private messagesSent = 0;
  private messagesDelivered = 0;
  private electionsStarted = 0;
  private electionsWon = 0;

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
    this.seed = options.seed ?? 1;
    this.random = new Prng(this.seed);
    this.voters = nodeIds(options.nodes ?? 3, 'n');
    this.observers = nodeIds(options.observers ?? 0, 'o');
    this.ids = [...this.voters, ...this.observers];
    if (new Set(this.ids).size !== this.ids.length)
      throw new RangeError('SimCluster: node ids must be unique');
    this.electionOptions = { clusterId: 'sim', ...options.election, voters: this.voters };
    const driftBound = options.election?.clockDriftBound ?? 0.05;
    this.clockDriftBound = options.clockDriftBound ?? driftBound;
    this.livenessBoundMs = options.livenessBoundMs ?? 20 * (options.election?.electionTimeoutMax ?? 300);
    this.logLevel = options.log === 'none' ? 0 : options.log === 'messages' ? 2 : 1;
    this.createMachine = options.createMachine ?? ((init) => new ElectionMachine(init));
    this.network = new SimNetwork(this.ids, this.random.fork(), options.network);
    this.checker = new InvariantChecker({
      seed: this.seed,
      livenessBoundMs: this.livenessBoundMs,
      throwOnViolation: options.throwOnViolation ?? true,
      onViolation: (violation) => this.record(null, 'violation', formatViolation(violation)),
    });
    this.ids.forEach((id, index) => {
      const random = this.random.fork();
      const node = new SimNode(id, index, index < this.voters.length, random, this.newClock(random));
      this.nodes.push(node);
      this.byId.set(id, node);
    });
    for (const node of this.nodes) this.boot(node);
    this.afterStep();
  }

  // ---------------------------------------------------------------- queries

  /** The current virtual time, in milliseconds since the cluster was created. */
  get now(): number {
    return this.virtualNow;
  }

  /** The node that holds a valid lease now, or `null`. */
  leader(): NodeId | null {
    for (const node of this.nodes) if (this.holdsLease(node)) return node.id;
    return null;
  }

  /** Every node holding a valid lease now (never more than one, or an invariant is broken). */
  leaders(): NodeId[] {
    return this.nodes.filter((node) => this.holdsLease(node)).map((node) => node.id);
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
  leaseExpiresAt(id: NodeId): number | null {
    const node = this.node(id);
    const end = node.machine?.leaseEnd(node.clock.local(this.virtualNow)) ?? null;
    return end === null ? null : node.clock.virtualAt(end);
  }

  /** The leader `id` knows of (its own view, possibly stale). */
  knownLeader(id: NodeId): NodeId | null {
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
    return this.checker.violations;
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

  // ---------------------------------------------------------------- running

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

  // ---------------------------------------------------------------- commands

  /** Asks leader `id` to hand leadership to `to` (or the most up-to-date voter). Returns the target. */
  transferLeadership(id: NodeId, to?: NodeId): NodeId | null {
    const node = this.running(id, 'transferLeadership');
    const holder = this.holdsLease(node);
    const target = (node.machine as ElectionMachine).transferLeadership(
      node.clock.local(this.virtualNow),
      to,
    );
    if (target !== null && holder) this.coverage.markVoluntary();
    this.record(id, 'command', `transfer leadership to ${target ?? '(no eligible voter)'}`);
    this.afterInput(node);
    this.afterStep();
    return target;
  }

  /** Asks `id` to step down without naming a successor. Returns whether it was the leader. */
  stepDown(id: NodeId): boolean {
    const node = this.running(id, 'stepDown');
    if (this.holdsLease(node)) this.coverage.markVoluntary();
    const was = (node.machine as ElectionMachine).stepDown(node.clock.local(this.virtualNow));
    this.record(id, 'command', was ? 'step down' : 'step down (was not leader)');
    this.afterInput(node);
    this.afterStep();
    return was;
  }

  // ---------------------------------------------------------------- internals

  private node(id: NodeId): SimNode {
    const node = this.byId.get(id);
    if (node === undefined) throw new RangeError(`SimCluster: unknown node ${JSON.stringify(id)}`);
    return node;
  }

  private running(id: NodeId, operation: string): SimNode {
    const node = this.node(id);
    if (node.machine === null || node.paused) {
      throw new Error(`${operation}: ${id} is ${node.machine === null ? 'crashed' : 'paused'}`);
    }
    return node;
  }

  private holdsLease(node: SimNode): boolean {
    const machine = node.machine;
    return (
      machine !== null && machine.role === 'leader' && machine.isLeader(node.clock.local(this.virtualNow))
    );
  }

  /** A fresh process clock: an arbitrary origin, and a rate within the bound (a third at an extreme). */
  private newClock(random: Prng): SimClock {
    const bound = this.clockDriftBound;
    const r = random.next();
    const rate = r < 1 / 6 ? 1 - bound : r < 1 / 3 ? 1 + bound : random.between(1 - bound, 1 + bound);
    return new SimClock(this.virtualNow, random.between(0, 10_000), rate);
  }

  private boot(node: SimNode): void {
    node.incarnation++;
    node.backlog = [];
    node.timerAt = Number.POSITIVE_INFINITY;
    const machine = this.createMachine({
      id: node.id,
      options: this.electionOptions,
      state: node.disk,
      random: node.random.fork().next,
      now: node.clock.local(this.virtualNow),
    });
    if (node.voter) for (const observer of this.observers) machine.addObserver(observer);
    node.machine = machine;
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

  private fireDueTimer(node: SimNode): boolean {
    const machine = node.machine;
    if (machine === null) return false;
    const local = node.clock.local(this.virtualNow);
    if (local < machine.nextDeadline()) return false;
    machine.advance(local);
    this.afterInput(node);
    return true;
  }

  /** Makes sure a timer entry exists no later than the machine's next deadline. */
  private armTimer(node: SimNode): void {
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

  /** Persist, then send, then publish: the order `Ready` requires, with the checks that depend on it. */
  private afterInput(node: SimNode): void {
    const machine = node.machine as ElectionMachine;
    const now = this.virtualNow;
    if (machine.hasReady()) {
      const ready = machine.ready();
      if (ready.persist !== null) {
        node.disk = ready.persist;
        this.checker.stateObserved(node.id, ready.persist.term, ready.persist.votedFor, now, 'disk');
      }
      for (const event of ready.events) this.publish(node, event);
      for (const message of ready.messages) this.send(node, message);
    }
    this.checker.stateObserved(node.id, machine.term, machine.votedFor, now, 'memory');
    this.armTimer(node);
  }

  private publish(node: SimNode, event: ElectionEvent): void {
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
    const lease = event.type === 'became-leader' ? this.leaseRemaining(node.id) : null;
    const text = describeEvent(event, lease);
    if (text !== null)
      this.entries.push({ at: this.virtualNow, node: node.id, kind: 'event', text, event: event.type });
  }

  private send(node: SimNode, message: ElectionMessage): void {
    const now = this.virtualNow;
    if (message.type === 'vote-response' && message.granted) {
      this.checker.voteGranted(node.id, message.to, message.term, now, node.disk);
    } else if (message.type === 'vote') {
      this.checker.campaignSent(node.id, message.term, now, node.disk);
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
  private afterStep(): void {
    const now = this.virtualNow;
    const holders = this.holders;
    holders.length = 0;
    let leaseEnd: number | null = null;
    for (const node of this.nodes) {
      const machine = node.machine;
      if (machine === null || machine.role !== 'leader') continue;
      const local = node.clock.local(now);
      const end = machine.leaseEnd(local);
      if (end === null) continue;
      holders.push(node.id);
      leaseEnd = node.clock.virtualAt(end);
    }
    this.checker.leaseHolders(now, holders);
    this.coverage.observe(now, leaseEnd);
    this.checker.liveness(now, this.faultFree, leaseEnd !== null, this.coverage.lastLeaseEnd);
  }

  private fault(node: NodeId | null, text: string): void {
    this.record(node, 'fault', text);
    this.afterStep();
  }

  private record(node: NodeId | null, kind: SimLogEntry['kind'], text: string): void {
    if (this.logLevel === 0 && kind !== 'violation') return;
    this.entries.push({ at: this.virtualNow, node, kind, text });
  }
}

function nodeIds(spec: number | readonly NodeId[], prefix: string): readonly NodeId[] {
  if (typeof spec !== 'number') return [...spec];
  if (!Number.isInteger(spec) || spec < 0)
    throw new RangeError(`SimCluster: node count must be an integer >= 0`);
  return Array.from({ length: spec }, (_, i) => `${prefix}${i + 1}`);
}

function pct(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}
