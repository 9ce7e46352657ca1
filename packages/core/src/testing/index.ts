/**
 * `@baton/core/testing`: the harness our own tests use and users can use too: a simulated network of
 * election state machines in virtual time with faults and invariant checks, an in-memory transport, and
 * the transport compliance suite.
 *
 * @packageDocumentation
 */
export {
  type ComplianceMatchers,
  type ComplianceTestApi,
  type TransportHarness,
  transportComplianceTests,
} from './transport-compliance.js';
export {
  MemoryNetwork,
  type MemoryNetworkOptions,
  type MemoryNetworkStats,
  MemoryTransport,
} from './memory-network.js';
export { VirtualClock, VirtualTimeProvider } from './virtual-clock.js';
