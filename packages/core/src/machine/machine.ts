import {
  ConfigurationConflictError,
  InvalidOptionError,
  InvalidTargetError,
  InvalidTransitionError,
  NotLeaderError,
} from '../errors.js';
import { MachineCounters } from './counters.js';
import { LeaderLease } from './lease.js';
import { type ElectionOptions, type ResolvedElectionOptions, resolveElectionOptions } from './options.js';
import { checkPersistentState, configFromOptions } from './persistent-state.js';
import { type VoteResult, voteResult } from './quorum.js';
import type {
  DropReason,
  ElectionEvent,
  ElectionMessage,
  InspectSnapshot,
  LeadershipLostReason,
  NodeId,
  PersistentState,
  Ready,
  Role,
  VoterConfig,
} from './types.js';

/**
 * What an {@link ElectionMachine} starts from.
 *
 * @example
 * ```ts
 * import { ElectionMachine, type ElectionMachineInit } from '@baton/core';
 * const init: ElectionMachineInit = {
 *   id: 'a',
 *   options: { clusterId: 'jobs', voters: ['a', 'b', 'c'] },
 *   state: { term: 3, votedFor: 'b', config: { version: 1, voters: ['a', 'b', 'c'] } }, // as loaded from disk
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
}

type Votes = Map<NodeId, boolean>;

/**
 * Raft's leader election as a pure, deterministic state machine: terms, persisted votes, pre-vote, leader
 * stickiness, check-quorum with a leader lease, and leadership transfer. There is no log: Baton elects a
 * leader, it does not replicate data.
 *
 * Inputs are method calls that carry the time (`receive`, `advance`, `transferLeadership`, `stepDown`); the
 * output is collected with {@link ElectionMachine.ready}: state to persist, then messages to send, then events.
 * Call `advance(now)` no later than {@link ElectionMachine.nextDeadline}.
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
  private readonly counters = new MachineCounters();
  private readonly observerSet = new Set<NodeId>();
  private readonly lastContact = new Map<NodeId, number>();

  private currentTerm: number;
  private vote: NodeId | null;
  private config: VoterConfig;
  private currentRole: Role;
  private knownLeader: NodeId | null = null;
  private now: number;
  /** Until then this node refuses vote and pre-vote requests that are not transfers (leader stickiness). */
  private stickyUntil: number;
  private electionDeadline: number;
  private votes: Votes = new Map();
  private lease: LeaderLease | null = null;
  private leaseAnnounced = false;
  private wonAt = 0;
  /** When this node sent its latest vote requests: the start of the lease its votes confirm. */
  private campaignStartedAt = 0;
  private nextHeartbeatAt = 0;

  private persistPending = false;
  private outbox: ElectionMessage[] = [];
  private events: ElectionEvent[] = [];

  constructor(init: ElectionMachineInit) {
    if (typeof init.id !== 'string' || init.id === '') {
      throw new InvalidOptionError('id', init.id, 'must be a non-empty string');
    }
    const { options, warnings } = resolveElectionOptions(init.options);
    this.id = init.id;
    this.options = options;
    this.random = init.random;
    this.now = init.now;
    const state = init.state ?? null;
    if (state !== null) {
      checkPersistentState(state);
      this.currentTerm = state.term;
      this.vote = state.votedFor;
      this.config = reconcileConfig(state.config, options.voters);
    } else {
      this.currentTerm = 0;
      this.vote = null;
      this.config = configFromOptions(options.voters);
      this.persistPending = true;
    }
    if (state !== null && state.config !== this.config) this.persistPending = true;
    this.currentRole = this.isVoter(this.id) ? 'follower' : 'observer';
    const notes = [...warnings];
    if (this.currentRole === 'observer') {
      notes.push(
        this.config.voters.length === 0
          ? `node ${this.id} has no voter configuration yet: it runs as an observer and cannot be elected`
          : `node ${this.id} is not in the voter list [${this.config.voters.join(', ')}]: it runs as an observer`,
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

  /** The voter configuration in force. */
  get voterConfig(): VoterConfig {
    return this.config;
  }

  /** The observers the leader sends heartbeats to. */
  get observers(): readonly NodeId[] {
    return [...this.observerSet].sort();
  }

  /** The state to keep on stable storage. */
  get persistentState(): PersistentState {
    return { term: this.currentTerm, votedFor: this.vote, config: this.config };
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
   * publish `events`.
   */
  ready(): Ready {
    const ready: Ready = {
      persist: this.persistPending ? this.persistentState : null,
      messages: this.outbox,
      events: this.events,
    };
    this.persistPending = false;
    this.outbox = [];
    this.events = [];
    return ready;
  }

  /** A snapshot for logs, health checks and dashboards. */
  inspect(now: number): InspectSnapshot {
    const at = Math.max(now, this.now);
    const lastContact: Record<NodeId, number | null> = {};
    for (const peer of [...this.config.voters, ...this.observerSet]) {
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
      voters: this.config.voters,
      configVersion: this.config.version,
      observers: this.observers,
      lastContact,
      counters: this.counters.snapshot(),
    };
  }

  // ---------------------------------------------------------------- inputs

  /** Adds a non-voting member that the leader keeps informed. Voters and this node are ignored. */
  addObserver(id: NodeId): void {
    if (id !== this.id && !this.isVoter(id)) this.observerSet.add(id);
  }

  /** Removes a non-voting member. */
  removeObserver(id: NodeId): void {
    this.observerSet.delete(id);
  }

  /** Counts a message that a transport dropped before it reached the machine (bad frame, wrong cluster...). */
  countDropped(reason: DropReason): void {
    this.counters.drop(reason);
  }

  /** Handles the timers due at `now`: election timeout, heartbeat, lease lapse. */
  advance(now: number): void {
    this.tick(now);
    if (this.currentRole === 'leader') {
      if (this.now >= this.nextHeartbeatAt) this.broadcastHeartbeat();
      return;
    }
    if (this.now < this.electionDeadline) return;
    if (this.currentRole === 'observer') {
      // An observer never campaigns; after a timeout without heartbeats it stops naming a leader.
      this.setLeader(null);
      this.electionDeadline = this.now + this.randomTimeout();
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
    if (!this.isVoter(message.from)) {
      // A non-voter never campaigns or leads: only an observer's acknowledgement means something (its last
      // contact, noted above). Its term must not move a voter's, or a stale or misconfigured peer could depose
      // the leader over and over.
      if (message.type !== 'heartbeat-response') this.counters.drop('not-a-voter');
      return;
    }
    if (message.term > this.currentTerm && !this.handleHigherTerm(message)) return;
    if (message.term < this.currentTerm) {
      this.answerStale(message);
      return;
    }
    switch (message.type) {
      case 'pre-vote':
        this.handlePreVote(message.from, message.term, message.configVersion);
        return;
      case 'vote':
        this.handleVote(message.from, message.configVersion, message.transfer);
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
        this.handleHeartbeatResponse(message.from, message.round, message.ok);
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
        this.send({
          ...reply,
          type: 'heartbeat-response',
          round: message.type === 'heartbeat' ? message.round : 0,
          ok: false,
        });
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

  private handlePreVote(candidate: NodeId, proposedTerm: number, configVersion: number): void {
    const reply = { cluster: this.options.clusterId, from: this.id, to: candidate };
    if (!this.isVoter(this.id)) {
      this.counters.drop('not-a-voter');
      this.send({ ...reply, type: 'pre-vote-response', term: this.currentTerm, granted: false });
      return;
    }
    const granted =
      proposedTerm > this.currentTerm && configVersion >= this.config.version && !this.inLease();
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

  private handleVote(candidate: NodeId, configVersion: number, transfer: boolean): void {
    const reply = { cluster: this.options.clusterId, from: this.id, to: candidate, term: this.currentTerm };
    if (!this.isVoter(this.id)) {
      this.counters.drop('not-a-voter');
      this.send({ ...reply, type: 'vote-response', granted: false });
      return;
    }
    // Granting again to the candidate already voted for in this term changes nothing (a duplicated request).
    const sticky = !transfer && this.inLease() && this.vote !== candidate;
    const granted =
      (this.vote === null || this.vote === candidate) && configVersion >= this.config.version && !sticky;
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
    this.electionDeadline = this.now + this.randomTimeout();
    this.send({
      type: 'heartbeat-response',
      cluster: this.options.clusterId,
      from: this.id,
      to: leader,
      term: this.currentTerm,
      round,
      ok: true,
    });
  }

  private handleTimeoutNow(): void {
    if (this.currentRole !== 'follower') {
      this.counters.drop('unexpected');
      return;
    }
    this.startElection(true);
  }

  private handlePreVoteResponse(from: NodeId, term: number, granted: boolean): void {
    if (this.currentRole !== 'pre-candidate' || (granted && term !== this.currentTerm + 1)) {
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

  private handleHeartbeatResponse(from: NodeId, round: number, ok: boolean): void {
    if (this.currentRole !== 'leader' || this.lease === null || !ok) {
      this.counters.drop('unexpected');
      return;
    }
    this.lease.acknowledge(from, round);
    this.announceLease();
  }

  // ---------------------------------------------------------------- campaigns

  private startPreVote(): void {
    this.setRole('pre-candidate');
    this.setLeader(null);
    this.counters.preVoteStarted();
    this.votes = new Map([[this.id, true]]);
    this.electionDeadline = this.now + this.randomTimeout();
    for (const voter of this.otherVoters()) {
      this.send({
        type: 'pre-vote',
        cluster: this.options.clusterId,
        from: this.id,
        to: voter,
        term: this.currentTerm + 1,
        configVersion: this.config.version,
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
    this.setTerm(this.currentTerm + 1);
    this.vote = this.id;
    this.persistPending = true;
    this.setRole('candidate');
    this.setLeader(null);
    this.counters.electionStarted();
    this.votes = new Map([[this.id, true]]);
    this.electionDeadline = this.now + this.randomTimeout();
    for (const voter of this.otherVoters()) {
      this.send({
        type: 'vote',
        cluster: this.options.clusterId,
        from: this.id,
        to: voter,
        term: this.currentTerm,
        configVersion: this.config.version,
        transfer,
      });
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
    if (this.currentRole !== 'candidate') {
      throw new InvalidTransitionError(this.currentRole, 'leader');
    }
    this.counters.electionWon();
    this.setRole('leader');
    const lease = new LeaderLease(this.id, this.config.voters, this.options.leaseDuration);
    // The votes are the lease's first round, started when the vote requests went out.
    const votesRound = lease.startRound(this.campaignStartedAt);
    for (const [voter, granted] of this.votes) if (granted) lease.acknowledge(voter, votesRound);
    this.lease = lease;
    this.leaseAnnounced = false;
    this.wonAt = this.now;
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
    this.electionDeadline = this.now + this.randomTimeout();
  }

  private broadcastHeartbeat(): void {
    if (this.lease === null)
      throw new InvalidTransitionError(this.currentRole, 'leader', 'heartbeat without a lease');
    const round = this.lease.startRound(this.now);
    this.nextHeartbeatAt = this.now + this.options.heartbeatInterval;
    const envelope = { cluster: this.options.clusterId, from: this.id, term: this.currentTerm, round };
    for (const to of this.otherVoters()) this.send({ ...envelope, type: 'heartbeat', to });
    for (const to of this.observerSet) this.send({ ...envelope, type: 'heartbeat', to });
    this.announceLease();
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

  private mostSuitableSuccessor(lease: LeaderLease): NodeId | null {
    let best: NodeId | null = null;
    for (const voter of this.otherVoters()) {
      const acked = lease.ackedRound(voter);
      if (acked === 0) continue;
      if (best === null) {
        best = voter;
        continue;
      }
      const bestAcked = lease.ackedRound(best);
      const fresher =
        acked > bestAcked ||
        (acked === bestAcked && (this.lastContact.get(voter) ?? 0) > (this.lastContact.get(best) ?? 0));
      if (fresher) best = voter;
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

  private inLease(): boolean {
    return this.currentRole === 'leader' || this.now < this.stickyUntil;
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
 * The persisted configuration wins over the options; a different non-empty voter list in the options is an
 * error, because two nodes that disagree on the voter set can each count a different majority.
 */
function reconcileConfig(persisted: VoterConfig, optionVoters: readonly NodeId[]): VoterConfig {
  if (persisted.version === 0 && optionVoters.length > 0) return configFromOptions(optionVoters);
  if (optionVoters.length === 0) return persisted;
  const same =
    persisted.voters.length === optionVoters.length &&
    persisted.voters.every((v, i) => v === optionVoters[i]);
  if (!same) {
    throw new ConfigurationConflictError(optionVoters, persisted.voters, persisted.version);
  }
  return persisted;
}
