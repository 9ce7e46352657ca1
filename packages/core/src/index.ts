/**
 * `@baton/core`: Baton's election. A pure, deterministic state machine (Raft's election without a log),
 * and the pieces that drive it.
 *
 * @packageDocumentation
 */
export { ElectionStateError, InvalidOptionError, NotLeaderError } from './errors.js';
export { ElectionMachine, type ElectionMachineInit } from './machine/machine.js';
export {
  ELECTION_DEFAULTS,
  type ElectionOptions,
  type ResolvedElectionOptions,
  resolveElectionOptions,
} from './machine/options.js';
export { checkPersistentState, configFromOptions } from './machine/persistent-state.js';
export { majority, quorumRound, type VoteResult, voteResult } from './machine/quorum.js';
export {
  type DropReason,
  ELECTION_MESSAGE_TYPES,
  type ElectionCounters,
  type ElectionEvent,
  type ElectionEventType,
  type ElectionMessage,
  type ElectionMessageType,
  type Heartbeat,
  type HeartbeatResponse,
  type InspectSnapshot,
  type LeadershipEndReason,
  type MessageEnvelope,
  type NodeId,
  type PersistentState,
  type PreVoteRequest,
  type PreVoteResponse,
  type Ready,
  type Role,
  type TimeoutNow,
  type VoteRequest,
  type VoteResponse,
  type VoterConfig,
} from './machine/types.js';
export type {
  ClusterMessage,
  ElectionLogger,
  LeaderElectionEvents,
  LeaderElectionOptions,
  LeadershipHandle,
} from './runtime/types.js';
export type { StateStore } from './storage/types.js';
export type { Transport, TransportHandlers } from './transport/types.js';
