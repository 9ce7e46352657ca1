import {
  InvalidOptionError,
  MembershipChangeError,
  NoSuccessorError,
  NotLeaderError,
  NotRunningError,
  ReentrantCallError,
} from '../errors.js';
import { compareConfigurations, initialConfiguration } from '../machine/configuration.js';
import { checkGroupName, DEFAULT_GROUP } from '../machine/group-names.js';
import { ElectionMachine } from '../machine/machine.js';
import type {
  Configuration,
  DropReason,
  ElectionEvent,
  ElectionMessage,
  LeadershipLostReason,
  Membership,
  NodeId,
  Ready,
} from '../machine/types.js';
import type { TransportHandlers } from '../transport/types.js';
import { ElectionGroup, type ElectionGroupEvents, type GroupOptions } from './election-group.js';
import { Leadership } from './leadership.js';
import { EventLoopMonitor, type EventLoopStall } from './loop-monitor.js';
import { decodePayload, encodePayload } from './payload.js';
import { PersistPipeline } from './persist-pipeline.js';
import { HeartbeatRoundTrips } from './round-trips.js';
import { type RuntimeSettings, resolveRuntimeOptions } from './runtime-options.js';
import type { ElectionStatus, LeaderElectionSnapshot } from './snapshot.js';
import { defaultTimeProvider, type TimerHandle } from './time-provider.js';
import { type EventHandler, TypedEmitter } from './typed-emitter.js';
import type {
  LeaderElectionEvents,
  LeaderElectionOptions,
  LeadershipHandle,
  MembershipChangeOptions,
} from './types.js';
import { type WaitOptions, Waits } from './waits.js';

/**
 * The events a {@link LeaderElection} emits, by name.
 *
 * @example
 * ```ts
 * import { LEADER_ELECTION_EVENTS, LeaderElection, MemoryStateStore } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const transport = new MemoryNetwork().transport('a');
 * const store = new MemoryStateStore();
 * const election = new LeaderElection({ clusterId: 'jobs', voters: ['a'], transport, store });
 * for (const event of LEADER_ELECTION_EVENTS) election.on(event, (value) => console.log(event, value));
 * await election.start(); // 'leader-changed' { leader: 'a', previous: null, term: 1 }, ...
 * ```
 */
export const LEADER_ELECTION_EVENTS: readonly (keyof LeaderElectionEvents)[] = [
  'became-leader',
  'became-follower',
  'leader-changed',
  'term-changed',
  'leadership-lost',
  'voters-changed',
  'peer-joined',
  'peer-left',
  'message',
];

/**
 * A node of a Baton cluster: drives the election state machine with the monotonic clock, a transport and a
 * state store, and tells the application when it leads.
 *
 * The loop: an input (a message, the timer, an API call) steps the machine; the machine's output is
 * persisted, then its messages are sent (a campaign's vote requests at once: `Ready.early`), then its events
 * are published to handlers, which always run later, outside the step (see {@link PersistPipeline}). One timer is armed at the machine's next deadline.
 *
 * @example
 * ```ts
 * import { LeaderElection, MemoryStateStore } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const transport = new MemoryNetwork().transport('a'); // libp2pTransport(...) in production
 * const store = new MemoryStateStore(); // in production, `dataDir: '/var/lib/jobs/baton'` instead
 * const election = new LeaderElection({ clusterId: 'jobs', voters: ['a'], transport, store });
 * election.on('became-leader', ({ fencingToken, signal }) => {
 *   const timer = setInterval(() => console.log('scheduled jobs, fencing token', fencingToken), 1_000);
 *   signal.addEventListener('abort', () => clearInterval(timer)); // leadership ended: stop at once
 * });
 * await election.start();
 * process.on('SIGTERM', () => election.stop()); // hands leadership over before leaving
 * ```
 */
export class LeaderElection {
  /** The cluster this node belongs to. */
  readonly clusterId: string;

  private readonly settings: RuntimeSettings;
  private readonly emitter: TypedEmitter<LeaderElectionEvents>;
  private readonly monitor: EventLoopMonitor;
  private readonly pipeline: PersistPipeline;
  /** Waits of whenLeader, transferLeadership and stop, re-checked after every step. */
  private readonly waits: Waits;
  private readonly transportDrops = new Map<DropReason, number>();
  /** Heartbeat round trips, timed here (the machine stays pure) for `HEARTBEAT_ROUND_TRIP_CHANNEL`. */
  private readonly roundTrips: HeartbeatRoundTrips;
  /** Observers added with `join()`: kept whether connected or not. */
  private readonly joined = new Set<NodeId>();
  /** Peers the transport reports connected: the non-voters among them are observers while connected. */
  private readonly connectedPeers = new Set<NodeId>();
  private readonly inbox: ((now: number) => void)[] = [];

  private machine: ElectionMachine | null = null;
  private lifecycle: ElectionStatus = 'idle';
  /** Set when stop() has finished handing over: inputs are ignored from then on. */
  private halted = false;
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private stepping = false;
  private timer: TimerHandle | undefined;
  private timerDueAt = Number.POSITIVE_INFINITY;
  private retryTimer: TimerHandle | undefined;
  /** Batches holding this node's vote or pre-vote requests that wait behind a save. */
  private readonly queuedCampaigns = new Set<Ready>();
  /** The election timer fell while a campaign's requests were waiting: it runs once they left. */
  private timerDeferred = false;
  /** When the latest messages were handed to the transport (read before the first of them). */
  private lastSentAt = 0;
  /** The leaderships this node holds now, by group (the default group's under `DEFAULT_GROUP`). */
  private readonly leaderships = new Map<string, Leadership>();
  /** The election groups this node asked for (`group()`), with their handles and event emitters. */
  private readonly groupRecords = new Map<
    string,
    {
      readonly handle: ElectionGroup;
      readonly emitter: TypedEmitter<ElectionGroupEvents>;
      preferred: boolean;
    }
  >();
  /** The configuration last passed to the transport's `configurationChanged`. */
  private announcedConfiguration: Configuration | null = null;

  /**
   * Checks the options (throwing `InvalidOptionError` naming the first bad one). Nothing starts until
   * {@link LeaderElection.start}.
   */
  constructor(options: LeaderElectionOptions) {
    this.settings = resolveRuntimeOptions(options);
    this.clusterId = this.settings.election.clusterId;
    const { time, logger } = this.settings;
    this.roundTrips = new HeartbeatRoundTrips(this, this.clusterId, () => time.now());
    this.emitter = new TypedEmitter<LeaderElectionEvents>(
      (task) => time.queueTask(task),
      (event, error) => logger.error(`a ${event} handler failed`, { event, error: describeError(error) }),
      {
        now: () => time.now(),
        // Longer than a heartbeat interval, a handler that blocks the loop delays this node's heartbeats.
        slowMs: this.settings.election.heartbeatInterval,
        onSlow: (event, duration) =>
          logger.warn(
            `a ${event} handler blocked the event loop for ${duration.toFixed(1)} ms: heartbeats wait while ` +
              'it runs; await the slow part or move it off the event loop',
            { event, duration },
          ),
      },
    );
    this.monitor = new EventLoopMonitor({
      thresholdMs: this.settings.maxEventLoopStall,
      onStall: (stall) => this.onStall(stall),
      // Real time only; sampled no more often than the leader's heartbeat, and only while running.
      histogramResolutionMs:
        time === defaultTimeProvider ? this.settings.election.heartbeatInterval : undefined,
    });
    this.waits = new Waits(time, () => this.lifecycle === 'stopped');
    this.pipeline = new PersistPipeline({
      store: this.settings.store,
      currentState: () => this.requireMachine('save').persistentState,
      onCommitted: (ready) => this.deliver(ready),
      onFailed: (error, ready) => this.onSaveFailed(error, ready),
      onRecovered: () => {
        this.settings.logger.warn('the state store works again; this node takes part in elections again', {
          store: this.settings.store.description,
        });
      },
    });
  }

  // ------------------------------------------------------------------ accessors

  /** The default group's leadership on this node, or `null`. */
  private get current(): Leadership | null {
    return this.leaderships.get(DEFAULT_GROUP) ?? null;
  }

  /** This node's id (the transport's `localId`; with libp2p it is known once `start()` resolved). */
  get id(): NodeId {
    return this.machine?.id ?? this.settings.transport.localId;
  }

  /**
   * The voting members of the cluster (`Bootstrap` in the `leader` package of the ergo actor framework, Go;
   * see docs/design.md).
   */
  get voters(): readonly NodeId[] {
    return this.machine?.configuration.voters ?? this.settings.election.voters;
  }

  /** Where this election is in its life. */
  get status(): ElectionStatus {
    return this.lifecycle;
  }

  /** The current leadership, or `null` when this node does not hold a valid lease right now. */
  get leadership(): LeadershipHandle | null {
    return this.isLeader() ? this.current : null;
  }

  /**
   * Whether this node leads right now. Computed when called from the monotonic clock: a process that wakes
   * from a pause answers `false` on a lapsed lease before any timer has run, and `false` when its election
   * timer is overdue by more than `maxEventLoopStall` (an event-loop stall: the leadership then ends).
   * Call it right before acting on leadership, and pass the fencing token (the term) to the resource.
   */
  isLeader(group: string = DEFAULT_GROUP): boolean {
    const machine = this.machine;
    if (machine === null || this.halted || !this.leaderships.has(group)) return false;
    this.checkStall(this.settings.time.now());
    if (this.leaderships.has(group)) this.input((at) => machine.advance(at));
    return this.leaderships.has(group) && machine.isLeader(this.settings.time.now(), group);
  }

  /** The leader this node knows of (itself when it leads), or `null`. */
  leader(): NodeId | null {
    const machine = this.machine;
    if (machine === null) return null;
    if (machine.leader === machine.id) this.isLeader(); // a lapsed lease must not be reported as held
    return machine.leader;
  }

  /** The current term (0 before start). The term of a leadership is its fencing token. */
  term(): number {
    return this.machine?.term ?? 0;
  }

  /** The peers of the cluster currently connected. */
  peers(): readonly NodeId[] {
    return this.lifecycle === 'running' || this.lifecycle === 'stopping'
      ? [...this.settings.transport.peers()]
      : [];
  }

  /** How many peers are connected. */
  peerCount(): number {
    return this.peers().length;
  }

  /** Whether `id` is a connected peer. */
  hasPeer(id: NodeId): boolean {
    return this.peers().includes(id);
  }

  /** A snapshot of the election for logs, health checks and dashboards. Throws before `start()`. */
  inspect(): LeaderElectionSnapshot {
    const machine = this.requireMachine('inspect');
    this.checkStall(this.settings.time.now()); // counted for followers too
    const isLeader = this.isLeader();
    const now = this.settings.time.now();
    const lastError = this.pipeline.lastError;
    return {
      ...machine.inspect(now),
      isLeader,
      status: this.lifecycle,
      leadership: this.current === null ? null : { term: this.current.term, since: this.current.since },
      peersConnected: this.peers(),
      transportDrops: Object.fromEntries(this.transportDrops),
      eventLoop: {
        maxStall: this.settings.maxEventLoopStall,
        stalls: this.monitor.stallCount,
        lastStall: this.monitor.lastStall,
        delay: this.monitor.delay(),
      },
      persistence: {
        store: this.settings.store.description,
        pendingSaves: this.pipeline.pending,
        failedSaves: this.pipeline.failures,
        degraded: this.pipeline.degraded,
        lastSaveError: lastError === null ? null : describeError(lastError),
      },
    };
  }

  // ------------------------------------------------------------------ election groups

  /**
   * The election group `name`: a leadership of its own in this cluster (its own term and fencing token, lease,
   * leader and events), elected among the same voters. Calling it asks for the group: this node may then
   * lead it, and every voter of the cluster votes in it. Before `start()` the group is asked for at start.
   * Idempotent: the same name returns the same handle (until its `close()`; a later call asks again with a
   * new handle). `group('default')` is a view of this election itself. `options.preferred`: this replica
   * prefers to lead the group (see {@link GroupOptions}); a later call with options sets them anew.
   *
   * @throws InvalidOptionError (option `group`) when `name` is not 1-63 characters of a-z, 0-9, '.', '_', '-';
   *   (option `preferred`) when it is not a boolean, or is given for the default group.
   */
  group(name: string, options?: GroupOptions): ElectionGroup {
    checkGroupName('group', name);
    const preferred = checkGroupOptions(name, options);
    const known = this.groupRecords.get(name);
    if (known !== undefined) {
      if (options !== undefined && known.preferred !== preferred) {
        known.preferred = preferred;
        this.openGroup(name);
      }
      return known.handle;
    }
    const { time, logger } = this.settings;
    const emitter = new TypedEmitter<ElectionGroupEvents>(
      (task) => time.queueTask(task),
      (event, error) =>
        logger.error(`a ${event} handler of group ${name} failed`, {
          event,
          group: name,
          error: describeError(error),
        }),
    );
    const handle = new ElectionGroup(name, this.groupHost(name, emitter));
    this.groupRecords.set(name, { handle, emitter, preferred });
    this.openGroup(name);
    return handle;
  }

  /** Asks the machine for a group once it runs (at start for groups asked for before). */
  private openGroup(name: string): void {
    const machine = this.machine;
    if (name === DEFAULT_GROUP || machine === null || this.halted || this.lifecycle !== 'running') return;
    const preferred = this.groupRecords.get(name)?.preferred === true;
    this.stepNow('group', (now) => machine.openGroup(name, now, { preferred }));
  }

  private groupHost(name: string, emitter: TypedEmitter<ElectionGroupEvents>) {
    const isDefault = name === DEFAULT_GROUP;
    const machineGroup = () => {
      const machine = this.machine;
      return machine?.groupNames.includes(name) ? machine.group(name, this.settings.time.now()) : null;
    };
    return {
      emitter: isDefault ? (this.groupEmitter(DEFAULT_GROUP) as TypedEmitter<ElectionGroupEvents>) : emitter,
      isLeader: () => this.isLeader(name),
      leadership: () => (this.isLeader(name) ? (this.leaderships.get(name) ?? null) : null),
      leader: () => {
        this.isLeader(name); // a lapsed lease must not be reported as held
        return machineGroup()?.leader ?? null;
      },
      term: () => machineGroup()?.term ?? 0,
      whenLeader: (options: { signal?: AbortSignal }) => {
        const held = this.leaderships.get(name);
        if (held !== undefined && this.isLeader(name)) return Promise.resolve(held);
        return this.waits.until('whenLeader', () => this.leaderships.get(name), options);
      },
      transferLeadership: (to: NodeId | undefined, options: WaitOptions) =>
        this.transferLeadership(to, options, name),
      stepDown: () => {
        const machine = this.machine;
        if (machine === null || this.halted) return false;
        return this.stepNow('stepDown', (now) => machine.stepDown(now, name));
      },
      close: async () => {
        const machine = this.machine;
        if (isDefault || machine === null || this.halted || !machine.groupNames.includes(name)) return;
        this.groupRecords.delete(name); // a later group(name) asks again, with a new handle
        this.endLeadership('transfer', undefined, name);
        this.stepNow('close', (now) => machine.closeGroup(name, now));
      },
    };
  }

  // ------------------------------------------------------------------ events

  /**
   * Subscribes to an event; returns the function that unsubscribes. Handlers run outside the election loop;
   * one that throws or rejects is logged with the event name. A `became-leader` handler that fails makes the
   * node step down, unless `stepDownOnHandlerError` is false.
   */
  on<K extends keyof LeaderElectionEvents>(
    event: K,
    handler: EventHandler<LeaderElectionEvents[K]>,
  ): () => void {
    if (!LEADER_ELECTION_EVENTS.includes(event)) {
      throw new TypeError(
        `on: unknown event ${JSON.stringify(event)} (known: ${LEADER_ELECTION_EVENTS.join(', ')})`,
      );
    }
    return this.emitter.on(event, handler);
  }

  /** Resolves with the leadership handle as soon as this node leads (at once if it does). */
  whenLeader(options: { signal?: AbortSignal } = {}): Promise<LeadershipHandle> {
    if (this.isLeader() && this.current !== null) return Promise.resolve(this.current);
    return this.waits.until('whenLeader', () => (this.current !== null ? this.current : undefined), options);
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Opens the store (taking its lock), loads term and vote, starts the transport and the election.
   * Idempotent while running. A failure (locked or corrupt store, transport error) undoes what was started
   * and rejects; `start()` may then be called again.
   */
  start(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.lifecycle === 'running') return Promise.resolve();
    if (this.starting !== null) return this.starting;
    if (this.lifecycle === 'stopping' || this.lifecycle === 'stopped') {
      return Promise.reject(
        new NotRunningError('start', this.lifecycle, 'create a new LeaderElection to run again'),
      );
    }
    this.lifecycle = 'starting';
    this.starting = this.doStart(options.signal).finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  /**
   * Leaves the cluster gracefully. A leader first hands leadership to the most suitable follower and waits
   * (at most `stopTimeout`) until a successor is known; then the election stops, pending saves finish, the
   * transport stops and the store is closed. The leadership handle, if any, is aborted with reason
   * `'stopped'` before the handover starts. Idempotent: every call returns the same promise.
   */
  stop(): Promise<void> {
    if (this.stopping === null) this.stopping = this.doStop();
    return this.stopping;
  }

  // ------------------------------------------------------------------ actions

  /**
   * Hands leadership to `to`, or to the most suitable follower, and resolves with the successor once this
   * node knows it. Rejects with `NotLeaderError` when this node does not lead, `NoSuccessorError` when no
   * follower can take over, `InvalidTargetError` when `to` cannot take over, or `TimeoutError` when no
   * successor is known within `timeout` (default: twice `electionTimeoutMax`).
   */
  async transferLeadership(
    to?: NodeId,
    options: WaitOptions = {},
    group: string = DEFAULT_GROUP,
  ): Promise<NodeId> {
    if (to !== undefined && (typeof to !== 'string' || to === '')) {
      throw new TypeError(`transferLeadership: to must be a node id (got ${JSON.stringify(to)})`);
    }
    options.signal?.throwIfAborted();
    const machine = this.requireMachine('transferLeadership');
    const target = this.stepNow('transferLeadership', (now) => machine.transferLeadership(now, to, group));
    const term = machine.group(group, this.settings.time.now()).term;
    if (target === null) {
      throw new NoSuccessorError('transferLeadership', term);
    }
    this.settings.logger.info('handing leadership over', { to: target, term, ...named(group) });
    return this.waits.until('transferLeadership', () => this.successor(group), {
      signal: options.signal,
      timeout: options.timeout ?? 2 * this.settings.election.electionTimeoutMax,
    });
  }

  /**
   * The members as this node sees them: the voters and version of its configuration, the observers it knows,
   * the change in progress (on the leader) and whether it is leaving. Before `start()`, the `voters` option.
   */
  membership(): Membership {
    const machine = this.machine;
    if (machine !== null) return machine.membershipView;
    const voters = this.settings.election.voters;
    return {
      voters,
      observers: [],
      version: voters.length > 0 ? 1 : 0,
      term: 0,
      change: null,
      leaving: false,
    };
  }

  /**
   * On the leader, makes `node` a voter (it must be a member in contact: an observer acknowledging
   * heartbeats), and resolves with the new configuration once a majority of the new voters holds it. Rejects
   * with `NotLeaderError` naming the leader on any other node (or when leadership is lost before the change is
   * done: read `membership()` to see whether it took effect), `ConfigurationVersionError` when
   * `expectedVersion` is not the current version, `MembershipChangeError` when a rule forbids it now (`reason`),
   * `TimeoutError` after `timeout`.
   */
  addVoter(node: NodeId, options: MembershipChangeOptions = {}): Promise<Configuration> {
    return this.changeVoters('addVoter', { add: checkNodeId('addVoter', node) }, options);
  }

  /**
   * On the leader, removes `node` from the voters (not the leader itself: transfer leadership first), and
   * resolves once a majority of the remaining voters holds the change. Rejects as {@link addVoter} does.
   */
  removeVoter(node: NodeId, options: MembershipChangeOptions = {}): Promise<Configuration> {
    return this.changeVoters('removeVoter', { remove: checkNodeId('removeVoter', node) }, options);
  }

  /**
   * On the leader, replaces voter `old` with `next`: two changes, one at a time (`next` in, then `old` out),
   * so that the voters never drop by one. Resolves with the final configuration. Should the second change fail,
   * `next` is a voter and `old` still is too: retry `removeVoter(old)`.
   */
  async replaceVoter(
    old: NodeId,
    next: NodeId,
    options: MembershipChangeOptions = {},
  ): Promise<Configuration> {
    checkNodeId('replaceVoter', old);
    const added = await this.addVoter(next, options);
    return this.removeVoter(old, { ...options, expectedVersion: added.version });
  }

  /**
   * **Unsafe** recovery for a cluster that lost a majority of its voters for good: makes `voters` this node's
   * voter configuration without asking anyone. Call it with the same list on every survivor; they then elect a
   * leader among themselves. Should the lost voters ever come back with the old configuration, two leaders can
   * be elected at once: only for voters that are gone for good (their machines and disks destroyed). Refused
   * with `LeaderPresentError` while this node hears from a leader.
   */
  forceVoters(voters: readonly NodeId[]): Configuration {
    const machine = this.requireMachine('forceVoters');
    const forced = this.stepNow('forceVoters', (now) => machine.forceVoters(now, voters));
    this.settings.logger.warn('forced a new voter configuration (unsafe recovery)', {
      voters: forced.voters,
    });
    return forced;
  }

  /**
   * Gives up leadership without naming a successor; this node then waits a full extra election timeout
   * before it campaigns again. Returns whether this node was leading.
   */
  stepDown(): boolean {
    const machine = this.machine;
    if (machine === null || this.halted) return false;
    return this.stepNow('stepDown', (now) => machine.stepDown(now));
  }

  /**
   * Adds a non-voting member that this node keeps informed while it leads, connected or not (voters change
   * with membership, later). A connected non-voter is an observer anyway, on every node, while it stays
   * connected: `join()` is for peers a transport does not report.
   */
  join(peer: NodeId): void {
    if (typeof peer !== 'string' || peer === '') {
      throw new TypeError(`join: peer must be a non-empty node id (got ${JSON.stringify(peer)})`);
    }
    this.joined.add(peer);
    this.machine?.addObserver(peer);
  }

  /**
   * Sends a JSON-serialisable payload to every connected peer (the ergo `leader` package's Broadcast). Peers
   * receive it as a `message` event. Throws `PayloadError` naming the part of the payload JSON cannot carry.
   */
  broadcast(payload: unknown): void {
    this.requireRunning('broadcast');
    this.settings.transport.broadcast(encodePayload(payload));
  }

  /** Sends a payload to the other voters only (the ergo `leader` package's BroadcastBootstrap). */
  broadcastToVoters(payload: unknown): void {
    this.requireRunning('broadcastToVoters');
    const bytes = encodePayload(payload);
    this.settings.transport.broadcast(bytes, { to: this.voters.filter((voter) => voter !== this.id) });
  }

  // ------------------------------------------------------------------ start / stop

  private async doStart(signal: AbortSignal | undefined): Promise<void> {
    const { store, transport, logger, time } = this.settings;
    let opened = false;
    let transportStarted = false;
    try {
      signal?.throwIfAborted();
      await store.open();
      opened = true;
      const state = await store.load();
      signal?.throwIfAborted();
      const { voters } = this.settings.election;
      this.connectedPeers.clear(); // a failed start may have left some; the transport reports them again
      // The persisted configuration rules; the voters option only forms the first one (machine.ts).
      const configuration =
        state !== null && state.configuration.version > 0
          ? state.configuration
          : initialConfiguration(voters);
      await transport.start(this.transportHandlers, { signal, voters: configuration.voters, configuration });
      transportStarted = true;
      signal?.throwIfAborted();
      this.machine = new ElectionMachine({
        id: transport.localId,
        options: this.settings.electionOptions,
        state,
        random: this.settings.random,
        now: time.now(),
        termFloor: time.wallClock?.() ?? Date.now(),
      });
    } catch (error) {
      this.machine = null;
      if (transportStarted)
        await transport.stop().catch((e) => logger.error('transport.stop failed', { error: e }));
      if (opened) await store.close().catch((e) => logger.error('store.close failed', { error: e }));
      this.lifecycle = 'idle';
      throw error;
    }
    const machine = this.machine;
    for (const warning of machine.warnings)
      logger.warn(warning, { id: machine.id, clusterId: this.clusterId });
    for (const peer of [...this.joined, ...this.connectedPeers]) machine.addObserver(peer);
    this.lifecycle = 'running';
    this.monitor.enableHistogram();
    logger.info('election started', {
      id: machine.id,
      clusterId: this.clusterId,
      term: machine.term,
      votedFor: machine.votedFor,
      configuration: machine.configuration,
      store: store.description,
    });
    this.input((now) => {
      for (const [name, { preferred }] of this.groupRecords)
        if (name !== DEFAULT_GROUP) machine.openGroup(name, now, { preferred });
    }); // persists the initial state, arms the timer
  }

  private async doStop(): Promise<void> {
    if (this.starting !== null) await this.starting.catch(() => undefined);
    const { logger, transport, store, time } = this.settings;
    if (this.lifecycle !== 'running') {
      this.lifecycle = 'stopped';
      this.halted = true;
      this.notify();
      return;
    }
    this.lifecycle = 'stopping';
    const machine = this.requireMachine('stop');
    const led = machine.groupNames.filter((group) => machine.isLeader(time.now(), group));
    // The application hears 'stopped' first: its work must end before leadership is handed on.
    for (const group of led) this.endLeadership('stopped', undefined, group);
    await Promise.all(led.map((group) => this.handOver(machine, group)));
    await this.leaveVoters(machine);
    this.halted = true;
    this.endAllLeaderships('stopped');
    time.clearTimeout(this.timer);
    time.clearTimeout(this.retryTimer);
    this.timer = undefined;
    this.retryTimer = undefined;
    this.monitor.disableHistogram();
    // Saves in flight finish (and their messages go out) before the transport closes.
    await this.waits.bounded('stop', this.pipeline.drain(), this.settings.stopTimeout).catch(() =>
      logger.warn('stop: saves were still pending when stopTimeout ran out', {
        pending: this.pipeline.pending,
      }),
    );
    await transport
      .stop()
      .catch((error) => logger.error('stop: transport.stop failed', { error: describeError(error) }));
    await store
      .close()
      .catch((error) => logger.error('stop: store.close failed', { error: describeError(error) }));
    this.lifecycle = 'stopped';
    logger.info('election stopped', { id: machine.id, term: machine.term });
    this.notify(); // rejects pending waits
  }

  /**
   * With the autopilot on, a voter that stops asks the leader to replace and remove it, and waits (at most
   * `stopTimeout`) until it is no longer a voter, so that a rolling update never leaves a dead voter behind.
   */
  private async leaveVoters(machine: ElectionMachine): Promise<void> {
    const { logger } = this.settings;
    const voters = machine.configuration.voters;
    if (this.settings.election.autopilot === null || !voters.includes(machine.id) || voters.length === 1)
      return;
    this.stepNow('stop', (now) => machine.leave(now));
    try {
      await this.waits.until(
        'stop',
        () => (machine.configuration.voters.includes(machine.id) ? undefined : true),
        {
          timeout: this.settings.stopTimeout,
        },
      );
      logger.info('stop: removed from the voters', { configuration: machine.configuration });
    } catch {
      logger.warn(
        'stop: still a voter when stopTimeout ran out; the leader removes it after deadVoterTimeout',
        {
          stopTimeout: this.settings.stopTimeout,
        },
      );
    }
  }

  private async changeVoters(
    operation: string,
    change: { readonly add: NodeId } | { readonly remove: NodeId },
    options: MembershipChangeOptions,
  ): Promise<Configuration> {
    options.signal?.throwIfAborted();
    const machine = this.requireMachine(operation);
    const attempt = () =>
      this.stepNow(operation, (now) => machine.changeVoters(now, change, options.expectedVersion));
    let next: Configuration;
    try {
      next = attempt();
    } catch (error) {
      if (!(error instanceof MembershipChangeError) || error.reason !== 'settling') throw error;
      // Changes are spaced by electionTimeoutMin (rule G5): wait that out, once, instead of failing.
      await this.waits.until(
        operation,
        () => (machine.configurationDone || machine.role !== 'leader' ? true : undefined),
        { signal: options.signal, timeout: 2 * this.settings.election.electionTimeoutMin },
      );
      next = attempt();
    }
    this.settings.logger.info('changing the voters', { operation, ...change, version: next.version });
    return this.waits.until(
      operation,
      () => {
        if (machine.role !== 'leader') throw new NotLeaderError(operation, machine.leader);
        const current = machine.configuration;
        return machine.configurationDone && compareConfigurations(current, next) >= 0 ? current : undefined;
      },
      { signal: options.signal, timeout: options.timeout ?? 2 * this.settings.election.electionTimeoutMax },
    );
  }

  private async handOver(machine: ElectionMachine, group: string): Promise<void> {
    const { logger } = this.settings;
    let target: NodeId | null = null;
    try {
      target = this.stepNow('stop', (now) => machine.transferLeadership(now, undefined, group));
    } catch (error) {
      logger.warn('stop: could not hand leadership over', { ...named(group), error: describeError(error) });
    }
    if (target === null) {
      this.stepNow('stop', (now) => machine.stepDown(now, group));
      return;
    }
    try {
      const successor = await this.waits.until('stop', () => this.successor(group), {
        timeout: this.settings.stopTimeout,
      });
      logger.info('stop: leadership handed over', { successor, term: machine.term, ...named(group) });
    } catch {
      logger.warn('stop: no successor known within stopTimeout; leaving anyway', {
        target,
        stopTimeout: this.settings.stopTimeout,
      });
    }
  }

  // ------------------------------------------------------------------ the step loop

  private readonly transportHandlers: TransportHandlers = {
    onMessage: (message: ElectionMessage) => {
      this.guard('onMessage', () => {
        const machine = this.machine;
        if (machine === null) return;
        this.input((now) => {
          this.roundTrips.received(message);
          machine.receive(message, now);
        });
      });
    },
    onMessages: (messages: readonly ElectionMessage[]) => {
      this.guard('onMessages', () => {
        const machine = this.machine;
        if (machine === null) return;
        // One step for all: the machine accumulates their output, which is saved once (group commit) and sent
        // together. Each message is applied on its own: one that fails does not keep the others out.
        this.input((now) => {
          for (const message of messages) {
            try {
              this.roundTrips.received(message);
              machine.receive(message, now);
            } catch (error) {
              this.settings.logger.error('an election step failed', { error: describeError(error) });
            }
          }
        });
      });
    },
    onBroadcast: (from: NodeId, payload: Uint8Array) => {
      this.guard('onBroadcast', () => {
        if (this.halted) return;
        let value: unknown;
        try {
          value = decodePayload(payload);
        } catch (error) {
          this.countTransportDrop('invalid');
          this.settings.logger.warn('dropped a broadcast that is not UTF-8 JSON', {
            from,
            error: describeError(error),
          });
          return;
        }
        this.emitter.emit('message', { from, payload: value });
      });
    },
    onPeerConnected: (peer: NodeId) => {
      this.guard('onPeerConnected', () => {
        if (this.halted) return;
        // A non-voter that connects is an observer: whichever voter leads keeps it informed, after a failover too.
        this.connectedPeers.add(peer);
        this.machine?.addObserver(peer);
        this.settings.logger.info('peer joined', { peer, peers: this.connectedPeers.size });
        this.emitter.emit('peer-joined', peer);
      });
    },
    onPeerDisconnected: (peer: NodeId) => {
      this.guard('onPeerDisconnected', () => {
        if (this.halted) return;
        this.connectedPeers.delete(peer);
        if (!this.joined.has(peer)) this.machine?.removeObserver(peer);
        this.settings.logger.info('peer left', { peer, peers: this.connectedPeers.size });
        this.emitter.emit('peer-left', peer);
      });
    },
    onDropped: (reason: DropReason, detail: string) => {
      this.guard('onDropped', () => {
        this.countTransportDrop(reason);
        this.settings.logger.debug('the transport dropped a frame', { reason, detail });
      });
    },
  };

  /**
   * Applies one input to the machine and handles its output. Inputs that arrive while a step runs (from an
   * abort listener, say) are queued and applied right after, never nested.
   */
  private input(apply: (now: number) => void): void {
    if (this.machine === null || this.halted) return;
    this.inbox.push(apply);
    if (this.stepping) return;
    this.stepping = true;
    try {
      for (let next = this.inbox.shift(); next !== undefined; next = this.inbox.shift()) {
        const now = this.settings.time.now();
        // A failing input is dropped alone: the inputs queued behind it (a step-down after a stall, a
        // message) still run, and the output the machine produced before the failure still goes out.
        try {
          next(now);
        } catch (error) {
          this.settings.logger.error('an election step failed', { error: describeError(error) });
        }
        try {
          this.afterStep(now);
        } catch (error) {
          this.settings.logger.error('handling an election step failed', { error: describeError(error) });
        }
      }
    } finally {
      this.stepping = false;
    }
  }

  /** Runs an API call on the machine now and returns its result; refuses to nest inside a step. */
  private stepNow<T>(operation: string, apply: (now: number) => T): T {
    if (this.stepping) {
      throw new ReentrantCallError(operation);
    }
    let result: { value: T } | null = null;
    let failure: { error: unknown } | null = null;
    this.input((now) => {
      try {
        result = { value: apply(now) };
      } catch (error) {
        failure = { error };
      }
    });
    if (failure !== null) throw (failure as { error: unknown }).error;
    if (result === null) throw new NotRunningError(operation, this.lifecycle);
    return (result as { value: T }).value;
  }

  private afterStep(now: number): void {
    const machine = this.machine;
    if (machine === null) return;
    const ready = machine.ready();
    // Leadership ends the moment the machine says so, even when the event waits behind a save.
    for (const event of ready.events) {
      const group = 'group' in event ? (event.group ?? DEFAULT_GROUP) : DEFAULT_GROUP;
      if (event.type === 'leadership-lost' && this.leaderships.get(group)?.term === event.term)
        this.endLeadership(event.reason, undefined, group);
    }
    for (const group of this.leaderships.keys()) {
      if (!machine.isLeader(now, group)) this.endLeadership('lease-lapsed', undefined, group);
    }
    if (machine.configuration !== this.announcedConfiguration) {
      // Every new configuration id (a re-stamp by a new leader too): transports tell peers what this node holds.
      this.announcedConfiguration = machine.configuration;
      this.settings.transport.configurationChanged?.(machine.configuration);
    }
    if (ready.persist !== null || ready.messages.length > 0 || ready.events.length > 0) {
      // Vote requests go at once, before the candidate's save (Ready.early says why that is safe): handed to
      // the network before the save starts, whatever the store does synchronously (Transport.flush).
      const early = ready.early ?? [];
      if (early.length > 0) {
        const campaign = this.send(early);
        this.flushTransport();
        this.afterDelivery(campaign ? this.lastSentAt : null);
      }
      this.pipeline.submit(ready);
      // Not delivered at once: it waits behind a save (its own, or an earlier one).
      const waiting = ready.messages.some((m) => isCampaignRequest(m) && !early.includes(m));
      if (this.pipeline.pending > 0 && waiting) this.queuedCampaigns.add(ready);
    }
    this.arm(machine.nextDeadline(), now);
    this.notify();
  }

  private arm(dueAt: number, now: number): void {
    if (this.halted || dueAt === this.timerDueAt) return;
    const { time } = this.settings;
    time.clearTimeout(this.timer);
    this.timerDueAt = dueAt;
    this.timer = time.setTimeout(() => this.onTimer(dueAt), Math.max(0, dueAt - now));
  }

  private onTimer(dueAt: number): void {
    this.timer = undefined;
    this.timerDueAt = Number.POSITIVE_INFINITY;
    const machine = this.machine;
    if (machine === null || this.halted) return;
    // How late the timer ran is how long the loop was blocked, at least: the stall probe (no timer of its own).
    this.monitor.observe(dueAt, this.settings.time.now(), 'election-timer');
    if (machine.role !== 'leader' && this.queuedCampaigns.size > 0) {
      // A campaign whose requests still wait behind a save has not even asked yet: its timeout counts from
      // when they leave (machine.campaignSent). Only a non-leader waits: safety never rests on its timeouts,
      // whereas a leader's timer sends heartbeats and ends its lease.
      this.timerDeferred = true;
      return;
    }
    this.input((now) => machine.advance(now));
  }

  /**
   * After a batch left (or was dropped): tells the machine when its campaign's requests went out, and runs an
   * election timer deferred while saves were pending.
   */
  private afterDelivery(campaignSentAt: number | null): void {
    const machine = this.machine;
    const resume = this.timerDeferred && this.queuedCampaigns.size === 0;
    if (resume) this.timerDeferred = false;
    if (machine === null || (campaignSentAt === null && !resume)) return;
    this.input((now) => {
      if (campaignSentAt !== null) machine.campaignSent(campaignSentAt);
      if (resume) machine.advance(now);
    });
  }

  /**
   * Whether the election timer is overdue right now by more than `maxEventLoopStall`: what a process that
   * just woke from a pause sees before any timer ran. While leading the timer is at most `heartbeatInterval`
   * ahead, so the loop is sampled at least every heartbeat.
   */
  private checkStall(now: number): void {
    if (this.timer !== undefined) this.monitor.observe(this.timerDueAt, now, 'check');
  }

  // ------------------------------------------------------------------ output

  /** A batch whose state is durable: send, then publish. */
  private deliver(ready: Ready): void {
    const early = ready.early ?? [];
    const campaign = this.send(
      early.length === 0 ? ready.messages : ready.messages.filter((m) => !early.includes(m)),
    );
    this.publish(ready.events);
    this.queuedCampaigns.delete(ready);
    this.afterDelivery(campaign ? this.lastSentAt : null);
  }

  /**
   * Hands messages to the transport; returns whether a vote or pre-vote request was among them, and notes in
   * `lastSentAt` the time read before the first one left (a campaign's lease must not start later: lease.ts).
   */
  private send(messages: readonly ElectionMessage[]): boolean {
    this.lastSentAt = this.settings.time.now();
    if (this.halted && this.lifecycle === 'stopped') return false;
    let campaign = false;
    for (const message of messages) {
      if (isCampaignRequest(message)) campaign = true;
      this.roundTrips.sent(message);
      try {
        this.settings.transport.send(message);
      } catch (error) {
        // The contract says send never throws; a transport that does must not break the loop.
        this.settings.logger.error('transport.send threw', { to: message.to, error: describeError(error) });
      }
    }
    return campaign;
  }

  /** Asks the transport to hand what it queued to the network now (`Transport.flush`); never throws. */
  private flushTransport(): void {
    try {
      this.settings.transport.flush?.();
    } catch (error) {
      this.settings.logger.error('transport.flush threw', { error: describeError(error) });
    }
  }

  private publish(events: readonly ElectionEvent[]): void {
    for (const event of events) {
      if ('group' in event && event.group !== undefined) {
        this.publishGroupEvent(event.group, event);
        continue;
      }
      switch (event.type) {
        case 'became-leader':
          this.beginLeadership(event.term, event.at);
          break;
        case 'became-follower':
          this.emitter.emit('became-follower', { leader: event.leader, term: event.term });
          break;
        case 'leader-changed':
          this.settings.logger.info(event.leader === null ? 'leader unknown' : 'leader changed', {
            leader: event.leader,
            previous: event.previous,
            term: event.term,
          });
          this.emitter.emit('leader-changed', {
            leader: event.leader,
            previous: event.previous,
            term: event.term,
          });
          break;
        case 'term-changed':
          this.emitter.emit('term-changed', { from: event.from, to: event.to });
          break;
        case 'voters-changed':
          this.settings.logger.info('voters changed', {
            voters: event.configuration.voters,
            previous: event.previous.voters,
            version: event.configuration.version,
          });
          this.emitter.emit('voters-changed', {
            configuration: event.configuration,
            previous: event.previous,
          });
          break;
        case 'role-changed':
          this.settings.logger.debug('role changed', { from: event.from, to: event.to, term: event.term });
          break;
        case 'leadership-lost':
          break; // handled when the step produced it (afterStep), so that the signal aborts at once
      }
    }
    this.notify();
  }

  /** An event of a named election group: to that group's handle (the runtime's leaderships for its leases). */
  private publishGroupEvent(group: string, event: ElectionEvent): void {
    const emitter = this.groupRecords.get(group)?.emitter;
    switch (event.type) {
      case 'became-leader':
        this.beginLeadership(event.term, event.at, group);
        return;
      case 'became-follower':
        emitter?.emit('became-follower', { leader: event.leader, term: event.term });
        return;
      case 'leader-changed':
        this.settings.logger.debug('group leader changed', { group, leader: event.leader, term: event.term });
        emitter?.emit('leader-changed', { leader: event.leader, previous: event.previous, term: event.term });
        return;
      case 'term-changed':
        emitter?.emit('term-changed', { from: event.from, to: event.to });
        return;
      default:
        return; // role changes are for logs; leadership-lost was handled in afterStep
    }
  }

  private beginLeadership(term: number, at: number, group: string = DEFAULT_GROUP): void {
    const machine = this.machine;
    const now = this.settings.time.now();
    // The event may have waited behind a save: lead only if the lease of that term still holds.
    if (machine === null || this.halted || !machine.isLeader(now, group)) return;
    if (machine.group(group, now).term !== term) return;
    if (this.leaderships.get(group)?.term === term) return;
    const leadership = new Leadership(term, at);
    this.leaderships.set(group, leadership);
    this.settings.logger.info('became leader', { id: machine.id, term, ...named(group) });
    this.groupEmitter(group)?.emit('became-leader', leadership, (error) => {
      if (error === undefined || !this.settings.stepDownOnHandlerError) return;
      if (this.leaderships.get(group) !== leadership) return;
      this.settings.logger.error('a became-leader handler failed: stepping down (stepDownOnHandlerError)', {
        term,
        ...named(group),
        error: describeError(error),
      });
      this.stepNow('stepDown', (at) => machine.stepDown(at, group));
    });
  }

  private endLeadership(reason: LeadershipLostReason, detail?: string, group: string = DEFAULT_GROUP): void {
    const leadership = this.leaderships.get(group);
    if (leadership === undefined) return;
    this.leaderships.delete(group);
    this.settings.logger.info('leadership ended', { term: leadership.term, ...named(group), reason, detail });
    leadership.end(reason, detail); // abort listeners run now: they are told at once
    this.groupEmitter(group)?.emit('leadership-lost', { term: leadership.term, reason });
  }

  /** Where `group`'s events go: this election's own emitter for the default group (the same event names). */
  private groupEmitter(group: string): TypedEmitter<ElectionGroupEvents> | undefined {
    if (group === DEFAULT_GROUP) return this.emitter as unknown as TypedEmitter<ElectionGroupEvents>;
    return this.groupRecords.get(group)?.emitter;
  }

  /** Ends every leadership this node holds (a stall, a failed save, a stop). */
  private endAllLeaderships(reason: LeadershipLostReason, detail?: string): void {
    for (const group of [...this.leaderships.keys()]) this.endLeadership(reason, detail, group);
  }

  private onStall(stall: EventLoopStall): void {
    const machine = this.machine;
    if (this.leaderships.size === 0 || machine === null) {
      this.settings.logger.debug('event loop stalled', { ...stall });
      return;
    }
    const detail = `event loop blocked for ${stall.duration.toFixed(1)} ms (> maxEventLoopStall ${this.settings.maxEventLoopStall})`;
    this.settings.logger.warn('event loop stalled while leading: giving leadership up', { ...stall });
    const led = [...this.leaderships.keys()];
    this.endAllLeaderships('event-loop-stall', detail);
    this.input((now) => {
      for (const group of led) {
        if (machine.isLeader(now, group) && machine.transferLeadership(now, undefined, group) !== null)
          continue;
        machine.stepDown(now, group);
      }
    });
  }

  private onSaveFailed(error: unknown, ready: Ready): void {
    const { logger, store, time } = this.settings;
    const log = this.pipeline.failures === 1 ? logger.error : logger.warn;
    log.call(
      logger,
      'could not save the election state: its messages are dropped and this node does not lead until a save succeeds',
      {
        store: store.description,
        failures: this.pipeline.failures,
        droppedMessages: ready.messages.length,
        error: describeError(error),
      },
    );
    this.publish(ready.events.filter((event) => event.type !== 'became-leader'));
    this.queuedCampaigns.delete(ready); // its requests are dropped: the campaign times out as decided
    this.afterDelivery(null);
    this.endAllLeaderships('step-down', 'the state store failed');
    const machine = this.machine;
    if (machine !== null) {
      this.input((now) => {
        for (const group of machine.groupNames) machine.stepDown(now, group);
      });
    }
    if (this.retryTimer === undefined && !this.halted) {
      const delay = Math.min(
        5_000,
        this.settings.election.heartbeatInterval * 2 ** Math.min(this.pipeline.failures, 7),
      );
      this.retryTimer = time.setTimeout(() => {
        this.retryTimer = undefined;
        if (!this.halted) this.pipeline.retry();
      }, delay);
    }
  }

  // ------------------------------------------------------------------ helpers

  /** The leader this node follows, once it is another node. */
  private successor(group: string = DEFAULT_GROUP): NodeId | undefined {
    const machine = this.machine;
    if (machine === null || !machine.groupNames.includes(group)) return undefined;
    const leader = machine.group(group, this.settings.time.now()).leader;
    return leader !== null && leader !== this.id ? leader : undefined;
  }

  private notify(): void {
    this.waits.notify();
  }

  private countTransportDrop(reason: DropReason): void {
    this.transportDrops.set(reason, (this.transportDrops.get(reason) ?? 0) + 1);
    this.machine?.countDropped(reason);
  }

  private guard(handler: string, body: () => void): void {
    try {
      body();
    } catch (error) {
      this.settings.logger.error(`transport handler ${handler} failed`, { error: describeError(error) });
    }
  }

  private requireMachine(operation: string): ElectionMachine {
    if (this.machine === null) {
      throw new NotRunningError(operation, this.lifecycle, 'call start() first');
    }
    return this.machine;
  }

  private requireRunning(operation: string): void {
    if (this.lifecycle !== 'running' && this.lifecycle !== 'stopping') {
      throw new NotRunningError(operation, this.lifecycle);
    }
  }
}

/** A vote or pre-vote request (this node campaigning). */
function isCampaignRequest(message: ElectionMessage): boolean {
  return message.type === 'vote' || message.type === 'pre-vote';
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function checkNodeId(operation: string, node: unknown): NodeId {
  if (typeof node !== 'string' || node === '') {
    throw new TypeError(`${operation}: node must be a non-empty node id (got ${JSON.stringify(node)})`);
  }
  return node;
}

/** A log context's `group` field: absent for the default group, so its log lines read as before groups. */
function named(group: string): { group?: string } {
  return group === DEFAULT_GROUP ? {} : { group };
}

/** The preference in a group's options, checked: a boolean, and not for the default group. */
function checkGroupOptions(name: string, options: GroupOptions | undefined): boolean {
  const preferred: unknown = options?.preferred;
  if (preferred === undefined) return false;
  if (typeof preferred !== 'boolean') {
    throw new InvalidOptionError('preferred', preferred, `group(${JSON.stringify(name)}): must be a boolean`);
  }
  if (preferred && name === DEFAULT_GROUP) {
    throw new InvalidOptionError(
      'preferred',
      preferred,
      'group("default"): the default election has no preferred replica (transferLeadership() moves it)',
    );
  }
  return preferred;
}
