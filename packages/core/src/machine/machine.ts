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
import { GroupElection, type GroupHost } from './group.js';
import { checkGroupName, DEFAULT_GROUP, isGroupName } from './group-names.js';
import { ASK_ALL_ROUNDS, type LeaderLease } from './lease.js';
import { MemberContact } from './member-contact.js';
import { checkChange, LeaderMembership } from './membership.js';
import { type ElectionOptions, type ResolvedElectionOptions, resolveElectionOptions } from './options.js';
import { checkPersistentState } from './persistent-state.js';
import type {
  Configuration,
  DropReason,
  ElectionEvent,
  ElectionMessage,
  GroupSnapshot,
  GroupState,
  Heartbeat,
  HeartbeatResponse,
  InspectSnapshot,
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
  /** When this node started: every group record is sticky until a minimum timeout after it (lease.ts, step 1). */
  private readonly startedAt: number;

  private config: Configuration;
  private now: number;
  /** The default group (today's election) and every other group this node takes part in, by name. */
  private readonly main: GroupElection;
  private readonly groups = new Map<string, GroupElection>();
  /** Set by `leave()`: this node is stopping; it never campaigns again and asks the leader to remove it. */
  private leaving = false;
  /** Since when, and last when, this node has heard a leader's heartbeats (gaps under electionTimeoutMin). */
  private heardSince: number | null = null;
  private lastHeard: number | null = null;

  // The default group's leader's state, reset at every election won.
  private membership: LeaderMembership | null = null;
  private readonly contact: MemberContact;
  /** When the leader's heartbeat round next includes the observers. */
  private nextObserverHeartbeatAt = 0;
  /** When the rounds of the named groups this node leads next include the observers, and when they last did. */
  private nextGroupObserverRoundAt = 0;
  private groupObserverRoundAt = Number.NEGATIVE_INFINITY;
  /** The heartbeat clock shared by every group this node leads (see `GroupHost.heartbeatTick`). */
  private heartbeatTickAt = Number.NEGATIVE_INFINITY;
  /** Until when every heartbeat round asks every voter (a round was late: `LeaderLease.quietFor`). */
  private askAllUntil = Number.NEGATIVE_INFINITY;
  /** When this node next considers handing one of the groups it leads to a less loaded voter. */
  private nextPlacementAt: number;
  /**
   * The highest term of every group record this node retired (rule G6, see `retireIdleGroups`): persisted,
   * and a floor of its votes and campaigns in every named group, as if it still held those records.
   */
  private retiredTermValue: number;

  private persistPending = false;
  private outbox: ElectionMessage[] = [];
  /** The part of `outbox` that may leave before its batch's state is on disk (`Ready.early`). */
  private early: ElectionMessage[] = [];
  private events: ElectionEvent[] = [];
  private readonly host: GroupHost;

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
    this.startedAt = init.now;
    this.nextPlacementAt = init.now + options.placementInterval;
    this.contact = new MemberContact(steadyGap(options));
    this.host = this.groupHost();
    const notes = [...warnings];
    const state = init.state ?? null;
    if (state !== null) checkPersistentState(state);
    this.retiredTermValue = state?.retiredTerm ?? 0;
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
    const voter = this.isVoter(this.id);
    if (!voter) {
      notes.push(
        this.config.voters.length === 0
          ? `node ${this.id} has no voter configuration yet: it runs as an observer until it learns one from the leader`
          : `node ${this.id} is not a voter of ${describeConfiguration(this.config)}: it runs as an observer`,
      );
    }
    this.warnings = notes;
    // A (re)started node may have acknowledged a leader just before it went down: it keeps the promise of
    // stickiness for a full minimum timeout after it starts (see lease.ts, step 1).
    const stickyUntil = this.now + options.electionTimeoutMin;
    // The only voter needs nobody's vote, and no other node can lead: it campaigns at its first input.
    const alone = this.config.voters.length === 1 && voter;
    const deadline = alone ? this.now : this.now + this.randomTimeout();
    this.main = new GroupElection(
      DEFAULT_GROUP,
      this.host,
      { term: state?.term ?? 0, votedFor: state?.votedFor ?? null },
      true,
      stickyUntil,
      deadline,
    );
    this.groups.set(DEFAULT_GROUP, this.main);
    for (const [name, record] of Object.entries(state?.groups ?? {})) {
      this.groups.set(
        name,
        new GroupElection(name, this.host, record, false, stickyUntil, this.now + this.randomTimeout()),
      );
    }
  }

  // ---------------------------------------------------------------- queries

  /** The current term of the default group: also the fencing token of this term's leader. */
  get term(): number {
    return this.main.term;
  }

  /** The candidate this node voted for in the default group's current term. */
  get votedFor(): NodeId | null {
    return this.main.vote;
  }

  /** This node's role in the default group. */
  get role(): Role {
    return this.main.role;
  }

  /** The leader of the default group this node knows of (itself once it holds a lease), or `null`. */
  get leader(): NodeId | null {
    return this.main.leader;
  }

  /**
   * The highest term of any election group record this node retired (rule G6; 0 when none): it votes and
   * campaigns in a named group only above it, and a record it creates starts there.
   */
  get retiredTerm(): number {
    return this.retiredTermValue;
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
      change: this.main.role === 'leader' ? (this.membership?.change ?? null) : null,
      leaving: this.leaving,
    };
  }

  /**
   * On the leader of the default group, whether its configuration is done (held by a majority of its voters
   * in its term, for at least `electionTimeoutMin`: rule G5) and no change is in progress: what
   * `changeVoters` needs. `false` on every other node.
   */
  get configurationDone(): boolean {
    return (
      this.main.role === 'leader' &&
      this.membership?.change === null &&
      this.membership.done &&
      (!this.groupRules.settle || this.membership.settled(this.now, this.options.electionTimeoutMin))
    );
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

  /**
   * The rules that let election groups share one configuration (`membership.ts`, "Election groups"): G3 the
   * group term floor, G4 acknowledgements not newer than the group leader's configuration, G5 the settle time
   * between changes. All `true`; protected so that the simulator's tests can break each in a subclass and
   * show that the invariants catch it.
   */
  protected get groupRules(): {
    readonly termFloor: boolean;
    readonly ackNotNewer: boolean;
    readonly settle: boolean;
    /** G6: a retired record's term is kept (`retiredTerm`) and floors the node's votes in every group. */
    readonly retiredFloor: boolean;
  } {
    return ALL_GROUP_RULES;
  }

  /**
   * Placement moves a group only to a voter that leads at least this many groups fewer (2). Protected so that
   * the simulator's tests can show that a gap of one makes groups move back and forth for ever.
   */
  protected get placementGap(): number {
    return 2;
  }

  /** The state to keep on stable storage. */
  get persistentState(): PersistentState {
    const state = {
      term: this.main.term,
      votedFor: this.main.vote,
      configuration: this.config,
      ...(this.retiredTerm > 0 ? { retiredTerm: this.retiredTerm } : {}),
    };
    if (this.groups.size === 1) return state;
    const groups: Record<string, GroupState> = {};
    for (const [name, group] of this.groups) {
      if (name !== DEFAULT_GROUP) groups[name] = { term: group.term, votedFor: group.vote };
    }
    return { ...state, groups };
  }

  /** The names of the election groups this node takes part in (asked for, or passive), the default first. */
  get groupNames(): readonly string[] {
    return [...this.groups.keys()];
  }

  /**
   * Whether this node holds a valid lease of `group` (default: the default group) at `now`: computed from
   * the time given, never cached. A lease counts from the moment it is announced (`became-leader`) until it
   * lapses; a lapsed one never counts again in its term.
   */
  isLeader(now: number, group: string = DEFAULT_GROUP): boolean {
    return this.groups.get(group)?.isLeader(now) === true;
  }

  /** End of `group`'s lease on this node's clock, or `null` when it holds none at `now`. */
  leaseEnd(now: number, group: string = DEFAULT_GROUP): number | null {
    return this.groups.get(group)?.leaseEnd(now) ?? null;
  }

  /** The time at which `advance` must next be called. */
  nextDeadline(): number {
    let deadline = Number.POSITIVE_INFINITY;
    const idle = this.options.groupIdleTimeout;
    for (const group of this.groups.values()) {
      deadline = Math.min(deadline, group.nextDeadline(), group.retireAt(idle));
    }
    if (this.leadsNamedGroup()) deadline = Math.min(deadline, this.nextPlacementAt);
    return deadline;
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
    const snapshot: InspectSnapshot = {
      id: this.id,
      clusterId: this.options.clusterId,
      role: this.main.role,
      term: this.main.term,
      votedFor: this.main.vote,
      leader: this.main.leader,
      isLeader: leaseEnd !== null,
      leaseRemaining: leaseEnd === null ? 0 : leaseEnd - at,
      membership: this.membershipView,
      lastContact,
      counters: this.counters.snapshot(),
    };
    if (this.groups.size === 1) return snapshot;
    const groups: Record<string, GroupSnapshot> = {};
    for (const [name, group] of this.groups) {
      if (name !== DEFAULT_GROUP) groups[name] = this.groupSnapshot(group, at);
    }
    return { ...snapshot, groups };
  }

  /**
   * One election group as this node sees it at `now` (default: the default group).
   *
   * @throws InvalidOptionError (option `group`) when this node takes no part in `group`.
   */
  group(name: string, now: number): GroupSnapshot {
    return this.groupSnapshot(this.groupNamed('group', name), Math.max(now, this.now));
  }

  // ---------------------------------------------------------------- inputs

  /**
   * This node asks for the election group `name`: it takes part in it and may campaign to lead it. Other
   * voters take part passively as soon as they hear of it (they vote and acknowledge, but never campaign
   * unless they ask too). A group's first campaign on this node comes after one election timeout at the
   * earliest. Idempotent; opening the default group changes nothing. `preferred`: this node prefers to lead
   * the group (placement hands it the group first, and never moves the group away from it); opening the
   * group again sets the preference anew.
   *
   * @throws InvalidOptionError (option `group`) when `name` is not a valid group name, or when the node takes
   *   part in 1024 groups already (the default one included).
   */
  openGroup(name: string, now: number, options: { readonly preferred?: boolean } = {}): void {
    checkGroupName('openGroup', name);
    this.tick(now);
    const existing = this.groups.get(name);
    if (existing !== undefined) {
      if (!existing.isDefault) existing.preferred = options.preferred === true;
      if (!existing.asked) {
        existing.asked = true;
        if (existing.role === 'follower' && existing.leader === null) {
          existing.electionDeadline = Math.max(existing.electionDeadline, this.now + this.randomTimeout());
        }
      }
      return;
    }
    if (this.groups.size >= MAX_GROUPS) {
      throw new InvalidOptionError(
        'group',
        name,
        `openGroup: a node takes part in at most ${MAX_GROUPS} groups`,
      );
    }
    this.createGroup(name, true).preferred = options.preferred === true;
  }

  /**
   * This node stops asking for the election group `name`: it hands the group's leadership to another voter
   * if it leads it (or steps down when none is eligible), and then takes part passively only (it still votes,
   * so the group keeps its majority). Returns whether it led the group. Closing the default group is refused.
   *
   * @throws InvalidOptionError (option `group`) when `name` is the default group or not a group of this node.
   */
  closeGroup(name: string, now: number): boolean {
    this.tick(now);
    if (name === DEFAULT_GROUP) {
      throw new InvalidOptionError('group', name, 'closeGroup: the default group cannot be closed');
    }
    const group = this.groupNamed('closeGroup', name);
    const led = group.role === 'leader';
    if (group.isLeader(this.now) && group.lease !== null) {
      const target = this.mostSuitableSuccessor(group, group.lease);
      if (target !== null) group.transferTo(target);
      else group.stepDown();
    } else if (led) group.stepDown();
    group.endCampaign('step-down');
    group.asked = false;
    group.preferred = false;
    return led;
  }

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

  /** Handles the timers due at `now`: election timeouts, heartbeats (and the autopilot), lease lapses. */
  advance(now: number): void {
    this.tick(now);
    for (const group of this.groups.values()) group.advance();
    if (this.placementDue()) this.runPlacement();
    this.retireIdleGroups();
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
    const group = this.groupOf(message);
    if (group === null) {
      // A named group's heartbeat reaches every observer, also one that did not ask for the group: ignored.
      if (message.type !== 'heartbeat' || message.group === undefined || this.isVoter(this.id))
        this.counters.drop('not-a-voter');
      return;
    }
    group.receive(message);
  }

  /**
   * Hands leadership of `group` (default: the default group) to `to` (or, without it, to the follower that
   * answered the last round that asked it and acknowledged the latest round: `mostSuitableSuccessor`). The
   * lease is given up first; then the target is told to campaign at once, bypassing stickiness. This node
   * becomes a follower; if the target has not won within an election timeout, this node may campaign again.
   * Returns the target, or `null` when no voter is eligible (leadership is then kept).
   *
   * @throws NotLeaderError when this node does not hold a valid lease of the group.
   * @throws InvalidTargetError when `to` is not another voter that acknowledged a heartbeat in this term (and,
   *   for a named group, said it asked for the group).
   * @throws InvalidOptionError (option `group`) when this node takes no part in `group`.
   */
  transferLeadership(now: number, to?: NodeId, group: string = DEFAULT_GROUP): NodeId | null {
    this.tick(now);
    const g = this.groupNamed('transferLeadership', group);
    if (!g.isLeader(this.now) || g.lease === null) {
      throw new NotLeaderError('transferLeadership', g.leader);
    }
    const lease = g.lease;
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
          `has not acknowledged a heartbeat in term ${g.term}`,
        );
      }
      if (!g.isDefault && !g.candidates.has(to)) {
        // A voter that did not ask for the group never campaigns in it: it would drop timeout-now.
        throw new InvalidTargetError(
          'transferLeadership',
          to,
          `has not asked for group ${g.name} (or not yet said so in a heartbeat acknowledgement of term ${g.term})`,
        );
      }
      target = to;
    } else {
      target = this.mostSuitableSuccessor(g, lease);
    }
    if (target === null) return null;
    g.transferTo(target);
    return target;
  }

  /**
   * Gives up leadership of `group` (default: the default group) without naming a successor: the lease ends
   * now, and this node waits a full extra election timeout before it campaigns again, so that another voter
   * is likely to win. Returns whether this node was the group's leader.
   */
  stepDown(now: number, group: string = DEFAULT_GROUP): boolean {
    this.tick(now);
    return this.groups.get(group)?.stepDown() === true;
  }

  /**
   * The requests of this node's campaigns in progress (pre-vote or vote, in any group) left at `sentAt`, read
   * before they were handed to the transport. A runtime whose saves take time sends a campaign's requests
   * only once the candidate's term and vote are on disk (see `Ready`): the campaign's timeout then counts
   * from `sentAt`, not from when it was decided, or a save longer than the timeout would end every campaign
   * before its answers came back. The lease the votes start counts from `sentAt` too (lease.ts, step 1: a
   * round starts no later than its messages are sent). Only the first report of a campaign counts; a report
   * when no campaign is in progress changes nothing. Optional: without it, both count from the decision,
   * which is earlier (a shorter lease, an earlier timeout), as a runtime whose saves are instant needs.
   */
  campaignSent(sentAt: number): void {
    this.tick(sentAt);
    for (const group of this.groups.values()) group.campaignSent(sentAt);
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
    if (!this.main.isLeader(this.now) || membership === null)
      throw new NotLeaderError(operation, this.main.leader);
    if ('add' in change && !this.inContact(change.add)) {
      throw new MembershipChangeError(
        operation,
        'not-in-contact',
        change.add,
        `${change.add} is not a member in contact with the leader (it must acknowledge heartbeats as an observer first)`,
      );
    }
    const result = this.checkChange(membership, change, expectedVersion);
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
    this.main.broadcastHeartbeat(); // the new configuration travels at once, not at the next heartbeat
    return result;
  }

  /**
   * This node is stopping: it never campaigns again, and every acknowledgement it sends asks the leader to
   * replace and remove it (a leader must hand leadership over first). Idempotent.
   */
  leave(now: number): void {
    this.tick(now);
    this.leaving = true;
    for (const group of this.groups.values()) group.endCampaign('step-down');
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
    if (this.main.role === 'leader' || this.now < this.main.stickyUntil) {
      throw new LeaderPresentError(
        'forceVoters',
        this.main.leader ?? (this.main.role === 'leader' ? this.id : null),
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
      ...this.config,
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
    if (message.group !== undefined && (message.group === DEFAULT_GROUP || !isGroupName(message.group)))
      return 'invalid';
    return null;
  }

  /**
   * The group a message belongs to. A voter takes part passively in a group it did not ask for from the
   * group's first message (it votes and acknowledges, so a group elects as soon as one voter asks for it); a
   * non-voter never does (`null`: dropped).
   */
  private groupOf(message: ElectionMessage): GroupElection | null {
    const name = message.group ?? DEFAULT_GROUP;
    const existing = this.groups.get(name);
    if (existing !== undefined) return existing;
    const fromVoter = this.isVoter(message.from) || this.fromNewerConfiguration(message);
    if (!this.isVoter(this.id) || !fromVoter) return null;
    // Every record is persisted: a member that sends ever new names must not grow the state without bound.
    if (this.groups.size >= MAX_GROUPS) return null;
    return this.createGroup(name, false);
  }

  /**
   * Rule G6: retires the records of named groups this node does not ask for, that it neither leads nor
   * campaigns in, that sent it nothing for `groupIdleTimeout`, past the stickiness of its last
   * acknowledgement (`GroupElection#retireAt`). The record is deleted and its term folded into
   * `retiredTerm`, in the same save.
   *
   * Why no guarantee is lost. Votes: this node votes and campaigns in any named group only above
   * `max(config.groupTermFloor, retiredTerm)` (the floor of G3, `groupTermFloor` in the host), and
   * `retiredTerm` is at least the term of every record it deleted, so it never votes again in a term in which
   * the deleted record may have voted: as if the record were kept with a vote in every term up to
   * `retiredTerm`. Its acknowledgements report `maxGroupTerm` at least `retiredTerm`, so the configuration's
   * floor still learns every term it voted in (the G3 argument in the design doc). Leases: an acknowledgement
   * promised not to vote for another leader before `stickyUntil`, which has passed. A re-created record
   * (a group's message after retirement, or `openGroup`) starts at term `retiredTerm` with no vote, which the
   * floor forbids in that term: its term never goes back, a candidate of a term it may have voted in is
   * refused with that term (and, adopting it, campaigns above: without this, a candidate that cannot know
   * this node's retired term would pre-vote below it for ever), and fencing tokens only grow (this node
   * can lead a group only above `retiredTerm`). Crash: deletion and the new `retiredTerm` are one state
   * write; before it lands, the record is still on disk. The simulator's story in
   * test/sim/groups-invariants.test.ts shows a second leader of a retired term once the rule is off.
   */
  private retireIdleGroups(): void {
    const idle = this.options.groupIdleTimeout;
    if (idle === 0 || this.groups.size === 1) return;
    for (const [name, group] of this.groups) {
      if (this.now < group.retireAt(idle)) continue;
      if (this.groupRules.retiredFloor) this.retiredTermValue = Math.max(this.retiredTermValue, group.term);
      this.groups.delete(name);
      this.persistPending = true;
    }
  }

  private createGroup(name: string, asked: boolean): GroupElection {
    // A record starts at the retired term (G6): a candidate that asks this node in a term it may have voted in
    // before a retirement is refused with that term, adopts it, and campaigns above it.
    const group = new GroupElection(
      name,
      this.host,
      { term: this.retiredTerm, votedFor: null },
      asked,
      this.startedAt + this.options.electionTimeoutMin,
      this.now + this.randomTimeout(),
    );
    this.groups.set(name, group);
    this.persistPending = true;
    return group;
  }

  private groupNamed(operation: string, name: string): GroupElection {
    const group = this.groups.get(name);
    if (group === undefined) {
      throw new InvalidOptionError('group', name, `${operation}: this node takes no part in the group`);
    }
    return group;
  }

  private groupSnapshot(group: GroupElection, at: number): GroupSnapshot {
    const leaseEnd = group.leaseEnd(at);
    return {
      name: group.name,
      asked: group.asked,
      preferred: group.preferred,
      role: group.role,
      term: group.term,
      votedFor: group.vote,
      leader: group.leader,
      isLeader: leaseEnd !== null,
      leaseRemaining: leaseEnd === null ? 0 : leaseEnd - at,
    };
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

  /**
   * Takes `next` as this node's configuration (newer, rule R1), and the role it gives this node in every
   * group. A campaign in progress in a group other than the default one ends (rule G2: a campaign is decided,
   * asked and counted under one configuration), and a leader of such a group counts only the rounds it starts
   * from now on, against the new voters (rule G4).
   */
  private adopt(next: Configuration): void {
    const previous = this.config;
    const floor = next.groupTermFloor ?? 0;
    this.config = {
      term: next.term,
      version: next.version,
      voters: [...next.voters].sort(),
      ...(floor > 0 ? { groupTermFloor: floor } : {}),
    };
    this.persistPending = true;
    if (!sameVoters(previous.voters, this.config.voters)) {
      this.events.push({ type: 'voters-changed', configuration: this.config, previous });
    }
    for (const group of this.groups.values()) this.configurationMoved(group);
  }

  /**
   * This node's configuration moved forward: `group`'s role follows it; in a group other than the default
   * one, a campaign in progress ends (rule G2) and a leader counts only rounds started from now on, against
   * the new voters (rule G4).
   */
  private configurationMoved(group: GroupElection): void {
    group.configurationChanged();
    if (!group.isDefault && group.lease !== null && this.groupRules.ackNotNewer) {
      group.lease.restartRounds(this.config.voters);
    }
  }

  /** A heartbeat acknowledgement from this node: the configuration it holds, and whether it is leaving. */
  private ack(group: GroupElection, to: NodeId, term: number, round: number, ok: boolean): HeartbeatResponse {
    const maxGroupTerm = this.maxGroupTerm();
    const asked = !group.isDefault && group.asked && !this.leaving;
    const preferred = asked && group.preferred;
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
      ...(maxGroupTerm > 0 ? { maxGroupTerm } : {}),
      ...(asked ? { asked } : {}),
      ...(preferred ? { preferred } : {}),
    };
  }

  /** The highest term of any group other than the default one on this node (rule G3; 0 with none). */
  private maxGroupTerm(): number {
    let max = this.groupRules.retiredFloor ? this.retiredTerm : 0;
    for (const group of this.groups.values()) if (!group.isDefault) max = Math.max(max, group.term);
    return max;
  }

  /** A heartbeat of the default group's leader arrived: how long this node has heard leaders without a gap. */
  private heardLeader(): void {
    if (this.lastHeard === null || this.now - this.lastHeard > steadyGap(this.options)) {
      this.heardSince = this.now;
    }
    this.lastHeard = this.now;
  }

  /** What a member's acknowledgement of this term tells the default group's leader. */
  private noteMember(ack: HeartbeatResponse): void {
    const membership = this.membership;
    const lease = this.main.lease;
    if (membership === null || lease === null) return;
    this.contact.acknowledged(ack.from, this.now, ack.leaving, ack.steady);
    membership.acknowledged(ack.from, ack.configuration, this.now, ack.maxGroupTerm ?? 0);
    if (membership.settle(this.now)) lease.setVoterSets(membership.voterSets);
  }

  /** The default group's heartbeat round: to the voters (of a change in progress too) and, when due, the observers. */
  private sendHeartbeats(group: GroupElection, round: number): void {
    const envelope = { cluster: this.options.clusterId, from: this.id, term: group.term, round };
    const full = this.config;
    const id = configurationId(full);
    if (!group.isDefault) {
      // Another group's heartbeat goes to the voters, and every observerHeartbeatInterval to the observers
      // too: an observer that asked for the group learns its leader (to route to it), though it never votes
      // or counts for the lease. One clock for all groups, so their rounds to an observer leave together.
      if (this.now >= this.nextGroupObserverRoundAt) {
        this.groupObserverRoundAt = this.now;
        this.nextGroupObserverRoundAt = this.now + this.options.observerHeartbeatInterval;
      }
      const observers = this.groupObserverRoundAt === this.now ? this.observers : [];
      const quiet = this.quietFor(group, round);
      for (const to of [...this.otherVoters(), ...observers]) {
        const heartbeat: Heartbeat = { ...envelope, type: 'heartbeat', to, configuration: id };
        this.host.send(group, quiet.has(to) ? { ...heartbeat, quiet: true } : heartbeat);
      }
      return;
    }
    const membership = this.membership;
    if (membership === null)
      throw new InvalidTransitionError(group.role, 'leader', 'heartbeat without a lease');
    // The voters of a change in progress too: the lease needs a majority of them, and a voter being removed
    // must learn that it is. Observers only every observerHeartbeatInterval (and at once in a new term or
    // after a change: see beganLeading and install).
    const previous = membership.change?.previous ?? [];
    const observers = this.now >= this.nextObserverHeartbeatAt ? this.observers : [];
    if (observers.length > 0)
      this.nextObserverHeartbeatAt = this.now + this.options.observerHeartbeatInterval;
    const quiet = this.quietFor(group, round);
    for (const to of new Set([...this.otherVoters(), ...previous, ...observers])) {
      if (to === this.id) continue;
      // The voters travel only to members not known to hold this configuration yet, and such a member is
      // always asked to acknowledge: its answer tells the leader it holds it.
      const holds = membership.holdsCurrent(to);
      const heartbeat: Heartbeat = { ...envelope, type: 'heartbeat', to, configuration: holds ? id : full };
      this.send(holds && quiet.has(to) ? { ...heartbeat, quiet: true } : heartbeat);
    }
  }

  /**
   * The voters that `group`'s heartbeat round `round` does not ask to acknowledge (`LeaderLease.quietFor`
   * argues why the lease stays safe). Protected so that the simulator's tests can show what a leader that
   * counted the voters it did not ask as acknowledging would break.
   */
  protected quietFor(group: GroupElection, round: number): ReadonlySet<NodeId> {
    const lease = group.lease;
    if (lease === null) return new Set();
    // One late round of any lease makes every round of this node ask every voter for a while (quietFor).
    if (lease.unconfirmedBefore(round)) {
      this.askAllUntil = this.now + ASK_ALL_ROUNDS * this.options.heartbeatInterval;
    }
    if (this.now < this.askAllUntil) {
      lease.askAll(round);
      return new Set();
    }
    return lease.quietFor(round, this.contact.leaving);
  }

  // ---------------------------------------------------------------- the default group's leadership

  /** The default group won: rule R3's re-stamp, the membership it leads, the observers told at once. */
  private beganLeading(group: GroupElection): readonly NodeId[] {
    if (!group.isDefault) return this.config.voters;
    // Rule R3: the configuration takes this leader's term before anything may change (membership.ts).
    if (this.termRule) {
      this.config = { ...this.config, term: group.term };
      this.persistPending = true;
    }
    this.membership = new LeaderMembership(this.id, this.config);
    this.contact.clear();
    this.nextObserverHeartbeatAt = this.now; // observers learn the new leader at once
    return this.config.voters;
  }

  /** Installs a new configuration on the leader (the change is checked already). */
  private install(next: Configuration): void {
    const lease = this.main.lease;
    const membership = this.membership;
    if (lease === null || membership === null) throw new InvalidTransitionError(this.main.role, 'leader');
    const previous = this.config;
    membership.install(next);
    this.config = next;
    this.persistPending = true;
    lease.setVoterSets(membership.voterSets);
    this.nextObserverHeartbeatAt = this.now; // the next round tells the observers of the change
    this.events.push({ type: 'voters-changed', configuration: next, previous });
    for (const group of this.groups.values()) if (!group.isDefault) this.configurationMoved(group);
  }

  /** Checks a change against rules R3, R4 and G5, with this leader's term and clock. */
  private checkChange(
    membership: LeaderMembership,
    change: { readonly add: NodeId } | { readonly remove: NodeId },
    expectedVersion?: number,
  ) {
    // G5 lengthens R3's "done": a machine that breaks R3 (in the simulator's tests) waits for neither.
    const settle =
      this.groupRules.settle && this.termRule
        ? { now: this.now, time: this.options.electionTimeoutMin }
        : null;
    membership.acknowledged(this.id, this.config, this.now, this.maxGroupTerm());
    return checkChange(membership, this.main.term, change, expectedVersion, this.termRule, settle);
  }

  /** The leader's autopilot: at most one change at a time, once its configuration is done (autopilot.ts). */
  private runAutopilot(): void {
    const autopilot = this.options.autopilot;
    const membership = this.membership;
    if (autopilot === null || membership === null || !this.main.isLeader(this.now) || !this.configurationDone)
      return;
    const since = this.main.wonAt;
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
    const next = this.checkChange(membership, change);
    if ('voters' in next) this.install(next);
  }

  private leadsNamedGroup(): boolean {
    if (this.options.placementInterval === 0 || this.groups.size === 1) return false;
    for (const group of this.groups.values()) if (!group.isDefault && group.role === 'leader') return true;
    return false;
  }

  private placementDue(): boolean {
    if (this.now < this.nextPlacementAt || this.options.placementInterval === 0) return false;
    this.nextPlacementAt = this.now + this.options.placementInterval;
    return this.leadsNamedGroup() && !this.leaving;
  }

  /**
   * Placement: leaders of the named groups spread evenly over the voters, with no coordinator. Every node
   * counts, for each voter, the named groups it knows that voter to lead. At most one move per node per
   * `placementInterval`, always by a leadership transfer (the lease is given up first, never two leaders),
   * always to a voter that asked for the group, acknowledged its current term and is not leaving:
   *
   * 1. Preference. A leader that does not prefer a group hands it to a voter that said it prefers it (the
   *    least loaded of them).
   * 2. Balance. Otherwise a leader hands a group it does not prefer to a voter that leads at least two groups
   *    fewer than this node. A group is never moved away from a leader that prefers it.
   *
   * Moves stop: a preference move adds one to the groups led by a voter that prefers them, and no move takes
   * one away; a balance move leaves that count and lowers the sum of the squared loads by at least 2. When
   * they stop, every group that a voter prefers (and that voter is reachable) is led by such a voter, and no
   * voter that could take a group leads two fewer than one that could give it. The default group is neither
   * counted nor moved (its leader changes the configuration; a transfer of it is `transferLeadership()`'s
   * business).
   */
  private runPlacement(): void {
    const loads = new Map<NodeId, number>();
    for (const voter of this.config.voters) loads.set(voter, 0);
    for (const group of this.groups.values()) {
      const leader = group.role === 'leader' ? this.id : group.leader;
      if (group.isDefault || leader === null || !loads.has(leader)) continue;
      loads.set(leader, (loads.get(leader) ?? 0) + 1);
    }
    const own = loads.get(this.id) ?? 0;
    const movable = [...this.groups.values()].filter(
      (group) => !group.isDefault && !group.preferred && group.lease !== null && group.isLeader(this.now),
    );
    const leastLoaded = (group: GroupElection, among: Iterable<NodeId>, maxLoad: number): NodeId | null => {
      let target: NodeId | null = null;
      for (const candidate of [...among].sort()) {
        const load = loads.get(candidate);
        if (load === undefined || load > maxLoad || group.lease?.ackedRound(candidate) === 0) continue;
        if (!group.candidates.has(candidate)) continue;
        if (target === null || load < (loads.get(target) as number)) target = candidate;
      }
      return target;
    };
    for (const group of movable) {
      const target = leastLoaded(group, group.preferring, Number.POSITIVE_INFINITY);
      if (target !== null) {
        group.transferTo(target);
        return;
      }
    }
    for (const group of movable) {
      const target = leastLoaded(group, group.candidates, own - this.placementGap);
      if (target !== null) {
        group.transferTo(target);
        return;
      }
    }
  }

  /**
   * The voter that answered the last round that asked it and acknowledged the latest round (the most recent
   * contact on a tie), leaving voters last: with quiet heartbeats (`LeaderLease.quietFor`) a voter that was
   * not asked lately has an older round than one that was, so whether it answered when asked comes first. For
   * a group other than the default one, only a voter that said it asked for the group: any other drops the
   * `timeout-now` (it never campaigns there), and the group would wait an election timeout for a leader.
   */
  private mostSuitableSuccessor(group: GroupElection, lease: LeaderLease): NodeId | null {
    let best: NodeId | null = null;
    const rank = (voter: NodeId): [number, number, number, number] => [
      this.contact.leaving.has(voter) ? 0 : 1,
      lease.answered(voter) ? 1 : 0,
      lease.ackedRound(voter),
      this.lastContact.get(voter) ?? 0,
    ];
    for (const voter of this.otherVoters()) {
      if (lease.ackedRound(voter) === 0 || (!group.isDefault && !group.candidates.has(voter))) continue;
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
    for (const group of this.groups.values()) group.tick(this.now);
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
  private followTimeout(role: Role): number {
    const extra = role === 'observer' ? 2 * this.options.observerHeartbeatInterval : 0;
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

  /** What the groups see of this node (see `GroupHost`). */
  private groupHost(): GroupHost {
    const stamp = <T extends object>(group: GroupElection, value: T): T =>
      group.isDefault ? value : { ...value, group: group.name };
    return {
      id: this.id,
      options: this.options,
      counters: this.counters,
      termFloor: this.termFloor,
      now: () => this.now,
      configuration: () => this.config,
      groupTermFloor: () =>
        Math.max(
          this.groupRules.termFloor ? (this.config.groupTermFloor ?? 0) : 0,
          this.groupRules.retiredFloor ? this.retiredTerm : 0,
        ),
      leaving: () => this.leaving,
      isVoter: (id) => this.isVoter(id),
      otherVoters: () => this.otherVoters(),
      randomTimeout: () => this.randomTimeout(),
      followTimeout: (role) => this.followTimeout(role),
      fromNewerConfiguration: (message) => this.fromNewerConfiguration(message),
      send: (group, message, early = false) => {
        const stamped = stamp(group, message);
        this.send(stamped);
        if (early) this.early.push(stamped);
      },
      emit: (group, event) => {
        this.events.push(stamp(group, event));
      },
      persist: () => {
        this.persistPending = true;
      },
      ack: (group, to, term, round, ok) => this.ack(group, to, term, round, ok),
      heardLeader: (group) => {
        if (group.isDefault) this.heardLeader();
      },
      ackCounts: (ack) =>
        !this.groupRules.ackNotNewer || compareConfigurations(ack.configuration, this.config) <= 0,
      noteMember: (group, ack) => {
        if (group.isDefault) this.noteMember(ack);
      },
      beganLeading: (group) => this.beganLeading(group),
      endedLeading: (group) => {
        if (group.isDefault) this.membership = null;
      },
      beforeHeartbeat: (group) => {
        if (group.isDefault) this.runAutopilot();
      },
      heartbeat: (group, round) => this.sendHeartbeats(group, round),
      heartbeatTick: (now) => {
        // A round at the tick (or a first round of a new leader, or an extra one after a change) keeps the
        // shared clock; the clock moves on only once it is due.
        if (this.heartbeatTickAt <= now) this.heartbeatTickAt = now + this.options.heartbeatInterval;
        return this.heartbeatTickAt;
      },
    };
  }
}

/**
 * The most election groups a node takes part in (the default one included): every record is persisted, so a
 * member that sends ever new group names must not grow the state without bound. Messages of a new group
 * beyond it are dropped (counted as `not-a-voter`); `openGroup` throws.
 */
const MAX_GROUPS = 1_024;

const ALL_GROUP_RULES = Object.freeze({
  termFloor: true,
  ackNotNewer: true,
  settle: true,
  retiredFloor: true,
});

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
    case 'settling':
      return `the leader's configuration ${describeConfiguration(configuration)} became done less than electionTimeoutMin ago (changes are spaced so that no election group's lease spans two of them); retry shortly`;
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
