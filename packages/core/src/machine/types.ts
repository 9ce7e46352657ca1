/**
 * The data the election state machine consumes and produces. Everything here is plain,
 * serialisable data: the machine never touches a clock, a socket, a disk or a random source.
 */

/**
 * A node's identity in the election (with libp2p, its peer id).
 *
 * @example
 * ```ts
 * import type { NodeId } from '@baton/core';
 * const voters: NodeId[] = ['node-a', 'node-b', 'node-c'];
 * ```
 */
export type NodeId = string;

/**
 * The role a node plays in the election. An observer follows a leader but never votes or campaigns.
 *
 * @example
 * ```ts
 * import { ElectionMachine, type Role } from '@baton/core';
 * const options = { clusterId: 'jobs', voters: ['a', 'b', 'c'] };
 * const role: Role = new ElectionMachine({ id: 'd', options, random: Math.random, now: 0 }).role;
 * console.log(role); // 'observer': 'd' is not a voter
 * ```
 */
export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader' | 'observer';

/**
 * The identity of a voter configuration: the term of the leader that installed it and its version. Ordered
 * by `term`, then `version` (see `compareConfigurations`); most messages carry only this.
 *
 * @example
 * ```ts
 * import type { ConfigurationId } from '@baton/core';
 * const id: ConfigurationId = { term: 7, version: 3 };
 * ```
 */
export interface ConfigurationId {
  /** The term of the leader that installed (or, as a new leader, re-stamped) this configuration; 0 at formation. */
  readonly term: number;
  /** Grows by one with every change of the voter set; `0` means "no voters known yet". */
  readonly version: number;
}

/**
 * The voter configuration: which nodes vote, identified by `(term, version)`. It is persisted with the term
 * and the vote, compared at every vote and pre-vote (a node votes only for a candidate whose configuration
 * is at least as new as its own), and changed by the leader one voter at a time.
 *
 * @example
 * ```ts
 * import { ElectionMachine, type Configuration } from '@baton/core';
 * const options = { clusterId: 'jobs', voters: ['c', 'a', 'b'] };
 * const configuration: Configuration = new ElectionMachine({ id: 'a', options, random: Math.random, now: 0 })
 *   .configuration;
 * console.log(configuration); // { term: 0, version: 1, voters: ['a', 'b', 'c'] }
 * ```
 */
export interface Configuration extends ConfigurationId {
  /** The ids of the voting members, sorted, without duplicates. */
  readonly voters: readonly NodeId[];
  /**
   * Election groups other than the default one vote and campaign only in terms above this floor (rule G3 of
   * `membership.ts`): the highest group term the voters reported to the leader that installed this
   * configuration. Not part of the configuration's id. Absent: 0.
   */
  readonly groupTermFloor?: number;
}

/**
 * What a node must have on stable storage before it sends any message produced after the state changed.
 * Losing it (or rolling it back) lets a node vote twice in one term, which can elect two leaders.
 *
 * @example
 * ```ts
 * import { MemoryStateStore, type PersistentState } from '@baton/core';
 * const configuration = { term: 0, version: 1, voters: ['a', 'b', 'c'] };
 * const state: PersistentState = { term: 4, votedFor: 'b', configuration };
 * const store = new MemoryStateStore();
 * await store.open();
 * await store.save(state); // before any message that depends on it is sent
 * ```
 */
export interface PersistentState {
  /** The latest term this node has seen. Never decreases. Also the fencing token of that term's leader. */
  readonly term: number;
  /** The candidate this node voted for in `term`, or `null`. Set at most once per term. */
  readonly votedFor: NodeId | null;
  /** The voter configuration, saved atomically with term and vote. */
  readonly configuration: Configuration;
  /**
   * The term and vote of every election group other than the default one that this node takes part in, by
   * group name, saved atomically with the rest. Absent: none.
   */
  readonly groups?: Readonly<Record<string, GroupState>>;
  /**
   * The highest term of any election group record this node retired (deleted after `groupIdleTimeout`
   * without a message of the group, see rule G6 of the election groups' design): it votes and campaigns in a
   * group only above it, as if it still held every retired record. Absent: 0.
   */
  readonly retiredTerm?: number;
}

/**
 * The persisted part of one election group other than the default one: its term (also the fencing token of
 * that term's leader) and this node's vote in it.
 *
 * @example
 * ```ts
 * import type { GroupState, PersistentState } from '@baton/core';
 * const billing: GroupState = { term: 19, votedFor: 'c' };
 * const configuration = { term: 4, version: 1, voters: ['a', 'b', 'c'] };
 * const state: PersistentState = { term: 4, votedFor: 'a', configuration, groups: { billing } };
 * console.log(state.groups?.billing?.term); // 19
 * ```
 */
export interface GroupState {
  /** The latest term of the group this node has seen. Never decreases. */
  readonly term: number;
  /** The candidate this node voted for in `term` of the group, or `null`. */
  readonly votedFor: NodeId | null;
}

/**
 * Fields every election message carries.
 *
 * @example
 * ```ts
 * import type { ElectionMessage, MessageEnvelope } from '@baton/core';
 * const route = (m: MessageEnvelope) => `${m.cluster}: ${m.from} -> ${m.to}, term ${m.term}`;
 * const message: ElectionMessage = { type: 'timeout-now', cluster: 'jobs', from: 'a', to: 'b', term: 3 };
 * console.log(route(message)); // 'jobs: a -> b, term 3'
 * ```
 */
export interface MessageEnvelope {
  /** The cluster the message belongs to; a node drops messages for any other cluster. */
  readonly cluster: string;
  readonly from: NodeId;
  readonly to: NodeId;
  /** The sender's term (for a pre-vote request: the term the sender would campaign in). */
  readonly term: number;
  /**
   * The election group the message belongs to; absent for the default group (`DEFAULT_GROUP`). The term is
   * that group's.
   */
  readonly group?: string;
}

/**
 * Pre-vote request (Raft thesis 9.6): "would you vote for me in `term`?" Changes nobody's term.
 *
 * @example
 * ```ts
 * import { ElectionMachine, type PreVoteRequest } from '@baton/core';
 * const options = { clusterId: 'jobs', voters: ['a', 'b', 'c'] };
 * const b = new ElectionMachine({ id: 'b', options, random: Math.random, now: 0 });
 * const request: PreVoteRequest = {
 *   type: 'pre-vote', cluster: 'jobs', from: 'a', to: 'b', term: 1, configuration: { term: 0, version: 1 },
 * };
 * b.receive(request, 1_000); // past b's stickiness: it would vote
 * console.log(b.ready().messages[0]); // { type: 'pre-vote-response', granted: true, term: 1, ... }
 * ```
 */
export interface PreVoteRequest extends MessageEnvelope {
  readonly type: 'pre-vote';
  /** The candidate's configuration: a voter holding a newer one refuses. */
  readonly configuration: ConfigurationId;
}

/**
 * Answer to a pre-vote. When granted, `term` echoes the request's term; when refused, it is the responder's.
 *
 * @example
 * ```ts
 * import type { ElectionMessage } from '@baton/core';
 * const onMessage = (message: ElectionMessage) => {
 *   if (message.type === 'pre-vote-response' && message.granted) console.log(`${message.from} would vote`);
 * };
 * onMessage({ type: 'pre-vote-response', cluster: 'jobs', from: 'b', to: 'a', term: 1, granted: true });
 * ```
 */
export interface PreVoteResponse extends MessageEnvelope {
  readonly type: 'pre-vote-response';
  readonly granted: boolean;
}

/**
 * Vote request of a candidate in `term`.
 *
 * @example
 * ```ts
 * import { ElectionMachine, type VoteRequest } from '@baton/core';
 * const options = { clusterId: 'jobs', voters: ['a', 'b', 'c'] };
 * const b = new ElectionMachine({ id: 'b', options, random: Math.random, now: 0 });
 * const request: VoteRequest = {
 *   type: 'vote', cluster: 'jobs', from: 'a', to: 'b', term: 1, configuration: { term: 0, version: 1 },
 *   transfer: false,
 * };
 * b.receive(request, 1_000);
 * console.log(b.votedFor, b.ready().persist); // 'a', then persist the vote before sending the response
 * ```
 */
export interface VoteRequest extends MessageEnvelope {
  readonly type: 'vote';
  /** The candidate's configuration: a voter holding a newer one refuses. */
  readonly configuration: ConfigurationId;
  /** Set only on the campaign a leader asked for with `timeout-now`: it bypasses leader stickiness. */
  readonly transfer: boolean;
}

/**
 * Answer to a vote request.
 *
 * @example
 * ```ts
 * import type { VoteResponse } from '@baton/core';
 * const response: VoteResponse = {
 *   type: 'vote-response', cluster: 'jobs', from: 'b', to: 'a', term: 1, granted: true,
 * };
 * console.log(response.granted ? `${response.from} voted for ${response.to}` : 'refused');
 * ```
 */
export interface VoteResponse extends MessageEnvelope {
  readonly type: 'vote-response';
  readonly granted: boolean;
}

/**
 * The leader's heartbeat. `round` numbers the leader's heartbeat rounds within its term. It carries the
 * leader's configuration: its id always, its voters too when the leader does not know the receiver to hold
 * it (a member whose configuration is older adopts it before it acknowledges).
 *
 * @example
 * ```ts
 * import { ElectionMachine, type Heartbeat } from '@baton/core';
 * const options = { clusterId: 'jobs', voters: ['a', 'b', 'c'] };
 * const b = new ElectionMachine({ id: 'b', options, random: Math.random, now: 0 });
 * const configuration = { term: 1, version: 1, voters: ['a', 'b', 'c'] };
 * const heartbeat: Heartbeat = { type: 'heartbeat', cluster: 'jobs', from: 'a', to: 'b', term: 1, round: 1, configuration };
 * b.receive(heartbeat, 10);
 * console.log(b.leader, b.term, b.configuration.term); // 'a' 1 1
 * ```
 */
export interface Heartbeat extends MessageEnvelope {
  readonly type: 'heartbeat';
  readonly round: number;
  /** The leader's configuration: with `voters` when the receiver may not hold it yet. */
  readonly configuration: ConfigurationId | Configuration;
  /**
   * `true`: the leader does not need this round acknowledged by the receiver (enough other voters were
   * asked), so only a receiver that is leaving answers. Absent or `false`: the receiver acknowledges.
   */
  readonly quiet?: boolean;
}

/**
 * A member's acknowledgement of a heartbeat round; `ok: false` tells a stale leader about a newer term. It
 * says which configuration the member holds (after adopting the heartbeat's), and whether it is leaving.
 *
 * @example
 * ```ts
 * import type { HeartbeatResponse } from '@baton/core';
 * const ack: HeartbeatResponse = {
 *   type: 'heartbeat-response', cluster: 'jobs', from: 'b', to: 'a', term: 1, round: 1, ok: true,
 *   configuration: { term: 1, version: 1 }, leaving: false,
 * };
 * console.log(ack.ok ? `${ack.from} acknowledged round ${ack.round}` : 'a newer term exists');
 * ```
 */
export interface HeartbeatResponse extends MessageEnvelope {
  readonly type: 'heartbeat-response';
  readonly round: number;
  readonly ok: boolean;
  /** The configuration the member holds. */
  readonly configuration: ConfigurationId;
  /** The member is stopping (`stop()`): the leader replaces it and removes it from the voters. */
  readonly leaving: boolean;
  /**
   * For how long the member has heard leaders without a gap longer than `electionTimeoutMin`, in
   * milliseconds of its own clock (0 or absent: just now). A new leader takes it into account for the
   * autopilot's `stabilizationTime`, so that a leadership change does not restart every observer's wait.
   */
  readonly steady?: number;
  /**
   * The highest term of any election group other than the default one that the member has seen (0 or
   * absent: none). The default group's leader stamps the next configuration it installs with the highest it
   * heard from holders of its current one (`Configuration.groupTermFloor`, rule G3 of `membership.ts`).
   */
  readonly maxGroupTerm?: number;
  /**
   * On an acknowledgement of an election group other than the default one: the member asked for the group,
   * so it may lead it (the group's leader may hand it the group to spread leaders over the voters). Absent:
   * it did not.
   */
  readonly asked?: boolean;
  /**
   * With `asked`: the member prefers to lead the group (`group(name, { preferred: true })`). Placement hands
   * the group to such a member before any other, and never moves it away from one that leads it. Absent: no
   * preference.
   */
  readonly preferred?: boolean;
}

/**
 * Leadership transfer: the leader (which has already given up its lease) asks `to` to campaign at once.
 *
 * @example
 * ```ts
 * import { ElectionMachine, type TimeoutNow } from '@baton/core';
 * const options = { clusterId: 'jobs', voters: ['a', 'b', 'c'] };
 * const b = new ElectionMachine({ id: 'b', options, random: Math.random, now: 0 });
 * const timeoutNow: TimeoutNow = { type: 'timeout-now', cluster: 'jobs', from: 'a', to: 'b', term: 0 };
 * b.receive(timeoutNow, 10);
 * console.log(b.role, b.term); // 'candidate' 1: b campaigns at once, stickiness or not
 * ```
 */
export interface TimeoutNow extends MessageEnvelope {
  readonly type: 'timeout-now';
}

/**
 * Every message of the election protocol: what {@link ElectionMachine.ready} hands out to send, and what a
 * transport delivers to `receive`. Narrow it on `type`.
 *
 * @example
 * ```ts
 * import type { ElectionMessage } from '@baton/core';
 * const describe = (m: ElectionMessage) =>
 *   m.type === 'heartbeat' ? `heartbeat round ${m.round}` : `${m.type} in term ${m.term}`;
 * console.log(describe({ type: 'heartbeat', cluster: 'jobs', from: 'a', to: 'b', term: 2, round: 7, configuration: { term: 0, version: 1 } }));
 * ```
 */
export type ElectionMessage =
  | PreVoteRequest
  | PreVoteResponse
  | VoteRequest
  | VoteResponse
  | Heartbeat
  | HeartbeatResponse
  | TimeoutNow;

/**
 * The `type` of an election message.
 *
 * @example
 * ```ts
 * import type { ElectionMessageType } from '@baton/core';
 * const fromLeader: ElectionMessageType[] = ['heartbeat', 'timeout-now'];
 * ```
 */
export type ElectionMessageType = ElectionMessage['type'];

/**
 * Every message type, for decoders that must reject unknown ones.
 *
 * @example
 * ```ts
 * import { ELECTION_MESSAGE_TYPES, type ElectionMessageType } from '@baton/core';
 * const isMessageType = (type: unknown): type is ElectionMessageType =>
 *   (ELECTION_MESSAGE_TYPES as readonly unknown[]).includes(type);
 * console.log(isMessageType('heartbeat'), isMessageType('append-entries')); // true false
 * ```
 */
export const ELECTION_MESSAGE_TYPES: readonly ElectionMessageType[] = [
  'pre-vote',
  'pre-vote-response',
  'vote',
  'vote-response',
  'heartbeat',
  'heartbeat-response',
  'timeout-now',
];

/**
 * Why a leadership (a held lease) ended: the one reason type of the `leadership-lost` event, of the
 * machine's event and of the `LeadershipLostError` a leadership's signal aborts with.
 *
 * - `lease-lapsed`: no majority acknowledged a heartbeat round within the lease;
 * - `step-down`: `stepDown()` was called, a `became-leader` handler failed, or the state store failed;
 * - `transfer`: leadership was handed to another voter (`transferLeadership()`);
 * - `higher-term`: another node started a newer term;
 * - `stopped`: this node is stopping (`stop()`);
 * - `event-loop-stall`: the process was blocked longer than `maxEventLoopStall` (the runtime only).
 *
 * @example
 * ```ts
 * import type { LeadershipLostReason } from '@baton/core';
 * const voluntary: LeadershipLostReason[] = ['step-down', 'transfer', 'stopped'];
 * const onLost = ({ term, reason }: { term: number; reason: LeadershipLostReason }) => {
 *   if (!voluntary.includes(reason)) console.warn(`term ${term} ended involuntarily: ${reason}`);
 * };
 * onLost({ term: 3, reason: 'lease-lapsed' });
 * ```
 */
export type LeadershipLostReason =
  | 'lease-lapsed'
  | 'step-down'
  | 'transfer'
  | 'higher-term'
  | 'stopped'
  | 'event-loop-stall';

/**
 * Something that happened inside the machine, reported after the state it depends on is persisted.
 *
 * @example
 * ```ts
 * import { ElectionMachine } from '@baton/core';
 * const options = { clusterId: 'jobs', voters: ['a'] };
 * const machine = new ElectionMachine({ id: 'a', options, random: Math.random, now: 0 });
 * machine.advance(0);
 * for (const event of machine.ready().events) {
 *   if (event.type === 'became-leader') console.log(`leader of term ${event.term} at ${event.at}`);
 * }
 * ```
 */
export type ElectionEvent =
  /** This node holds a lease for the first time in `term`; `term` is the fencing token. */
  | {
      readonly type: 'became-leader';
      readonly term: number;
      readonly at: number;
      readonly group?: string;
    }
  /** This node's held lease ended (paired with an earlier `became-leader` of the same term). */
  | {
      readonly type: 'leadership-lost';
      readonly term: number;
      readonly at: number;
      readonly reason: LeadershipLostReason;
      readonly group?: string;
    }
  /**
   * This node follows: its role became `follower` (it stopped leading or campaigning; `leader` may be
   * `null`), or, as a follower, it learned a leader it was not following (its first one since it started or
   * stopped campaigning, or a new one in a higher term). Observers never get it.
   */
  | {
      readonly type: 'became-follower';
      readonly leader: NodeId | null;
      readonly term: number;
      readonly group?: string;
    }
  /** The leader this node knows changed (possibly to itself, or to none). */
  | {
      readonly type: 'leader-changed';
      readonly leader: NodeId | null;
      readonly previous: NodeId | null;
      readonly term: number;
      readonly group?: string;
    }
  /** The term changed. */
  | { readonly type: 'term-changed'; readonly from: number; readonly to: number; readonly group?: string }
  /**
   * This node's voter set changed: it adopted a newer configuration with other voters, or, as the leader,
   * installed one. (A new leader re-stamping its configuration with its term changes no voter: no event.)
   */
  | {
      readonly type: 'voters-changed';
      readonly configuration: Configuration;
      readonly previous: Configuration;
    }
  /** The role changed (finer-grained than became-leader / became-follower; for logs and inspection). */
  | {
      readonly type: 'role-changed';
      readonly from: Role;
      readonly to: Role;
      readonly term: number;
      readonly group?: string;
    };

/**
 * The `type` of an election event.
 *
 * @example
 * ```ts
 * import type { ElectionEventType } from '@baton/core';
 * const logged: ElectionEventType[] = ['became-leader', 'leadership-lost', 'term-changed'];
 * ```
 */
export type ElectionEventType = ElectionEvent['type'];

/**
 * The output of the machine since the last call to `ready()`.
 *
 * The order is a contract: write `persist` (when not null) to stable storage and wait for it, then send
 * `messages` (those listed in `early` may go before: see there), then publish `events`. "It would be incorrect to publish a vote in an election before that
 * vote has been synced to stable storage locally" (etcd raft).
 *
 * @example
 * ```ts
 * import { ElectionMachine, MemoryStateStore, type Ready } from '@baton/core';
 * const store = new MemoryStateStore();
 * await store.open();
 * const options = { clusterId: 'jobs', voters: ['a'] };
 * const machine = new ElectionMachine({ id: 'a', options, random: Math.random, now: 0 });
 * machine.advance(0);
 * const ready: Ready = machine.ready();
 * if (ready.persist) await store.save(ready.persist); // first
 * console.log(ready.messages.length, ready.events.map((e) => e.type)); // then send, then publish
 * ```
 */
export interface Ready {
  readonly persist: PersistentState | null;
  readonly messages: readonly ElectionMessage[];
  readonly events: readonly ElectionEvent[];
  /**
   * Some of `messages` (the same objects) that may be sent before `persist` is on disk, at once: the vote
   * requests of this node's own campaign. A driver that ignores it sends them with the others, after
   * `persist`, which is also correct, one save later. A driver whose transport holds messages until the end
   * of the task flushes it (`Transport.flush`) before it starts the save. Absent: none.
   *
   * Why a candidate need not wait for its own term and vote to be durable before asking (as etcd raft, whose
   * candidate sends its vote requests at once and counts its own vote only once it is synced): a vote request
   * promises nothing on the candidate's part, and voters persist their own grants before they answer. Only
   * what the candidate does as the winner depends on its own vote, and all of it (its heartbeats, its
   * `became-leader`) is output of a later `ready()`, which a driver sends only after this batch's `persist`.
   * Should the candidate crash before its save, it comes back in its old term with its old vote and may vote
   * for another candidate of the new term: its own vote for itself was never acted upon, so no term gets two
   * leaders. A save that fails drops the batch's other messages as always; the requests are out, and a win
   * that follows is held back until a save of the current state succeeds (`PersistPipeline`).
   */
  readonly early?: readonly ElectionMessage[];
}

/**
 * Why a message was dropped; counted in the inspect snapshot.
 *
 * @example
 * ```ts
 * import { ElectionMachine, type DropReason } from '@baton/core';
 * const options = { clusterId: 'jobs', voters: ['a', 'b'] };
 * const machine = new ElectionMachine({ id: 'a', options, random: Math.random, now: 0 });
 * const reason: DropReason = 'invalid'; // e.g. a transport could not decode a frame
 * machine.countDropped(reason);
 * console.log(machine.inspect(0).counters.messagesDropped.invalid); // 1
 * ```
 */
export type DropReason =
  | 'wrong-cluster'
  | 'misaddressed'
  | 'stale-term'
  | 'not-a-voter'
  | 'leader-sticky'
  | 'unexpected'
  | 'invalid';

/**
 * Counters in the inspect snapshot.
 *
 * @example
 * ```ts
 * import { ElectionMachine, type ElectionCounters } from '@baton/core';
 * const options = { clusterId: 'jobs', voters: ['a'] };
 * const machine = new ElectionMachine({ id: 'a', options, random: Math.random, now: 0 });
 * machine.advance(0);
 * const counters: ElectionCounters = machine.inspect(0).counters;
 * console.log(counters.electionsStarted, counters.electionsWon); // 1 1
 * ```
 */
export interface ElectionCounters {
  readonly electionsStarted: number;
  readonly electionsWon: number;
  readonly electionsLost: number;
  readonly preVotesStarted: number;
  readonly preVotesLost: number;
  readonly messagesReceived: number;
  readonly messagesSent: number;
  /** Dropped messages by reason. */
  readonly messagesDropped: Readonly<Record<DropReason, number>>;
}

/**
 * A change of the voter set that the leader installed and a majority of the new voters does not hold yet.
 * Until it is done the leader changes nothing else, and its lease counts acknowledgements from a majority of
 * the old voters and a majority of the new ones.
 *
 * @example
 * ```ts
 * import type { MembershipChange } from '@baton/core';
 * const change: MembershipChange = { added: 'd', removed: null, previous: ['a', 'b', 'c'] };
 * ```
 */
export interface MembershipChange {
  /** The voter the change adds, or `null`. */
  readonly added: NodeId | null;
  /** The voter the change removes, or `null`. */
  readonly removed: NodeId | null;
  /** The voters before the change. */
  readonly previous: readonly NodeId[];
}

/**
 * Who the members of the cluster are, as one node sees them.
 *
 * @example
 * ```ts
 * import { ElectionMachine, type Membership } from '@baton/core';
 * const options = { clusterId: 'jobs', voters: ['a', 'b', 'c'] };
 * const machine = new ElectionMachine({ id: 'a', options, random: Math.random, now: 0 });
 * machine.addObserver('d');
 * const membership: Membership = machine.inspect(0).membership;
 * console.log(membership.voters, membership.observers, membership.version); // ['a', 'b', 'c'] ['d'] 1
 * ```
 */
export interface Membership {
  /** The voters of this node's configuration. */
  readonly voters: readonly NodeId[];
  /** The members this node knows of that are not voters. */
  readonly observers: readonly NodeId[];
  /** The configuration's version (grows by one per change of the voter set). */
  readonly version: number;
  /** The term of the leader that installed (or re-stamped) the configuration. */
  readonly term: number;
  /** On the leader, a change in progress; `null` when none is (and on every other node). */
  readonly change: MembershipChange | null;
  /** Whether this node is leaving (`stop()` asked the leader to replace and remove it). */
  readonly leaving: boolean;
}

/**
 * A point-in-time view of one node, for logs, health checks and dashboards.
 *
 * @example
 * ```ts
 * import { ElectionMachine, type InspectSnapshot } from '@baton/core';
 * const options = { clusterId: 'jobs', voters: ['a', 'b', 'c'] };
 * const machine = new ElectionMachine({ id: 'a', options, random: Math.random, now: 0 });
 * const snapshot: InspectSnapshot = machine.inspect(0);
 * console.log(snapshot.role, snapshot.term, snapshot.lastContact); // 'follower' 0 { b: null, c: null }
 * console.log(snapshot.membership.voters); // ['a', 'b', 'c']
 * ```
 */
export interface InspectSnapshot {
  readonly id: NodeId;
  readonly clusterId: string;
  readonly role: Role;
  readonly term: number;
  readonly votedFor: NodeId | null;
  readonly leader: NodeId | null;
  /** Whether this node holds a valid lease at the time of the snapshot. */
  readonly isLeader: boolean;
  /** Milliseconds of lease left (0 when this node holds none). */
  readonly leaseRemaining: number;
  /** Who votes, who observes, the configuration and a change in progress. */
  readonly membership: Membership;
  /** Milliseconds since the last message from each peer (`null`: never heard from). */
  readonly lastContact: Readonly<Record<NodeId, number | null>>;
  readonly counters: ElectionCounters;
  /** The election groups other than the default one that this node takes part in, by name. Absent: none. */
  readonly groups?: Readonly<Record<string, GroupSnapshot>>;
}

/**
 * One election group as a node sees it (`ElectionMachine.group`, `InspectSnapshot.groups`).
 *
 * @example
 * ```ts
 * import { ElectionMachine, type GroupSnapshot } from '@baton/core';
 * const machine = new ElectionMachine({
 *   id: 'a', options: { clusterId: 'jobs', voters: ['a', 'b', 'c'] }, random: Math.random, now: 0,
 * });
 * machine.openGroup('billing', 0);
 * const billing: GroupSnapshot = machine.group('billing', 0);
 * console.log(billing.asked, billing.role, billing.term); // true 'follower' 0
 * ```
 */
export interface GroupSnapshot {
  /** The group's name (`'default'` for the default group). */
  readonly name: string;
  /** Whether this node asked for the group (and may campaign); `false`: it takes part passively. */
  readonly asked: boolean;
  /** Whether this node asked to be a preferred leader of the group (`group(name, { preferred: true })`). */
  readonly preferred: boolean;
  readonly role: Role;
  /** The group's term: the fencing token of its leader in that term. */
  readonly term: number;
  readonly votedFor: NodeId | null;
  /** The group's leader this node knows of, or `null`. */
  readonly leader: NodeId | null;
  /** Whether this node holds a valid lease of the group. */
  readonly isLeader: boolean;
  /** Milliseconds of the group's lease left (0 when this node holds none). */
  readonly leaseRemaining: number;
}
