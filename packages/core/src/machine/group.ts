import { InvalidTransitionError } from '../errors.js';
import { compareConfigurations, configurationId } from './configuration.js';
import type { MachineCounters } from './counters.js';
import { DEFAULT_GROUP } from './group-names.js';
import { LeaderLease } from './lease.js';
import type { ResolvedElectionOptions } from './options.js';
import { type VoteResult, voteResult } from './quorum.js';
import type {
  Configuration,
  ConfigurationId,
  ElectionEvent,
  ElectionMessage,
  Heartbeat,
  HeartbeatResponse,
  LeadershipLostReason,
  NodeId,
  Role,
} from './types.js';

/**
 * One election group on one node: its term (the fencing token of its leader), its vote, its role, its lease.
 *
 * A node hosts the default group (today's election, `DEFAULT_GROUP`) and any number of named ones. Every
 * group runs Raft's leader election on its own (terms, persisted votes, pre-vote, stickiness, the lease,
 * transfers), over the one voter configuration of the node (`GroupHost.configuration`), which only the
 * default group's leader changes. The rules and arguments of `lease.ts` hold per group with "term" read as
 * "the group's term"; what sharing one configuration among several elections needs on top is written in
 * `membership.ts` (rules G2-G5, "Election groups").
 *
 * The safety claims, for every group g, at every instant:
 * 1. at most one leader per term of g (one persisted vote per term of g, counted against one configuration);
 * 2. no two valid leases of g at one instant, and a lapsed lease never revives in its term (`lease.ts`);
 * 3. g's term and vote are on disk before any message of g that depends on them leaves (the host's one save);
 * 4. g's fencing tokens only grow.
 * Leases of different groups may be held by different nodes at once: that is the point of groups.
 *
 * Not exported from the package: `ElectionMachine` drives it.
 */
export class GroupElection {
  term: number;
  vote: NodeId | null;
  role: Role;
  leader: NodeId | null = null;
  /** Until then this node refuses vote and pre-vote requests of this group that are not transfers. */
  stickyUntil: number;
  electionDeadline: number;
  /** Whether this node asked for the group (it may campaign); a voter that did not ask takes part passively. */
  asked: boolean;

  private votes = new Map<NodeId, boolean>();
  // The leader's state, reset at every election won.
  lease: LeaderLease | null = null;
  leaseAnnounced = false;
  wonAt = 0;
  /** When this node sent its latest vote requests: the start of the lease its votes confirm. */
  campaignStartedAt = 0;
  /** The timeout drawn for the campaign in progress, until `campaignSent` reports its requests left. */
  campaignTimeout: number | null = null;
  nextHeartbeatAt = 0;
  /** On the leader of a named group: the voters whose latest acknowledgement said they asked for it. */
  readonly candidates = new Set<NodeId>();
  /** Of the candidates: those whose latest acknowledgement said they prefer to lead it. */
  readonly preferring = new Set<NodeId>();
  /** This node asked to be a preferred leader of the group (placement never moves the group away from it). */
  preferred = false;
  /** When this node last received a message of the group (or created or loaded its record). */
  heardAt: number;

  constructor(
    readonly name: string,
    private readonly host: GroupHost,
    state: { readonly term: number; readonly votedFor: NodeId | null },
    asked: boolean,
    stickyUntil: number,
    electionDeadline: number,
  ) {
    this.term = state.term;
    this.vote = state.votedFor;
    this.asked = asked;
    this.role = host.isVoter(host.id) ? 'follower' : 'observer';
    this.stickyUntil = stickyUntil;
    this.electionDeadline = electionDeadline;
    this.heardAt = host.now();
  }

  /**
   * When this record may be retired (rule G6; `Infinity`: not now): a named group this node does not ask
   * for, neither leads nor campaigns in, that sent it nothing for `idle` ms, past any promise of stickiness
   * its last acknowledgement made.
   */
  retireAt(idle: number): number {
    if (this.isDefault || this.asked || idle === 0) return Number.POSITIVE_INFINITY;
    if (this.role !== 'follower' && this.role !== 'observer') return Number.POSITIVE_INFINITY;
    return Math.max(this.heardAt + idle, this.stickyUntil);
  }

  get isDefault(): boolean {
    return this.name === DEFAULT_GROUP;
  }

  /** Whether this node holds a valid lease of the group at `now`. */
  isLeader(now: number): boolean {
    return this.role === 'leader' && this.leaseAnnounced && this.lease?.validAt(now) === true;
  }

  /** End of the group's lease on this node's clock, or `null` when it holds none at `now`. */
  leaseEnd(now: number): number | null {
    return this.isLeader(now) && this.lease ? this.lease.leaseEnd : null;
  }

  /** The time at which the host must next advance this group. */
  nextDeadline(): number {
    if (this.role === 'leader') return Math.min(this.nextHeartbeatAt, this.leaderDeadline());
    return this.electionDeadline;
  }

  /** Whether a campaign of this group may start (a voter that asked for it, not leaving). */
  get mayCampaign(): boolean {
    return this.asked && !this.host.leaving() && this.role !== 'observer';
  }

  /**
   * A leader whose deadline has passed steps down before anything else is handled: a late acknowledgement
   * must not revive a lease that already lapsed.
   */
  tick(now: number): void {
    if (this.role === 'leader' && now >= this.leaderDeadline()) {
      this.becomeFollower(this.term, null, 'lease-lapsed');
    }
  }

  /** The group's timers due at the host's `now`: heartbeat, or election timeout. */
  advance(): void {
    const now = this.host.now();
    if (this.role === 'leader') {
      if (now >= this.nextHeartbeatAt) {
        this.host.beforeHeartbeat(this);
        this.broadcastHeartbeat();
      }
      return;
    }
    if (now < this.electionDeadline) return;
    if (!this.mayCampaign) {
      // An observer, a leaving voter, or a voter that did not ask for the group never campaigns; after a
      // timeout without heartbeats it stops naming a leader.
      this.setLeader(null);
      this.electionDeadline = now + this.host.followTimeout(this.role);
      return;
    }
    this.startPreVote();
  }

  /** Handles one admitted message of this group (the host has checked cluster, addressee and term range). */
  receive(message: ElectionMessage): void {
    const host = this.host;
    this.heardAt = host.now();
    if (!host.isVoter(message.from) && !host.fromNewerConfiguration(message)) {
      // A non-voter never campaigns or leads: only a member's acknowledgement means something (its contact,
      // the configuration it holds). Its term must not move a voter's, or a stale or misconfigured peer could
      // depose the leader over and over.
      if (message.type === 'heartbeat-response') this.handleMemberAck(message);
      else host.counters.drop('not-a-voter');
      return;
    }
    if (message.type === 'heartbeat' && message.term < this.term && this.role === 'observer') {
      this.followAsObserver(message);
      return;
    }
    if (message.term > this.term && !this.handleHigherTerm(message)) return;
    if (message.term < this.term) {
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
        this.handleHeartbeat(message.from, message.round, message.quiet === true);
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
   * Hands the group's leadership to `target`: the lease is given up first, then the target is told to
   * campaign at once (the host has checked the target).
   */
  transferTo(target: NodeId): void {
    this.lease?.relinquish();
    this.becomeFollower(this.term, null, 'transfer');
    this.host.send(this, {
      type: 'timeout-now',
      cluster: this.host.options.clusterId,
      from: this.host.id,
      to: target,
      term: this.term,
    });
  }

  /** Gives up the group's leadership without a successor; returns whether this node led it. */
  stepDown(): boolean {
    if (this.role !== 'leader') return false;
    this.becomeFollower(this.term, null, 'step-down');
    this.electionDeadline =
      this.host.now() + this.host.options.electionTimeoutMax + this.host.randomTimeout();
    return true;
  }

  /** The requests of the group's campaign in progress left at `sentAt` (see `ElectionMachine.campaignSent`). */
  campaignSent(sentAt: number): void {
    const timeout = this.campaignTimeout;
    if (timeout === null || (this.role !== 'candidate' && this.role !== 'pre-candidate')) return;
    this.campaignTimeout = null;
    const at = Math.min(sentAt, this.host.now());
    this.electionDeadline = Math.max(this.electionDeadline, at + timeout);
    if (this.role === 'candidate') this.campaignStartedAt = Math.max(this.campaignStartedAt, at);
  }

  /** The node stopped being able to campaign (it is leaving, or adopted a new configuration: rule G2). */
  endCampaign(reason: LeadershipLostReason): void {
    if (this.role === 'pre-candidate' || this.role === 'candidate') {
      this.becomeFollower(this.term, null, reason);
    }
  }

  /** The host adopted a configuration: this node may have become a voter, or stopped being one. */
  configurationChanged(): void {
    const voter = this.host.isVoter(this.host.id);
    if (voter && this.role === 'observer') this.becomeFollower(this.term, this.leader, 'higher-term');
    else if (!voter && this.role !== 'observer') this.becomeFollower(this.term, this.leader, 'step-down');
    else if (!this.isDefault) this.endCampaign('higher-term'); // G2: a campaign runs under one configuration
  }

  /** Whether this node is within a promise of stickiness (or leads): it refuses non-transfer votes. */
  inLease(): boolean {
    return this.role === 'leader' || this.host.now() < this.stickyUntil;
  }

  /**
   * The term this node would campaign in. A node that has never seen a term of the default group campaigns
   * at the host's term floor (the wall clock in production, see `ElectionMachine.nextTerm`); a named group
   * campaigns above its term floor (rule G3 of `membership.ts`).
   */
  nextTerm(): number {
    if (!this.isDefault) return Math.max(this.term, this.host.groupTermFloor()) + 1;
    return this.term === 0 ? Math.max(1, this.host.termFloor) : this.term + 1;
  }

  // ---------------------------------------------------------------- message handling

  /**
   * An observer follows a leader whose term is below its own (it campaigned as a voter before it was removed):
   * an observer never votes, so it keeps its term and acknowledges the leader's, instead of refusing it and
   * never learning the cluster again. Should the heartbeat's configuration make it a voter, it answers as a
   * voter does: with its newer term, which makes the cluster elect again above it.
   */
  private followAsObserver(heartbeat: Heartbeat): void {
    if (compareConfigurations(heartbeat.configuration, this.host.configuration()) < 0) {
      this.host.counters.drop('stale-term');
      return;
    }
    if (this.role !== 'observer') {
      this.answerStale(heartbeat);
      return;
    }
    this.setLeader(heartbeat.from);
    this.electionDeadline = this.host.now() + this.host.followTimeout(this.role);
    this.host.heardLeader(this);
    this.host.send(this, this.host.ack(this, heartbeat.from, heartbeat.term, heartbeat.round, true));
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
          this.host.counters.drop('leader-sticky');
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
    this.host.counters.drop('stale-term');
    const reply = {
      cluster: this.host.options.clusterId,
      from: this.host.id,
      to: message.from,
      term: this.term,
    };
    switch (message.type) {
      case 'heartbeat':
      case 'timeout-now':
        // Tells a deposed leader about the newer term, so it steps down (check-quorum with pre-vote).
        this.host.send(
          this,
          this.host.ack(
            this,
            message.from,
            this.term,
            message.type === 'heartbeat' ? message.round : 0,
            false,
          ),
        );
        return;
      case 'pre-vote':
        this.host.send(this, { ...reply, type: 'pre-vote-response', granted: false });
        return;
      case 'vote':
        this.host.send(this, { ...reply, type: 'vote-response', granted: false });
        return;
      default:
        return;
    }
  }

  /**
   * Rule G3 of `membership.ts`: a named group neither campaigns nor votes at a term at or below its floor,
   * the highest term of any group the configuration's voters reported before the configuration was installed.
   */
  private belowFloor(term: number): boolean {
    return !this.isDefault && term <= this.host.groupTermFloor();
  }

  private handlePreVote(candidate: NodeId, proposedTerm: number, configuration: ConfigurationId): void {
    const host = this.host;
    const reply = { cluster: host.options.clusterId, from: host.id, to: candidate };
    // A node answers whether or not it is a voter of its own configuration: a candidate asks only the voters
    // of its configuration, which may be newer than this node's (a voter just added that has not learnt it
    // yet must still be able to vote, or a change the old leader left half-done could block every election).
    // Its vote is persisted and given once per term like any other.
    const granted =
      proposedTerm > this.term &&
      compareConfigurations(configuration, host.configuration()) >= 0 &&
      !this.inLease() &&
      !this.belowFloor(proposedTerm);
    if (!granted && this.inLease()) host.counters.drop('leader-sticky');
    if (granted && this.role === 'follower') {
      // A campaign is under way: a follower whose own timeout falls while the candidate saves its vote and
      // sends its requests would split the vote. It waits at least a heartbeat interval (the time a message
      // and a save are expected to take) for the vote request, which resets its timer when it grants it; if
      // none comes, it campaigns itself. A pre-vote binds nothing else: no term, no vote, no stickiness.
      this.electionDeadline = Math.max(this.electionDeadline, host.now() + host.options.heartbeatInterval);
    }
    host.send(this, {
      ...reply,
      type: 'pre-vote-response',
      term: granted ? proposedTerm : this.term,
      granted,
    });
  }

  private handleVote(candidate: NodeId, configuration: ConfigurationId, transfer: boolean): void {
    const host = this.host;
    const reply = { cluster: host.options.clusterId, from: host.id, to: candidate, term: this.term };
    // Granting again to the candidate already voted for in this term changes nothing (a duplicated request).
    const sticky = !transfer && this.inLease() && this.vote !== candidate;
    const granted =
      (this.vote === null || this.vote === candidate) &&
      compareConfigurations(configuration, host.configuration()) >= 0 &&
      !sticky &&
      !this.belowFloor(this.term);
    if (sticky) host.counters.drop('leader-sticky');
    if (granted) {
      if (this.vote !== candidate) {
        this.vote = candidate;
        host.persist(); // the vote must be on disk before this reply leaves
      }
      // A granted vote is a promise like an acknowledged heartbeat: no other vote (except a transfer's) for a
      // minimum timeout. It lets the votes themselves start the new leader's lease (lease.ts, step 1).
      this.stickyUntil = Math.max(this.stickyUntil, host.now() + host.options.electionTimeoutMin);
      this.electionDeadline = host.now() + host.randomTimeout();
    }
    host.send(this, { ...reply, type: 'vote-response', granted });
  }

  /**
   * Follows the leader's heartbeat and acknowledges it, unless it is quiet (the leader did not ask: see
   * `LeaderLease.quietFor`) and this node has nothing to tell it: a leaving node always answers, so the
   * leader learns at once that it is going.
   */
  private handleHeartbeat(leader: NodeId, round: number, quiet: boolean): void {
    const host = this.host;
    if (this.role === 'leader') {
      // Two leaders in one term cannot happen while votes are persisted; refuse rather than follow.
      host.counters.drop('unexpected');
      return;
    }
    if (this.role === 'pre-candidate' || this.role === 'candidate') {
      this.becomeFollower(this.term, leader, 'higher-term');
    } else if (this.setLeader(leader) && this.role === 'follower') {
      // A follower that learns a leader (its first, or a new one in the same term after it knew none).
      this.emit({ type: 'became-follower', leader, term: this.term });
    }
    this.stickyUntil = host.now() + host.options.electionTimeoutMin;
    this.electionDeadline = host.now() + host.followTimeout(this.role);
    host.heardLeader(this);
    if (!quiet || host.leaving()) host.send(this, host.ack(this, leader, this.term, round, true));
  }

  private handleTimeoutNow(): void {
    if (this.role !== 'follower' || !this.mayCampaign) {
      this.host.counters.drop('unexpected');
      return;
    }
    this.startElection(true);
  }

  private handlePreVoteResponse(from: NodeId, term: number, granted: boolean): void {
    if (this.role !== 'pre-candidate' || (granted && term !== this.nextTerm())) {
      this.host.counters.drop('unexpected');
      return;
    }
    this.votes.set(from, granted);
    this.tallyPreVote(voteResult(this.host.configuration().voters, this.votes));
  }

  private handleVoteResponse(from: NodeId, granted: boolean): void {
    if (this.role !== 'candidate') {
      this.host.counters.drop('unexpected');
      return;
    }
    this.votes.set(from, granted);
    this.tallyVote(voteResult(this.host.configuration().voters, this.votes));
  }

  private handleHeartbeatResponse(ack: HeartbeatResponse): void {
    if (this.role !== 'leader' || this.lease === null || !ack.ok) {
      this.host.counters.drop('unexpected');
      return;
    }
    if (!this.isDefault && !this.host.ackCounts(ack)) return;
    this.lease.acknowledge(ack.from, ack.round);
    if (ack.asked === true && !ack.leaving) this.candidates.add(ack.from);
    else this.candidates.delete(ack.from);
    if (ack.asked === true && ack.preferred === true && !ack.leaving) this.preferring.add(ack.from);
    else this.preferring.delete(ack.from);
    this.host.noteMember(this, ack);
    this.announceLease();
  }

  /** An acknowledgement from a member that is not a voter: its contact and configuration, for the leader. */
  private handleMemberAck(ack: HeartbeatResponse): void {
    if (this.role !== 'leader' || ack.term !== this.term || !ack.ok) return;
    if (!this.isDefault && !this.host.ackCounts(ack)) return;
    this.lease?.acknowledge(ack.from, ack.round); // counts once it is promoted (its receipt made it sticky)
    this.host.noteMember(this, ack);
  }

  // ---------------------------------------------------------------- campaigns

  private startPreVote(): void {
    const host = this.host;
    this.setRole('pre-candidate');
    this.setLeader(null);
    host.counters.preVoteStarted();
    this.votes = new Map([[host.id, true]]);
    this.campaignTimeout = host.randomTimeout();
    this.electionDeadline = host.now() + this.campaignTimeout;
    const configuration = configurationId(host.configuration());
    for (const voter of host.otherVoters()) {
      host.send(this, {
        type: 'pre-vote',
        cluster: host.options.clusterId,
        from: host.id,
        to: voter,
        term: this.nextTerm(),
        configuration,
      });
    }
    this.tallyPreVote(voteResult(host.configuration().voters, this.votes));
  }

  private tallyPreVote(result: VoteResult): void {
    if (result === 'won') this.startElection(false);
    else if (result === 'lost') {
      this.host.counters.preVoteLost();
      this.becomeFollower(this.term, null, 'higher-term');
    }
  }

  private startElection(transfer: boolean): void {
    const host = this.host;
    this.campaignStartedAt = host.now();
    this.setTerm(this.nextTerm());
    this.vote = host.id;
    host.persist();
    this.setRole('candidate');
    this.setLeader(null);
    host.counters.electionStarted();
    this.votes = new Map([[host.id, true]]);
    this.campaignTimeout = host.randomTimeout();
    this.electionDeadline = host.now() + this.campaignTimeout;
    // The requests may leave before this term and vote are on disk (`Ready.early` says why that is safe);
    // what this node does once it wins leaves only after they are.
    const configuration = configurationId(host.configuration());
    for (const voter of host.otherVoters()) {
      host.send(
        this,
        {
          type: 'vote',
          cluster: host.options.clusterId,
          from: host.id,
          to: voter,
          term: this.term,
          configuration,
          transfer,
        },
        true,
      );
    }
    this.tallyVote(voteResult(host.configuration().voters, this.votes));
  }

  private tallyVote(result: VoteResult): void {
    if (result === 'won') this.becomeLeader();
    else if (result === 'lost') {
      this.host.counters.electionLost();
      this.becomeFollower(this.term, null, 'higher-term');
    }
  }

  // ---------------------------------------------------------------- transitions

  private becomeLeader(): void {
    const host = this.host;
    if (this.role !== 'candidate') throw new InvalidTransitionError(this.role, 'leader');
    host.counters.electionWon();
    this.setRole('leader');
    const voters = host.beganLeading(this);
    this.candidates.clear();
    this.preferring.clear();
    const lease = new LeaderLease(host.id, voters, host.options.leaseDuration);
    // The votes are the lease's first round, started when the vote requests went out.
    const votesRound = lease.startRound(this.campaignStartedAt);
    for (const [voter, granted] of this.votes) if (granted) lease.acknowledge(voter, votesRound);
    this.lease = lease;
    this.leaseAnnounced = false;
    this.wonAt = host.now();
    this.broadcastHeartbeat();
  }

  /** Moves to follower (or observer) in `term`; ends a leadership for `reason` if this node led. */
  becomeFollower(term: number, leader: NodeId | null, reason: LeadershipLostReason): void {
    if (this.role === 'leader') {
      this.lease?.relinquish();
      if (this.leaseAnnounced) {
        this.emit({ type: 'leadership-lost', term: this.term, at: this.host.now(), reason });
      }
      this.lease = null;
      this.leaseAnnounced = false;
      this.host.endedLeading(this);
    }
    if (term > this.term) this.setTerm(term);
    const role: Role = this.host.isVoter(this.host.id) ? 'follower' : 'observer';
    const roleChanged = this.role !== role;
    this.setRole(role);
    const leaderChanged = this.setLeader(leader);
    if (role === 'follower' && (roleChanged || (leaderChanged && leader !== null))) {
      this.emit({ type: 'became-follower', leader, term: this.term });
    }
    this.electionDeadline = this.host.now() + this.host.followTimeout(role);
  }

  /** Starts a heartbeat round of this group's lease and sends it (the host picks the recipients). */
  broadcastHeartbeat(): void {
    const lease = this.lease;
    if (lease === null) throw new InvalidTransitionError(this.role, 'leader', 'heartbeat without a lease');
    const now = this.host.now();
    const round = lease.startRound(now);
    this.nextHeartbeatAt = this.host.heartbeatTick(now);
    this.host.heartbeat(this, round);
    this.announceLease();
  }

  /**
   * Emits became-leader the first time a majority confirms this node's leadership in its term. A lease that
   * only the votes confirmed (round 1), with less of it left than the votes took to come back, would most
   * likely lapse before the first heartbeat round is confirmed, and a lapse ends the leadership for the term:
   * such a leader waits for that round instead (it has until `wonAt + electionTimeoutMax` to hear a majority),
   * so the application is not told it leads for a few milliseconds and the cluster does not need a new election.
   */
  private announceLease(): void {
    const lease = this.lease;
    const now = this.host.now();
    if (this.leaseAnnounced || lease === null || !lease.validAt(now)) return;
    const votesOnly = lease.confirmedRound === 1;
    if (votesOnly && lease.leaseEnd - now < now - this.campaignStartedAt) return;
    this.leaseAnnounced = true;
    this.setLeader(this.host.id);
    this.emit({ type: 'became-leader', term: this.term, at: now });
  }

  /**
   * When a leader must step down. Once its lease was announced (became-leader), at the end of that lease: a
   * lapsed lease is never revived by a late acknowledgement, because the runtime has told the application that
   * leadership ended and will not lead again in this term. Before that, a new leader whose votes' lease had
   * already run out when it won gets `electionTimeoutMax` from its win for a majority to confirm a heartbeat
   * round (check-quorum's window): its first round leaves only once its re-stamped configuration is saved, and
   * each follower acknowledges it only once it saved that configuration too, two saves in a row that took
   * hundreds of milliseconds in a cluster whose processes all started at once. Safety does not depend on it:
   * nothing is announced before a majority confirms a round, and the lease counts from that round's start.
   */
  leaderDeadline(): number {
    const lease = this.lease?.leaseEnd ?? Number.NEGATIVE_INFINITY;
    if (this.leaseAnnounced) return lease;
    const { leaseDuration, electionTimeoutMax } = this.host.options;
    return Math.max(lease, this.wonAt + Math.max(leaseDuration, electionTimeoutMax));
  }

  // ---------------------------------------------------------------- small helpers

  private emit(event: ElectionEvent): void {
    this.host.emit(this, event);
  }

  private setTerm(term: number): void {
    if (term <= this.term) return;
    this.emit({ type: 'term-changed', from: this.term, to: term });
    this.term = term;
    this.vote = null;
    this.host.persist();
  }

  private setRole(role: Role): void {
    if (role === this.role) return;
    this.campaignTimeout = null; // a campaign ends with its role (a new one draws its own)
    this.emit({ type: 'role-changed', from: this.role, to: role, term: this.term });
    this.role = role;
  }

  /** Records the leader this node knows; returns whether it changed (a `leader-changed` event then). */
  setLeader(leader: NodeId | null): boolean {
    if (leader === this.leader) return false;
    const previous = this.leader;
    this.leader = leader;
    this.emit({ type: 'leader-changed', leader, previous, term: this.term });
    return true;
  }
}

/**
 * What a group needs from the node that hosts it (`ElectionMachine`): the node's clock, configuration and
 * counters, its output (every message and event is stamped with the group's name), and the hooks where the
 * default group does more than the others (the membership it leads, the observers it informs).
 */
export interface GroupHost {
  readonly id: NodeId;
  readonly options: ResolvedElectionOptions;
  readonly counters: MachineCounters;
  /** The first term of a cluster formed by this node (`ElectionMachineInit.termFloor`). */
  readonly termFloor: number;
  now(): number;
  configuration(): Configuration;
  /** Rule G3: named groups vote and campaign only above it. */
  groupTermFloor(): number;
  leaving(): boolean;
  isVoter(id: NodeId): boolean;
  otherVoters(): NodeId[];
  randomTimeout(): number;
  followTimeout(role: Role): number;
  fromNewerConfiguration(message: ElectionMessage): boolean;
  /** Queues a message of `group` (`early`: a campaign's vote request, which may leave before the save). */
  send(group: GroupElection, message: ElectionMessage, early?: boolean): void;
  emit(group: GroupElection, event: ElectionEvent): void;
  /** The node's state changed: it must be saved before the step's messages leave. */
  persist(): void;
  /** A heartbeat acknowledgement of `group` from this node (its configuration, whether it is leaving). */
  ack(group: GroupElection, to: NodeId, term: number, round: number, ok: boolean): HeartbeatResponse;
  heardLeader(group: GroupElection): void;
  /** Rule G4: whether a named group's leader may count this acknowledgement for its lease. */
  ackCounts(ack: HeartbeatResponse): boolean;
  /** A leader's acknowledgement from a member, for what the host keeps about members. */
  noteMember(group: GroupElection, ack: HeartbeatResponse): void;
  /** The group won an election: returns the voters its lease counts. */
  beganLeading(group: GroupElection): readonly NodeId[];
  endedLeading(group: GroupElection): void;
  /** Before a heartbeat round of `group` (the default group's autopilot runs here). */
  beforeHeartbeat(group: GroupElection): void;
  /**
   * The node's next heartbeat tick after a round started at `now`: one clock for every group the node leads,
   * so that their heartbeats to a peer leave in one step (and one write) per interval.
   */
  heartbeatTick(now: number): number;
  /** Sends `group`'s heartbeat of `round` to whom it concerns. */
  heartbeat(group: GroupElection, round: number): void;
}
