/**
 * `@baton/core`: Baton's election. The runtime a service uses (`LeaderElection`), the pure, deterministic
 * state machine it drives (Raft's election without a log), persistence, the transport contract, and the
 * errors and types of all of it. The simulator and test helpers are in `@baton/core/testing`.
 *
 * @packageDocumentation
 */
export {
  BatonError,
  type BatonErrorCode,
  ConfigurationVersionError,
  InvalidOptionError,
  InvalidPersistentStateError,
  InvalidTargetError,
  InvalidTransitionError,
  LeaderPresentError,
  MembershipChangeError,
  type MembershipChangeRefusal,
  MissingDependencyError,
  NoSuccessorError,
  NotLeaderError,
  NotRunningError,
  ReentrantCallError,
  TimeoutError,
} from './errors.js';
export {
  AUTOPILOT_DEFAULTS,
  type AutopilotOptions,
  type ResolvedAutopilotOptions,
} from './machine/autopilot.js';
export { compareConfigurations } from './machine/configuration.js';
export { checkGroupName, DEFAULT_GROUP, isGroupName } from './machine/group-names.js';
export { ElectionMachine, type ElectionMachineInit } from './machine/machine.js';
export {
  CONSTRAINED_TIMINGS,
  ELECTION_DEFAULTS,
  type ElectionOptions,
  type ResolvedElectionOptions,
  rejectUnknownOptions,
  resolveElectionOptions,
} from './machine/options.js';
export {
  type Configuration,
  type ConfigurationId,
  type DropReason,
  ELECTION_MESSAGE_TYPES,
  type ElectionCounters,
  type ElectionEvent,
  type ElectionEventType,
  type ElectionMessage,
  type ElectionMessageType,
  type GroupSnapshot,
  type GroupState,
  type Heartbeat,
  type HeartbeatResponse,
  type InspectSnapshot,
  type LeadershipLostReason,
  type Membership,
  type MembershipChange,
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
} from './machine/types.js';
export { consoleLogger, type LogLevel } from './runtime/console-logger.js';
export {
  ELECTION_GROUP_EVENTS,
  ElectionGroup,
  type ElectionGroupEvents,
  type GroupOptions,
} from './runtime/election-group.js';
export { LEADER_ELECTION_EVENTS, LeaderElection } from './runtime/leader-election.js';
export { LeadershipLostError } from './runtime/leadership.js';
export type { EventLoopDelay, EventLoopStall } from './runtime/loop-monitor.js';
export { PayloadError } from './runtime/payload.js';
export { type PinoLike, pinoElectionLogger } from './runtime/pino-logger.js';
export { HEARTBEAT_ROUND_TRIP_CHANNEL, type HeartbeatRoundTrip } from './runtime/round-trips.js';
export { defaultMaxEventLoopStall, RUNTIME_OPTION_NAMES } from './runtime/runtime-options.js';
export type { ElectionStatus, LeaderElectionSnapshot } from './runtime/snapshot.js';
export type { TimeProvider, TimerHandle } from './runtime/time-provider.js';
export type { EventHandler } from './runtime/typed-emitter.js';
export type {
  ClusterMessage,
  ElectionLogger,
  LeaderElectionEvents,
  LeaderElectionOptions,
  LeadershipHandle,
  MembershipChangeOptions,
} from './runtime/types.js';
export type { WaitOptions } from './runtime/waits.js';
export type { LockHolder } from './storage/directory-lock.js';
export { CorruptStateError, StateLockedError, StoreStateError } from './storage/errors.js';
export { FileStateStore, STATE_FILE } from './storage/file-state-store.js';
export { MemoryStateStore } from './storage/memory-state-store.js';
export type { StateStore } from './storage/types.js';
export type {
  Transport,
  TransportHandlers,
  TransportStartOptions,
} from './transport/types.js';
