/**
 * The data the election state machine consumes and produces. Everything here is plain,
 * serialisable data: the machine never touches a clock, a socket, a disk or a random source.
 */

/** A node's identity in the election (with libp2p, its peer id). */
export type NodeId = string;

/** The role a node plays in the election. An observer follows a leader but never votes or campaigns. */
export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader' | 'observer';

/**
 * The voter configuration: which nodes vote, and a version that only grows. It is part of the persisted
 * state and compared at vote time, so that membership changes can be added without a redesign.
 */
export interface VoterConfig {
  /** Grows by one with every change of the voter set; `0` means "no voters configured yet". */
  readonly version: number;
  /** The ids of the voting members, sorted, without duplicates. */
  readonly voters: readonly NodeId[];
}

/**
 * What a node must have on stable storage before it sends any message produced after the state changed.
 * Losing it (or rolling it back) lets a node vote twice in one term, which can elect two leaders.
 */
export interface PersistentState {
  /** The latest term this node has seen. Never decreases. Also the fencing token of that term's leader. */
  readonly term: number;
  /** The candidate this node voted for in `term`, or `null`. Set at most once per term. */
  readonly votedFor: NodeId | null;
  /** The voter configuration. */
  readonly config: VoterConfig;
}

/** Fields every election message carries. */
export interface MessageEnvelope {
  /** The cluster the message belongs to; a node drops messages for any other cluster. */
  readonly cluster: string;
  readonly from: NodeId;
  readonly to: NodeId;
  /** The sender's term (for a pre-vote request: the term the sender would campaign in). */
  readonly term: number;
}

/** Pre-vote request (Raft thesis 9.6): "would you vote for me in `term`?" Changes nobody's term. */
export interface PreVoteRequest extends MessageEnvelope {
  readonly type: 'pre-vote';
  readonly configVersion: number;
}

/** Answer to a pre-vote. When granted, `term` echoes the request's term; when refused, it is the responder's. */
export interface PreVoteResponse extends MessageEnvelope {
  readonly type: 'pre-vote-response';
  readonly granted: boolean;
}

/** Vote request of a candidate in `term`. */
export interface VoteRequest extends MessageEnvelope {
  readonly type: 'vote';
  readonly configVersion: number;
  /** Set only on the campaign a leader asked for with `timeout-now`: it bypasses leader stickiness. */
  readonly transfer: boolean;
}

/** Answer to a vote request. */
export interface VoteResponse extends MessageEnvelope {
  readonly type: 'vote-response';
  readonly granted: boolean;
}

/** The leader's heartbeat. `round` numbers the leader's heartbeat rounds within its term. */
export interface Heartbeat extends MessageEnvelope {
  readonly type: 'heartbeat';
  readonly round: number;
}

/** A follower's acknowledgement of a heartbeat round; `ok: false` tells a stale leader about a newer term. */
export interface HeartbeatResponse extends MessageEnvelope {
  readonly type: 'heartbeat-response';
  readonly round: number;
  readonly ok: boolean;
}

/** Leadership transfer: the leader (which has already given up its lease) asks `to` to campaign at once. */
export interface TimeoutNow extends MessageEnvelope {
  readonly type: 'timeout-now';
}

/** Every message of the election protocol. */
export type ElectionMessage =
  | PreVoteRequest
  | PreVoteResponse
  | VoteRequest
  | VoteResponse
  | Heartbeat
  | HeartbeatResponse
  | TimeoutNow;

/** The `type` of an election message. */
export type ElectionMessageType = ElectionMessage['type'];

/** Every message type, for decoders that must reject unknown ones. */
export const ELECTION_MESSAGE_TYPES: readonly ElectionMessageType[] = [
  'pre-vote',
  'pre-vote-response',
  'vote',
  'vote-response',
  'heartbeat',
  'heartbeat-response',
  'timeout-now',
];

/** Why a leadership (a held lease) ended. */
export type LeadershipEndReason = 'lease-lapsed' | 'step-down' | 'transfer' | 'higher-term' | 'stopped';

/** Something that happened inside the machine, reported after the state it depends on is persisted. */
export type ElectionEvent =
  /** This node holds a lease for the first time in `term`; `term` is the fencing token. */
  | { readonly type: 'became-leader'; readonly term: number; readonly at: number }
  /** This node's held lease ended (paired with an earlier `became-leader` of the same term). */
  | {
      readonly type: 'leadership-lost';
      readonly term: number;
      readonly at: number;
      readonly reason: LeadershipEndReason;
    }
  /** This node became a follower; `leader` is the leader it follows, if known. */
  | { readonly type: 'became-follower'; readonly leader: NodeId | null; readonly term: number }
  /** The leader this node knows changed (possibly to itself, or to none). */
  | {
      readonly type: 'leader-changed';
      readonly leader: NodeId | null;
      readonly previous: NodeId | null;
      readonly term: number;
    }
  /** The term changed. */
  | { readonly type: 'term-changed'; readonly from: number; readonly to: number }
  /** The role changed (finer-grained than became-leader / became-follower; for logs and inspection). */
  | { readonly type: 'role-changed'; readonly from: Role; readonly to: Role; readonly term: number };

/** The `type` of an election event. */
export type ElectionEventType = ElectionEvent['type'];

/**
 * The output of the machine since the last call to `ready()`.
 *
 * The order is a contract: write `persist` (when not null) to stable storage and wait for it, then send
 * `messages`, then publish `events`. "It would be incorrect to publish a vote in an election before that
 * vote has been synced to stable storage locally" (etcd raft).
 */
export interface Ready {
  readonly persist: PersistentState | null;
  readonly messages: readonly ElectionMessage[];
  readonly events: readonly ElectionEvent[];
}

/** Why a message was dropped; counted in the inspect snapshot. */
export type DropReason =
  | 'wrong-cluster'
  | 'misaddressed'
  | 'stale-term'
  | 'not-a-voter'
  | 'leader-sticky'
  | 'unexpected'
  | 'invalid';

/** Counters in the inspect snapshot. */
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

/** A point-in-time view of one node, for logs, health checks and dashboards. */
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
  readonly leaseRemainingMs: number;
  readonly voters: readonly NodeId[];
  readonly configVersion: number;
  readonly observers: readonly NodeId[];
  /** Milliseconds since the last message from each peer (`null`: never heard from). */
  readonly lastContactMs: Readonly<Record<NodeId, number | null>>;
  readonly counters: ElectionCounters;
}
