import {
  ConfigurationVersionError,
  InvalidOptionError,
  InvalidTargetError,
  InvalidTransitionError,
  LeaderPresentError,
  MembershipChangeError,
  NotLeaderError,
} from '../errors.js';
import { nextAutopilotChange } from './autopilot.js';
import {
  compareConfigurations,
  configurationId,
  describeConfiguration,
  initialConfiguration,
} from './configuration.js';
import { MachineCounters } from './counters.js';
import { LeaderLease } from './lease.js';
import { MemberContact } from './member-contact.js';
import { checkChange, LeaderMembership } from './membership.js';
import { type ElectionOptions, type ResolvedElectionOptions, resolveElectionOptions } from './options.js';
import { checkPersistentState } from './persistent-state.js';
import { type VoteResult, voteResult } from './quorum.js';
import type {
  Configuration,
  ConfigurationId,
  DropReason,
  ElectionEvent,
  ElectionMessage,
  Heartbeat,
  HeartbeatResponse,
  InspectSnapshot,
  LeadershipLostReason,
  Membership,
  NodeId,
  PersistentState,
  Ready,
  Role,
} from './types.js';

/**
 * What an {@link ElectionMachine} starts from.
 *
 * @example
 * ```ts
 * import { ElectionMachine, type ElectionMachineInit } from '@baton/core';
 * const configuration = { term: 2, version: 1, voters: ['a', 'b', 'c'] };
 * const init: ElectionMachineInit = {
 *   id: 'a',
 *   options: { clusterId: 'jobs', voters: ['a', 'b', 'c'] },
 *   state: { term: 3, votedFor: 'b', configuration }, // as loaded from disk
 *   random: Math.random,
 *   now: performance.now(),
 * };
 * console.log(new ElectionMachine(init).term); // 3
 * ```
 */
export interface ElectionMachineInit {
  /** This node's id. */
  id: NodeId;
  /** The election options (checked; defaults filled in). */
  options: ElectionOptions;
  /**
   * The state loaded from stable storage, or `null`/absent on a node's very first start.
   * @default null
   */
  state?: PersistentState | null;
  /** Uniform random numbers in [0, 1); the only source of randomness (seed it for replayable runs). */
  random: () => number;
  /** The current time on this node's monotonic clock, in milliseconds. */
  now: number;
  /**
   * The term a node campaigns in when it has never seen one (term 0): the runtime passes the wall clock in
   * milliseconds, so that the terms (the fencing tokens) of a cluster formed again under the same id, after
   * every member of the old one was lost, start above the old cluster's: see the README's "Fencing tokens
   * across re-formation". A node that joins a running cluster takes its term from the leader instead.
   * @default 0 (the first term is 1)
   */
  termFloor?: number;
}

type Votes = Map<NodeId, boolean>;

/**
 * Raft's leader election as a pure, deterministic state machine: terms, persisted votes, pre-vote, leader
 * stickiness, check-quorum with a leader lease, leadership transfer, and a voter configuration the leader
 * changes one voter at a time (its autopilot, or `changeVoters`). There is no log: Baton elects a leader, it
 * does not replicate data.
 *
 * Inputs are method calls that carry the time (`receive`, `advance`, `transferLeadership`, `stepDown`,
 * `changeVoters`, `leave`); the output is collected with {@link ElectionMachine.ready}: state to persist, then
 * messages to send, then events. Call `advance(now)` no later than {@link ElectionMachine.nextDeadline}.
 *
 * @example
 * ```ts
 * import { ElectionMachine } from '@baton/core';
 * const machine = new ElectionMachine({
 *   id: 'a', options: { clusterId: 'jobs', voters: ['a'] }, random: Math.random, now: 0,
 * });
 * machine.advance(machine.nextDeadline()); // a single voter elects itself at its first timeout
 * const { persist, events } = machine.ready();
 * console.log(persist?.term, events.map((e) => e.type), machine.isLeader(machine.nextDeadline() - 1));
 * ```
 */
export class ElectionMachine {
  readonly id: NodeId;
  readonly options: ResolvedElectionOptions;
  /** Warnings about the options and the node's standing, to be logged once at start. */
  readonly warnings: readonly string[];

  private readonly random: () => number;
  /** The first term of a cluster formed by this node (see `ElectionMachineInit.termFloor`). */
  private readonly termFloor: number;
  private readonly counters = new MachineCounters();
  /** The other members this node knows of (reported connected, or added): voters and observers alike. */
  private readonly members = new Set<NodeId>();
  private readonly lastContact = new Map<NodeId, number>();

  private currentTerm: number;
  private vote: NodeId | null;
  private config: Configuration;
  private currentRole: Role;
  private knownLeader: NodeId | null = null;
  private now: number;
  /** Until then this node refuses vote and pre-vote requests that are not transfers (leader stickiness). */
  private stickyUntil: number;
  private electionDeadline: number;
  private votes: Votes = new Map();
  /** Set by `leave()`: this node is stopping; it never campaigns again and asks the leader to remove it. */
  private leaving = false;
  /** Since when, and last when, this node has heard a leader's heartbeats (gaps under electionTimeoutMin). */
  private heardSince: number | null = null;
  private lastHeard: number | null = null;

  // The leader's state, reset at every election won.
  private lease: LeaderLease | null = null;
  private membership: LeaderMembership | null = null;
  private readonly contact: MemberContact;
  private leaseAnnounced = false;
  private wonAt = 0;
  /** When this node sent its latest vote requests: the start of the lease its votes confirm. */
  private campaignStartedAt = 0;
  /**
   * The timeout drawn for the campaign (pre-vote or vote) in progress, until the runtime reports that its
   * requests left ({@link ElectionMachine.campaignSent}); `null` once reported, or when none is in progress.
   */
  private campaignTimeout: number | null = null;
  private nextHeartbeatAt = 0;
  /** When the leader's heartbeat round next includes the observers. */
  private nextObserverHeartbeatAt = 0;

  private persistPending = false;
  private outbox: ElectionMessage[] = [];
  /** The part of `outbox` that may leave before its batch's state is on disk (`Ready.early`). */
  private early: ElectionMessage[] = [];
  private events: ElectionEvent[] = [];

  constructor(init: ElectionMachineInit) {
    if (typeof init.id !== 'string' || init.id === '') {
      throw new InvalidOptionError('id', init.id, 'must be a non-empty string');
    }
    const { options, warnings } = resolveElectionOptions(init.options);
    this.id = init.id;
    this.options = options;
    this.random = init.random;
    this.termFloor = init.termFloor ?? 0;
    this.now = init.now;
    this.contact = new MemberContact(steadyGap(options));
    const notes = [...warnings];
    const state = init.state ?? null;
    if (state !== null) checkPersistentState(state);
    this.currentTerm = state?.term ?? 0;
    this.vote = state?.votedFor ?? null;
    this.config = state?.configuration ?? initialConfiguration([]);
    this.persistPending = state === null;
    if (this.config.version === 0 && options.voters.length > 0) {
      // The first configuration, from the `voters` option: every node given the same list forms the same one.
      this.config = initialConfiguration(options.voters);
      this.persistPending = true;
    } else if (options.voters.length > 0 && !sameVoters(options.voters, this.config.voters)) {
      notes.push(
        `the voters option [${options.voters.join(', ')}] differs from the persisted configuration ` +
          `${describeConfiguration(this.config)}: the persisted one is used (voters change through the leader)`,
      );
    }
    this.currentRole = this.isVoter(this.id) ? 'follower' : 'observer';
    if (this.currentRole === 'observer') {
      notes.push(
        this.config.voters.length === 0
          ? `node ${this.id} has no voter configuration yet: it runs as an observer until it learns one from the leader`
          : `node ${this.id} is not a voter of ${describeConfiguration(this.config)}: it runs as an observer`,
      );
    }
    this.warnings = notes;
    // A (re)started node may have acknowledged a leader just before it went down: it keeps the promise of
    // stickiness for a full minimum timeout after it starts (see lease.ts, step 1).
    this.stickyUntil = this.now + options.electionTimeoutMin;
    // The only voter needs nobody's vote, and no other node can lead: it campaigns at its first input.
    const alone = this.config.voters.length === 1 && this.currentRole === 'follower';
    this.electionDeadline = alone ? this.now : this.now + this.randomTimeout();
  }

  // ---------------------------------------------------------------- queries

  /** The current term: also the fencing token of this term's leader. */
  get term(): number {
    return this.currentTerm;
  }

  /** The candidate this node voted for in the current term. */
  get votedFor(): NodeId | null {
    return this.vote;
  }

  get role(): Role {
    return this.currentRole;
  }

  /** The leader this node knows of (itself once it holds a lease), or `null`. */
  get leader(): NodeId | null {
    return this.knownLeader;
  }

  /** The voter configuration this node holds. */
  get configuration(): Configuration {
    return this.config;
  }

  /** The members this node knows of that are not voters. */
  get observers(): readonly NodeId[] {
    return [...this.members].filter((id) => !this.isVoter(id)).sort();
  }

  /** Who votes, who observes, and (on the leader) the change in progress. */
  get membershipView(): Membership {
    return {
      voters: this.config.voters,
      observers: this.observers,
      version: this.config.version,
      term: this.config.term,
      change: this.currentRole === 'leader' ? (this.membership?.change ?? null) : null,
      leaving: this.leaving,
    };
  }

  /**
   * On the leader, whether its configuration is done (held by a majority of its voters in its term) and no
   * change is in progress: what `changeVoters` needs. `false` on every other node.
   */
  get configurationDone(): boolean {
    return this.currentRole === 'leader' && this.membership?.change === null && this.membership.done;
  }

  /**
   * Rule R3 of `membership.ts`, the term rule: a new leader re-stamps its configuration with its term, and
   * changes no voter until that configuration is done. Always `true`; it is protected, not private, so that
   * the simulator's tests can break it in a subclass and show that the invariants catch the broken protocol
   * (Ongaro's single-server change bug).
   */
  protected get termRule(): boolean {
    return true;
  }

  /** The state to keep on stable storage. */
  get persistentState(): PersistentState {
    return { term: this.currentTerm, votedFor: this.vote, configuration: this.config };
  }

  /**
   * Whether this node holds a valid lease at `now`: computed from the time given, never cached. A lease counts
   * from the moment it is announced (`became-leader`) until it lapses; a lapsed one never counts again in its
   * term.
   */
  isLeader(now: number): boolean {
    return this.currentRole === 'leader' && this.leaseAnnounced && this.lease?.validAt(now) === true;
  }

  /** End of the lease on this node's clock, or `null` when it holds none at `now`. */
  leaseEnd(now: number): number | null {
    return this.isLeader(now) && this.lease ? this.lease.leaseEnd : null;
  }

  /** The time at which `advance` must next be called. */
  nextDeadline(): number {
    if (this.currentRole === 'leader') return Math.min(this.nextHeartbeatAt, this.leaderDeadline());
    return this.electionDeadline;
  }

  /** Whether `ready()` has anything to hand out. */
  hasReady(): boolean {
    return this.persistPending || this.outbox.length > 0 || this.events.length > 0;
  }

  /**
   * Takes the output accumulated since the last call. Persist `persist` first, then send `messages`, then
   * publish `events`; the messages also listed in `early` (a campaign's vote requests) may be sent at once.
   */
  ready(): Ready {
    const ready: Ready = {
      persist: this.persistPending ? this.persistentState : null,
      messages: this.outbox,
      events: this.events,
      ...(this.early.length > 0 ? { early: this.early } : {}),
    };
    this.persistPending = false;
    this.outbox = [];
    this.events = [];
    this.early = [];
    return ready;
  }

  /** A snapshot for logs, health checks and dashboards. */
  inspect(now: number): InspectSnapshot {
    const at = Math.max(now, this.now);
    const lastContact: Record<NodeId, number | null> = {};
    for (const peer of new Set([...this.config.voters, ...this.members])) {
      if (peer === this.id) continue;
      const seen = this.lastContact.get(peer);
      lastContact[peer] = seen === undefined ? null : at - seen;
    }
    const leaseEnd = this.leaseEnd(at);
    return {
      id: this.id,
      clusterId: this.options.clusterId,
      role: this.currentRole,
      term: this.currentTerm,
      votedFor: this.vote,
      leader: this.knownLeader,
      isLeader: leaseEnd !== null,
      leaseRemaining: leaseEnd === null ? 0 : leaseEnd - at,
      membership: this.membershipView,
      lastContact,
      counters: this.counters.snapshot(),
    };
  }

  // ---------------------------------------------------------------- inputs

  /**
   * Adds a member this node knows of (a peer reported connected, or added by hand). A member that is not a
   * voter is an observer: the leader keeps it informed, and its autopilot may promote it.
   */
  addObserver(id: NodeId): void {
    if (id !== this.id) this.members.add(id);
  }

  /** Forgets a member (it disconnected); a voter stays a voter. */
  removeObserver(id: NodeId): void {
    this.members.delete(id);
    this.contact.forget(id);
  }

  /** Counts a message that a transport dropped before it reached the machine (bad frame, wrong cluster...). */
  countDropped(reason: DropReason): void {
    this.counters.drop(reason);
  }

  /** Handles the timers due at `now`: election timeout, heartbeat (and the autopilot), lease lapse. */
  advance(now: number): void {
    this.tick(now);
    if (this.currentRole === 'leader') {
      if (this.now >= this.nextHeartbeatAt) {
        this.runAutopilot();
        this.broadcastHeartbeat();
      }
      return;
    }
    if (this.now < this.electionDeadline) return;
    if (this.currentRole === 'observer' || this.leaving) {
      // An observer (or a voter that is leaving) never campaigns; after a timeout without heartbeats it
      // stops naming a leader.
      this.setLeader(null);
      this.electionDeadline = this.now + this.followTimeout();
      return;
    }
    this.startPreVote();
  }

  /** Handles one message addressed to this node. */
  receive(message: ElectionMessage, now: number): void {
    this.tick(now);
    this.counters.received();
    const reason = this.admit(message);
    if (reason !== null) {
      this.counters.drop(reason);
      return;
    }
    this.lastContact.set(message.from, this.now);
    if (message.type === 'heartbeat') this.learnConfiguration(message);
    if (!this.isVoter(message.from) && !this.fromNewerConfiguration(message)) {
      // A non-voter never campaigns or leads: only a member's acknowledgement means something (its contact,
      // the configuration it holds). Its term must not move a voter's, or a stale or misconfigured peer could
      // depose the leader over and over.
      if (message.type === 'heartbeat-response') this.handleMemberAck(message);
      else this.counters.drop('not-a-voter');
      return;
    }
    if (message.type === 'heartbeat' && message.term < this.currentTerm && this.currentRole === 'observer') {
      this.followAsObserver(message);
      return;
    }
    if (message.term > this.currentTerm && !this.handleHigherTerm(message)) return;
    if (message.term < this.currentTerm) {
      this.answerStale(message);
      return;
    }
    switch (message.type) {
      case 'pre-vote':
        this.handlePreVote(message.from, message.term, message.configuration);
        return;
      case 'vote':
        this.handleVote(message.from, message.configuration, message.transfer);
        return;
      case 'heartbeat':
        this.handleHeartbeat(message.from, message.round);
        return;
      case 'timeout-now':
        this.handleTimeoutNow();
        return;
      case 'pre-vote-response':
        this.handlePreVoteResponse(message.from, message.term, message.granted);
        return;
      case 'vote-response':
        this.handleVoteResponse(message.from, message.granted);
        return;
      case 'heartbeat-response':
        this.handleHeartbeatResponse(message);
        return;
    }
  }

  /**
   * Hands leadership to `to` (or, without it, to the follower that acknowledged the latest heartbeat round).
   * The lease is given up first; then the target is told to campaign at once, bypassing stickiness. This
   * node becomes a follower; if the target has not won within an election timeout, this node may campaign
   * again. Returns the target, or `null` when no voter is eligible (leadership is then kept).
   *
   * @throws NotLeaderError when this node does not hold a valid lease.
   * @throws InvalidTargetError when `to` is not another voter that acknowledged a heartbeat in this term.
   */
  transferLeadership(now: number, to?: NodeId): NodeId | null {
    this.tick(now);
    if (!this.isLeader(this.now) || this.lease === null) {
      throw new NotLeaderError('transferLeadership', this.knownLeader);
    }
    const lease = this.lease;
    let target: NodeId | null;
    if (to !== undefined) {
      if (to === this.id || !this.isVoter(to)) {
        throw new InvalidTargetError(
          'transferLeadership',
          to,
          `is not another voter [${this.config.voters.join(', ')}]`,
        );
      }
      if (lease.ackedRound(to) === 0) {
        throw new InvalidTargetError(
          'transferLeadership',
          to,
          `has not acknowledged a heartbeat in term ${this.currentTerm}`,
        );
      }
      target = to;
    } else {
      target = this.mostSuitableSuccessor(lease);
    }
    if (target === null) return null;
    lease.relinquish();
    this.becomeFollower(this.currentTerm, null, 'transfer');
    this.send({
      type: 'timeout-now',
      cluster: this.options.clusterId,
      from: this.id,
      to: target,
      term: this.currentTerm,
    });
    return target;
  }

  /**
   * Gives up leadership without naming a successor: the lease ends now, and this node waits a full extra
   * election timeout before it campaigns again, so that another voter is likely to win. Returns whether this
   * node was the leader.
   */
  stepDown(now: number): boolean {
    this.tick(now);
    if (this.currentRole !== 'leader') return false;
    this.becomeFollower(this.currentTerm, null, 'step-down');
    this.electionDeadline = this.now + this.options.electionTimeoutMax + this.randomTimeout();
    return true;
  }

  /**
   * The requests of this node's campaign in progress (pre-vote or vote) left at `sentAt`, read before they
   * were handed to the transport. A runtime whose saves take time sends a campaign's requests only once the
   * candidate's term and vote are on disk (see `Ready`): the campaign's timeout then counts from `sentAt`,
   * not from when it was decided, or a save longer than the timeout would end every campaign before its
   * answers came back. The lease the votes start counts from `sentAt` too (lease.ts, step 1: a round starts
   * no later than its messages are sent). Only the first report of a campaign counts; a report when no
   * campaign is in progress changes nothing. Optional: without it, both count from the decision, which is
   * earlier (a shorter lease, an earlier timeout), as a runtime whose saves are instant needs.
   */
  campaignSent(sentAt: number): void {
    this.tick(sentAt);
    const timeout = this.campaignTimeout;
    if (timeout === null || (this.currentRole !== 'candidate' && this.currentRole !== 'pre-candidate'))
      return;
    this.campaignTimeout = null;
    const at = Math.min(sentAt, this.now);
    this.electionDeadline = Math.max(this.electionDeadline, at + timeout);
    if (this.currentRole === 'candidate') this.campaignStartedAt = Math.max(this.campaignStartedAt, at);
  }

  /**
   * On the leader, adds or removes one voter (rules R3 and R4 of `membership.ts`): the new configuration is
   * installed at once and sent to every member; it is done once a majority of the new voters holds it
   * (`configurationDone`). With `expectedVersion`, the change is refused unless the current configuration has
   * that version (a compare-and-swap). Returns the new configuration.
   *
   * @throws NotLeaderError when this node does not hold a valid lease (naming the leader it knows).
   * @throws ConfigurationVersionError when `expectedVersion` is not the current version.
   * @throws MembershipChangeError when the change breaks a rule (`reason` says which).
   */
  changeVoters(
    now: number,
    change: { readonly add: NodeId } | { readonly remove: NodeId },
    expectedVersion?: number,
  ): Configuration {
    this.tick(now);
    const operation = 'add' in change ? 'addVoter' : 'removeVoter';
    const membership = this.membership;
    if (!this.isLeader(this.now) || membership === null)
      throw new NotLeaderError(operation, this.knownLeader);
    if ('add' in change && !this.inContact(change.add)) {
      throw new MembershipChangeError(
        operation,
        'not-in-contact',
        change.add,
        `${change.add} is not a member in contact with the leader (it must acknowledge heartbeats as an observer first)`,
      );
    }
    const result = checkChange(membership, this.currentTerm, change, expectedVersion, this.termRule);
    if (!('voters' in result)) {
      if (result.reason === 'version') {
        throw new ConfigurationVersionError(operation, result.expected, result.actual);
      }
      const node = 'node' in result ? result.node : null;
      throw new MembershipChangeError(
        operation,
        result.reason,
        node,
        refusalText(result.reason, node, this.config),
      );
    }
    this.install(result);
    this.broadcastHeartbeat(); // the new configuration travels at once, not at the next heartbeat
    return result;
  }

  /**
   * This node is stopping: it never campaigns again, and every acknowledgement it sends asks the leader to
   * replace and remove it (a leader must hand leadership over first). Idempotent.
   */
  leave(now: number): void {
    this.tick(now);
    this.leaving = true;
    if (this.currentRole === 'pre-candidate' || this.currentRole === 'candidate') {
      this.becomeFollower(this.currentTerm, null, 'step-down');
    }
  }

  /**
   * **Unsafe** recovery for a cluster that lost a majority of its voters for good: installs `voters` as this
   * node's configuration (one version newer), without a majority. Run it on every survivor with the same
   * list. If the lost voters ever come back with the old configuration, two leaders can be elected: use it
   * only when they are gone for good. Refused while this node hears from a leader.
   *
   * @throws LeaderPresentError when this node leads or heard from a leader within `electionTimeoutMin`.
   * @throws InvalidOptionError when `voters` is empty or lists an id twice.
   */
  forceVoters(now: number, voters: readonly NodeId[]): Configuration {
    this.tick(now);
    if (this.currentRole === 'leader' || this.now < this.stickyUntil) {
      throw new LeaderPresentError(
        'forceVoters',
        this.knownLeader ?? (this.currentRole === 'leader' ? this.id : null),
      );
    }
    const unique = [...new Set(voters)];
    if (
      voters.length === 0 ||
      unique.length !== voters.length ||
      unique.some((v) => typeof v !== 'string' || v === '')
    ) {
      throw new InvalidOptionError('voters', voters, 'must list distinct, non-empty node ids');
    }
    const forced: Configuration = {
      term: this.config.term,
      version: this.config.version + 1,
      voters: unique.sort(),
    };
    this.adopt(forced);
    return forced;
  }

  // ---------------------------------------------------------------- message handling

  private admit(message: ElectionMessage): DropReason | null {
    if (message.cluster !== this.options.clusterId) return 'wrong-cluster';
    if (message.to !== this.id) return 'misaddressed';
    // A term at the top of the safe integers would leave no next term (term + 1 must stay exact and storable).
    if (message.from === this.id || !Number.isSafeInteger(message.term + 1) || message.term < 0)
      return 'invalid';
    return null;
  }

  /**
   * A heartbeat carries its leader's configuration: one newer than this node's, sent with its voters and
   * naming the sender as a voter, is adopted before the heartbeat is handled (the acknowledgement leaves
   * only once it is saved). Whatever the heartbeat's term: moving forward in the order of configurations is
   * always allowed (rule R1), and a node whose term ran ahead (it campaigned while it was being removed) must
   * still learn that it is no longer a voter.
   */
  private learnConfiguration(heartbeat: Heartbeat): void {
    const carried = heartbeat.configuration;
    if (!('voters' in carried) || compareConfigurations(carried, this.config) <= 0) return;
    if (!carried.voters.includes(heartbeat.from)) {
      this.counters.drop('invalid');
      return;
    }
    this.adopt(carried);
  }

  /**
   * A candidate of a configuration newer than this node's: this node may not know it is a voter there (it
   * missed the change), yet the candidate needs its vote, or a change a crashed leader left half-known could
   * block every election. A stale or misconfigured peer never qualifies: its configuration is older.
   */
  private fromNewerConfiguration(message: ElectionMessage): boolean {
    return (
      (message.type === 'pre-vote' || message.type === 'vote') &&
      compareConfigurations(message.configuration, this.config) > 0
    );
  }

  /** Takes `next` as this node's configuration (newer, rule R1), and the role it gives this node. */
  private adopt(next: Configuration): void {
    const previous = this.config;
    this.config = { term: next.term, version: next.version, voters: [...next.voters].sort() };
    this.persistPending = true;
    if (!sameVoters(previous.voters, this.config.voters)) {
      this.events.push({ type: 'voters-changed', configuration: this.config, previous });
    }
    const voter = this.isVoter(this.id);
    if (voter && this.currentRole === 'observer')
      this.becomeFollower(this.currentTerm, this.knownLeader, 'higher-term');
    else if (!voter && this.currentRole !== 'observer')
      this.becomeFollower(this.currentTerm, this.knownLeader, 'step-down');
  }

  /**
   * An observer follows a leader whose term is below its own (it campaigned as a voter before it was removed):
   * an observer never votes, so it keeps its term and acknowledges the leader's, instead of refusing it and
   * never learning the cluster again. Should the heartbeat's configuration make it a voter, it answers as a
   * voter does: with its newer term, which makes the cluster elect again above it.
   */
  private followAsObserver(heartbeat: Heartbeat): void {
    if (compareConfigurations(heartbeat.configuration, this.config) < 0) {
      this.counters.drop('stale-term');
      return;
    }
    if (this.currentRole !== 'observer') {
      this.answerStale(heartbeat);
      return;
    }
    this.setLeader(heartbeat.from);
    this.electionDeadline = this.now + this.followTimeout();
    this.heardLeader();
    this.send(this.ack(heartbeat.from, heartbeat.term, heartbeat.round, true));
  }

  /**
   * Term handling shared by every role, before the role-specific step. Returns false when the message must
   * be ignored without adopting its term.
   */
  private handleHigherTerm(message: ElectionMessage): boolean {
    switch (message.type) {
      case 'pre-vote':
        return true; // a pre-vote never changes anybody's term
      case 'pre-vote-response':
        if (message.granted) return true; // echoes the proposed term
        break;
      case 'vote':
        if (!message.transfer && this.inLease()) {
          // Leader stickiness (thesis 4.2.3): a node that heard from a live leader ignores the disruption.
          this.counters.drop('leader-sticky');
          return false;
        }
        break;
      default:
        break;
    }
    const leader = message.type === 'heartbeat' || message.type === 'timeout-now' ? message.from : null;
    this.becomeFollower(message.term, leader, 'higher-term');
    return true;
  }

  private answerStale(message: ElectionMessage): void {
    this.counters.drop('stale-term');
    const reply = {
      cluster: this.options.clusterId,
      from: this.id,
      to: message.from,
      term: this.currentTerm,
    };
    switch (message.type) {
      case 'heartbeat':
      case 'timeout-now':
        // Tells a deposed leader about the newer term, so it steps down (check-quorum with pre-vote).
        this.send(
          this.ack(message.from, this.currentTerm, message.type === 'heartbeat' ? message.round : 0, false),
        );
        return;
      case 'pre-vote':
        this.send({ ...reply, type: 'pre-vote-response', granted: false });
        return;
      case 'vote':
        this.send({ ...reply, type: 'vote-response', granted: false });
        return;
      default:
        return;
    }
  }

  private handlePreVote(candidate: NodeId, proposedTerm: number, configuration: ConfigurationId): void {
    const reply = { cluster: this.options.clusterId, from: this.id, to: candidate };
    // A node answers whether or not it is a voter of its own configuration: a candidate asks only the voters
    // of its configuration, which may be newer than this node's (a voter just added that has not learnt it
    // yet must still be able to vote, or a change the old leader left half-done could block every election).
    // Its vote is persisted and given once per term like any other.
    const granted =
      proposedTerm > this.currentTerm &&
      compareConfigurations(configuration, this.config) >= 0 &&
      !this.inLease();
    if (!granted && this.inLease()) this.counters.drop('leader-sticky');
    if (granted && this.currentRole === 'follower') {
      // A campaign is under way: a follower whose own timeout falls while the candidate saves its vote and
      // sends its requests would split the vote. It waits at least a heartbeat interval (the time a message
      // and a save are expected to take) for the vote request, which resets its timer when it grants it; if
      // none comes, it campaigns itself. A pre-vote binds nothing else: no term, no vote, no stickiness.
      this.electionDeadline = Math.max(this.electionDeadline, this.now + this.options.heartbeatInterval);
    }
    this.send({
      ...reply,
      type: 'pre-vote-response',
      term: granted ? proposedTerm : this.currentTerm,
      granted,
    });
  }

  private handleVote(candidate: NodeId, configuration: ConfigurationId, transfer: boolean): void {
    const reply = { cluster: this.options.clusterId, from: this.id, to: candidate, term: this.currentTerm };
    // Granting again to the candidate already voted for in this term changes nothing (a duplicated request).
    const sticky = !transfer && this.inLease() && this.vote !== candidate;
    const granted =
      (this.vote === null || this.vote === candidate) &&
      compareConfigurations(configuration, this.config) >= 0 &&
      !sticky;
    if (sticky) this.counters.drop('leader-sticky');
    if (granted) {
      if (this.vote !== candidate) {
        this.vote = candidate;
        this.persistPending = true; // the vote must be on disk before this reply leaves
      }
      // A granted vote is a promise like an acknowledged heartbeat: no other vote (except a transfer's) for a
      // minimum timeout. It lets the votes themselves start the new leader's lease (lease.ts, step 1).
      this.stickyUntil = Math.max(this.stickyUntil, this.now + this.options.electionTimeoutMin);
      this.electionDeadline = this.now + this.randomTimeout();
    }
    this.send({ ...reply, type: 'vote-response', granted });
  }

  private handleHeartbeat(leader: NodeId, round: number): void {
    if (this.currentRole === 'leader') {
      // Two leaders in one term cannot happen while votes are persisted; refuse rather than follow.
      this.counters.drop('unexpected');
      return;
    }
    if (this.currentRole === 'pre-candidate' || this.currentRole === 'candidate') {
      this.becomeFollower(this.currentTerm, leader, 'higher-term');
    } else if (this.setLeader(leader) && this.currentRole === 'follower') {
      // A follower that learns a leader (its first, or a new one in the same term after it knew none).
      this.events.push({ type: 'became-follower', leader, term: this.currentTerm });
    }
    this.stickyUntil = this.now + this.options.electionTimeoutMin;
    this.electionDeadline = this.now + this.followTimeout();
    this.heardLeader();
    this.send(this.ack(leader, this.currentTerm, round, true));
  }

  private handleTimeoutNow(): void {
    if (this.currentRole !== 'follower' || this.leaving) {
      this.counters.drop('unexpected');
      return;
    }
    this.startElection(true);
  }

  private handlePreVoteResponse(from: NodeId, term: number, granted: boolean): void {
    if (this.currentRole !== 'pre-candidate' || (granted && term !== this.nextTerm())) {
      this.counters.drop('unexpected');
      return;
    }
    this.votes.set(from, granted);
    this.tallyPreVote(voteResult(this.config.voters, this.votes));
  }

  private handleVoteResponse(from: NodeId, granted: boolean): void {
    if (this.currentRole !== 'candidate') {
      this.counters.drop('unexpected');
      return;
    }
    this.votes.set(from, granted);
    this.tallyVote(voteResult(this.config.voters, this.votes));
  }

  private handleHeartbeatResponse(ack: HeartbeatResponse): void {
    if (this.currentRole !== 'leader' || this.lease === null || !ack.ok) {
      this.counters.drop('unexpected');
      return;
    }
    this.lease.acknowledge(ack.from, ack.round);
    this.noteMember(ack);
    this.announceLease();
  }

  /** An acknowledgement from a member that is not a voter: its contact and configuration, for the leader. */
  private handleMemberAck(ack: HeartbeatResponse): void {
    if (this.currentRole !== 'leader' || ack.term !== this.currentTerm || !ack.ok) return;
    this.lease?.acknowledge(ack.from, ack.round); // counts once it is promoted (its receipt made it sticky)
    this.noteMember(ack);
  }

  /** What a member's acknowledgement of this term tells the leader: contact, configuration held, leaving. */
  private noteMember(ack: HeartbeatResponse): void {
    const membership = this.membership;
    if (membership === null || this.lease === null) return;
    this.contact.acknowledged(ack.from, this.now, ack.leaving, ack.steady);
    membership.acknowledged(ack.from, ack.configuration);
    if (membership.settle()) this.lease.setVoterSets(membership.voterSets);
  }

  /** A heartbeat acknowledgement from this node: the configuration it holds, and whether it is leaving. */
  private ack(to: NodeId, term: number, round: number, ok: boolean): HeartbeatResponse {
    return {
      type: 'heartbeat-response',
      cluster: this.options.clusterId,
      from: this.id,
      to,
      term,
      round,
      ok,
      configuration: configurationId(this.config),
      leaving: this.leaving,
      steady: this.heardSince === null ? 0 : this.now - this.heardSince,
    };
  }

  /** A heartbeat of a leader arrived: how long this node has heard leaders without a gap (its `steady`). */
  private heardLeader(): void {
    if (this.lastHeard === null || this.now - this.lastHeard > steadyGap(this.options)) {
      this.heardSince = this.now;
    }
    this.lastHeard = this.now;
  }

  // ---------------------------------------------------------------- campaigns

  private startPreVote(): void {
    this.setRole('pre-candidate');
    this.setLeader(null);
    this.counters.preVoteStarted();
    this.votes = new Map([[this.id, true]]);
    this.campaignTimeout = this.randomTimeout();
    this.electionDeadline = this.now + this.campaignTimeout;
    for (const voter of this.otherVoters()) {
      this.send({
        type: 'pre-vote',
        cluster: this.options.clusterId,
        from: this.id,
        to: voter,
        term: this.nextTerm(),
        configuration: configurationId(this.config),
      });
    }
    this.tallyPreVote(voteResult(this.config.voters, this.votes));
  }

  private tallyPreVote(result: VoteResult): void {
    if (result === 'won') this.startElection(false);
    else if (result === 'lost') {
      this.counters.preVoteLost();
      this.becomeFollower(this.currentTerm, null, 'higher-term');
    }
  }

  private startElection(transfer: boolean): void {
    this.campaignStartedAt = this.now;
    this.setTerm(this.nextTerm());
    this.vote = this.id;
    this.persistPending = true;
    this.setRole('candidate');
    this.setLeader(null);
    this.counters.electionStarted();
    this.votes = new Map([[this.id, true]]);
    this.campaignTimeout = this.randomTimeout();
    this.electionDeadline = this.now + this.campaignTimeout;
    // The requests may leave before this term and vote are on disk (`Ready.early` says why that is safe);
    // what this node does once it wins leaves only after they are.
    for (const voter of this.otherVoters()) {
      const request: ElectionMessage = {
        type: 'vote',
        cluster: this.options.clusterId,
        from: this.id,
        to: voter,
        term: this.currentTerm,
        configuration: configurationId(this.config),
        transfer,
      };
      this.send(request);
      this.early.push(request);
    }
    this.tallyVote(voteResult(this.config.voters, this.votes));
  }

  private tallyVote(result: VoteResult): void {
    if (result === 'won') this.becomeLeader();
    else if (result === 'lost') {
      this.counters.electionLost();
      this.becomeFollower(this.currentTerm, null, 'higher-term');
    }
  }

  // ---------------------------------------------------------------- transitions

  private becomeLeader(): void {
    if (this.currentRole !== 'candidate') throw new InvalidTransitionError(this.currentRole, 'leader');
    this.counters.electionWon();
    this.setRole('leader');
    // Rule R3: the configuration takes this leader's term before anything may change (membership.ts).
    if (this.termRule) {
      this.config = { ...this.config, term: this.currentTerm };
      this.persistPending = true;
    }
    this.membership = new LeaderMembership(this.id, this.config);
    this.contact.clear();
    const lease = new LeaderLease(this.id, this.config.voters, this.options.leaseDuration);
    // The votes are the lease's first round, started when the vote requests went out.
    const votesRound = lease.startRound(this.campaignStartedAt);
    for (const [voter, granted] of this.votes) if (granted) lease.acknowledge(voter, votesRound);
    this.lease = lease;
    this.leaseAnnounced = false;
    this.wonAt = this.now;
    this.nextObserverHeartbeatAt = this.now; // observers learn the new leader at once
    this.broadcastHeartbeat();
  }

  /** Moves to follower (or observer) in `term`; ends a leadership for `reason` if this node led. */
  private becomeFollower(term: number, leader: NodeId | null, reason: LeadershipLostReason): void {
    if (this.currentRole === 'leader') {
      this.lease?.relinquish();
      if (this.leaseAnnounced) {
        this.events.push({ type: 'leadership-lost', term: this.currentTerm, at: this.now, reason });
      }
      this.lease = null;
      this.membership = null;
      this.leaseAnnounced = false;
    }
    if (term > this.currentTerm) this.setTerm(term);
    const role: Role = this.isVoter(this.id) ? 'follower' : 'observer';
    const roleChanged = this.currentRole !== role;
    this.setRole(role);
    const leaderChanged = this.setLeader(leader);
    if (role === 'follower' && (roleChanged || (leaderChanged && leader !== null))) {
      this.events.push({ type: 'became-follower', leader, term: this.currentTerm });
    }
    this.electionDeadline = this.now + this.followTimeout();
  }

  private broadcastHeartbeat(): void {
    const { lease, membership } = this;
    if (lease === null || membership === null) {
      throw new InvalidTransitionError(this.currentRole, 'leader', 'heartbeat without a lease');
    }
    const round = lease.startRound(this.now);
    this.nextHeartbeatAt = this.now + this.options.heartbeatInterval;
    const envelope = { cluster: this.options.clusterId, from: this.id, term: this.currentTerm, round };
    const full = this.config;
    const id = configurationId(full);
    // The voters of a change in progress too: the lease needs a majority of them, and a voter being removed
    // must learn that it is. Observers only every observerHeartbeatInterval (and at once in a new term or
    // after a change: see becomeLeader and install).
    const previous = membership.change?.previous ?? [];
    const observers = this.now >= this.nextObserverHeartbeatAt ? this.observers : [];
    if (observers.length > 0)
      this.nextObserverHeartbeatAt = this.now + this.options.observerHeartbeatInterval;
    for (const to of new Set([...this.otherVoters(), ...previous, ...observers])) {
      if (to === this.id) continue;
      // The voters travel only to members not known to hold this configuration yet.
      this.send({
        ...envelope,
        type: 'heartbeat',
        to,
        configuration: membership.holdsCurrent(to) ? id : full,
      });
    }
    this.announceLease();
  }

  /** Installs a new configuration on the leader (the change is checked already). */
  private install(next: Configuration): void {
    const { lease, membership } = this;
    if (lease === null || membership === null) throw new InvalidTransitionError(this.currentRole, 'leader');
    const previous = this.config;
    membership.install(next);
    this.config = next;
    this.persistPending = true;
    lease.setVoterSets(membership.voterSets);
    this.nextObserverHeartbeatAt = this.now; // the next round tells the observers of the change
    this.events.push({ type: 'voters-changed', configuration: next, previous });
  }

  /** The leader's autopilot: at most one change at a time, once its configuration is done (autopilot.ts). */
  private runAutopilot(): void {
    const autopilot = this.options.autopilot;
    const membership = this.membership;
    if (autopilot === null || membership === null || !this.isLeader(this.now) || !this.configurationDone)
      return;
    const since = this.wonAt;
    const decision = nextAutopilotChange(
      {
        now: this.now,
        leader: this.id,
        voters: this.config.voters,
        observers: this.observers,
        leaving: this.contact.leaving,
        lastContact: (id) => Math.max(this.lastContact.get(id) ?? since, since),
        steadySince: (id) => this.contact.steadySince(id, this.now),
        responsive: (id) => this.inContact(id),
      },
      autopilot,
    );
    if (decision === null) return;
    const change = decision.type === 'add' ? { add: decision.node } : { remove: decision.node };
    const next = checkChange(membership, this.currentTerm, change, undefined, this.termRule);
    if ('voters' in next) this.install(next);
  }

  /**
   * Emits became-leader the first time a majority confirms this node's leadership in its term. A lease that
   * only the votes confirmed (round 1), with less of it left than the votes took to come back, would most
   * likely lapse before the first heartbeat round is confirmed, and a lapse ends the leadership for the term:
   * such a leader waits for that round instead (it has until `wonAt + lease` to hear a majority), so the
   * application is not told it leads for a few milliseconds and the cluster does not need a new election.
   */
  private announceLease(): void {
    const lease = this.lease;
    if (this.leaseAnnounced || lease === null || !lease.validAt(this.now)) return;
    const votesOnly = lease.confirmedRound === 1;
    if (votesOnly && lease.leaseEnd - this.now < this.now - this.campaignStartedAt) return;
    this.leaseAnnounced = true;
    this.setLeader(this.id);
    this.events.push({ type: 'became-leader', term: this.currentTerm, at: this.now });
  }

  /**
   * When a leader must step down. Once its lease was announced (became-leader), at the end of that lease: a
   * lapsed lease is never revived by a late acknowledgement, because the runtime has told the application that
   * leadership ended and will not lead again in this term. Before that, a new leader whose votes' lease had
   * already run out when it won gets one lease duration from its win for a majority to confirm a heartbeat.
   */
  private leaderDeadline(): number {
    const lease = this.lease?.leaseEnd ?? Number.NEGATIVE_INFINITY;
    if (this.leaseAnnounced) return lease;
    return Math.max(lease, this.wonAt + this.options.leaseDuration);
  }

  /** The voter that acknowledged the latest round (the most recent contact on a tie), leaving voters last. */
  private mostSuitableSuccessor(lease: LeaderLease): NodeId | null {
    let best: NodeId | null = null;
    const rank = (voter: NodeId): [number, number, number] => [
      this.contact.leaving.has(voter) ? 0 : 1,
      lease.ackedRound(voter),
      this.lastContact.get(voter) ?? 0,
    ];
    for (const voter of this.otherVoters()) {
      if (lease.ackedRound(voter) === 0) continue;
      if (best === null || compareRanks(rank(voter), rank(best)) > 0) best = voter;
    }
    return best;
  }

  // ---------------------------------------------------------------- small helpers

  /**
   * Moves the clock forward. Every input passes here first, so a leader whose deadline has passed steps down
   * before it handles anything else: a late acknowledgement must not revive a lease that already lapsed (the
   * runtime has told the application it lost leadership by then).
   */
  private tick(now: number): void {
    if (Number.isFinite(now) && now > this.now) this.now = now;
    if (this.currentRole === 'leader' && this.now >= this.leaderDeadline()) {
      this.becomeFollower(this.currentTerm, null, 'lease-lapsed');
    }
  }

  /**
   * The term this node would campaign in. A node that has never seen a term (term 0: nothing persisted, no
   * message of a cluster) campaigns at the term floor, the wall clock in production: the first term of a
   * cluster formed from scratch is then above every term of an earlier cluster under the same id, whose
   * members were all lost, so fencing tokens keep growing. A node that joins an existing cluster hears its
   * leader first (it is sticky for `electionTimeoutMin` at start) and takes its term: no jump.
   */
  private nextTerm(): number {
    return this.currentTerm === 0 ? Math.max(1, this.termFloor) : this.currentTerm + 1;
  }

  private inLease(): boolean {
    return this.currentRole === 'leader' || this.now < this.stickyUntil;
  }

  /** Whether `id` was heard from within `electionTimeoutMax`: up, as far as this node can tell. */
  private inContact(id: NodeId): boolean {
    const seen = this.lastContact.get(id);
    const window = this.isVoter(id)
      ? this.options.electionTimeoutMax
      : this.options.electionTimeoutMax + this.options.observerHeartbeatInterval;
    return seen !== undefined && this.now - seen <= window;
  }

  /**
   * How long a follower waits for the next heartbeat before it campaigns; an observer, which hears the leader
   * only every observerHeartbeatInterval, waits two of those before it stops naming a leader.
   */
  private followTimeout(): number {
    const extra = this.currentRole === 'observer' ? 2 * this.options.observerHeartbeatInterval : 0;
    return extra + this.randomTimeout();
  }

  private isVoter(id: NodeId): boolean {
    return this.config.voters.includes(id);
  }

  private otherVoters(): NodeId[] {
    return this.config.voters.filter((voter) => voter !== this.id);
  }

  private randomTimeout(): number {
    const { electionTimeoutMin: min, electionTimeoutMax: max } = this.options;
    const r = this.random();
    const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1 - Number.EPSILON) : 0;
    return min + Math.floor(unit * (max - min));
  }

  private send(message: ElectionMessage): void {
    this.counters.sent();
    this.outbox.push(message);
  }

  private setTerm(term: number): void {
    if (term <= this.currentTerm) return;
    this.events.push({ type: 'term-changed', from: this.currentTerm, to: term });
    this.currentTerm = term;
    this.vote = null;
    this.persistPending = true;
  }

  private setRole(role: Role): void {
    if (role === this.currentRole) return;
    this.campaignTimeout = null; // a campaign ends with its role (a new one draws its own)
    this.events.push({ type: 'role-changed', from: this.currentRole, to: role, term: this.currentTerm });
    this.currentRole = role;
  }

  /** Records the leader this node knows; returns whether it changed (a `leader-changed` event then). */
  private setLeader(leader: NodeId | null): boolean {
    if (leader === this.knownLeader) return false;
    const previous = this.knownLeader;
    this.knownLeader = leader;
    this.events.push({ type: 'leader-changed', leader, previous, term: this.currentTerm });
    return true;
  }
}

/**
 * The longest gap between two heartbeats that still counts as steady contact: an observer hears the leader
 * every observerHeartbeatInterval, so one interval and a minimum election timeout of slack.
 */
function steadyGap(options: ResolvedElectionOptions): number {
  return options.observerHeartbeatInterval + options.electionTimeoutMin;
}

function sameVoters(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  const sorted = [...a].sort();
  return sorted.length === b.length && sorted.every((voter, i) => voter === b[i]);
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}

function refusalText(reason: string, node: NodeId | null, configuration: Configuration): string {
  switch (reason) {
    case 'in-progress':
      return 'a change of the voters is in progress (a majority of the new voters does not hold it yet); retry once it is done';
    case 'not-done':
      return `the leader's configuration ${describeConfiguration(configuration)} is not yet held by a majority in its term; retry shortly`;
    case 'already-voter':
      return `${node} is already a voter of ${describeConfiguration(configuration)}`;
    case 'not-a-voter':
      return `${node} is not a voter of ${describeConfiguration(configuration)}`;
    case 'leader':
      return `${node} is the leader: transferLeadership() first, then remove it from the new leader`;
    default:
      return `${node} is the last voter`;
  }
}
