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
export { consoleLogger, type LogLevel } from './runtime/console-logger.js';
export { LEADER_ELECTION_EVENTS, LeaderElection } from './runtime/leader-election.js';
export { Leadership, type LeadershipLossReason, LeadershipLostError } from './runtime/leadership.js';
export {
  type EventLoopDelay,
  EventLoopMonitor,
  type EventLoopMonitorInit,
  type EventLoopStall,
} from './runtime/loop-monitor.js';
export { decodePayload, encodePayload, PayloadError } from './runtime/payload.js';
export { PersistPipeline, type PersistPipelineInit } from './runtime/persist-pipeline.js';
export { defaultMaxEventLoopStallMs } from './runtime/runtime-options.js';
export type { ElectionStatus, LeaderElectionSnapshot } from './runtime/snapshot.js';
export { defaultTimeProvider, type TimeProvider, type TimerHandle } from './runtime/time-provider.js';
export {
  type EventHandler,
  type HandlerErrorReporter,
  type HandlerTiming,
  TypedEmitter,
} from './runtime/typed-emitter.js';
export type {
  ClusterMessage,
  ElectionLogger,
  LeaderElectionEvents,
  LeaderElectionOptions,
  LeadershipHandle,
} from './runtime/types.js';
export { ElectionWaitError, type WaitOptions, Waits } from './runtime/waits.js';
export { LOCK_FILE } from './storage/directory-lock.js';
export { CorruptStateError, StateLockedError, StoreStateError } from './storage/errors.js';
export {
  FileStateStore,
  parseStateFile,
  STATE_FILE,
  STATE_FORMAT_VERSION,
  serialiseState,
} from './storage/file-state-store.js';
export { MemoryStateStore } from './storage/memory-state-store.js';
export type { StateStore } from './storage/types.js';
export type { Transport, TransportHandlers, TransportStartOptions } from './transport/types.js';
