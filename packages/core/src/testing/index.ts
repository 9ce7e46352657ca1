/**
 * `@baton/core/testing`: the harness our own tests use and users can use too: a simulated network of
 * election state machines in virtual time with faults and invariant checks, an in-memory transport, and
 * the transport compliance suite.
 *
 * @packageDocumentation
 */
export { EventQueue, type QueueEntry } from './event-queue.js';
export {
  formatViolation,
  InvariantChecker,
  type InvariantCheckerOptions,
  type InvariantName,
  InvariantViolationError,
  type Violation,
} from './invariants.js';
export {
  MemoryNetwork,
  type MemoryNetworkOptions,
  type MemoryNetworkStats,
  MemoryTransport,
} from './memory-network.js';
export { Prng } from './prng.js';
export { type RandomRunResult, type RandomScheduleOptions, runRandomSchedule } from './random-schedule.js';
export { SimClock } from './sim-clock.js';
export { SimCluster } from './sim-cluster.js';
export { SimEngine } from './sim-engine.js';
export { formatLogEntry, type SimLogEntry } from './sim-log.js';
export {
  HEALTHY_NETWORK,
  type LatencyModel,
  type NetworkConditions,
  type NetworkConditionsChange,
  SimNetwork,
} from './sim-network.js';
export type { RunUntilOptions, SimClusterOptions } from './sim-options.js';
export {
  groupNames,
  parseSimArgs,
  replayCommand,
  runSeeds,
  type SeededViolation,
  type SimRunOptions,
  type SimSummary,
} from './sim-runner.js';
export { percentile, type SimStats } from './sim-stats.js';
export { runStory, type StoryResult } from './story.js';
export {
  type ComplianceMatchers,
  type ComplianceTestApi,
  type TransportHarness,
  transportComplianceTests,
} from './transport-compliance.js';
export { VirtualClock, VirtualTimeProvider } from './virtual-clock.js';
