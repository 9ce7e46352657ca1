import type { ElectionOptions } from '../machine/options.js';
import type { Configuration, NodeId } from '../machine/types.js';
import type { StateStore } from '../storage/types.js';
import type { Transport } from '../transport/types.js';
import type { ElectionGroupEvents } from './election-group.js';
import type { TimeProvider } from './time-provider.js';

/**
 * Where the runtime writes what it has to say. Compatible with `console` and most loggers.
 *
 * @example
 * ```ts
 * import type { ElectionLogger } from '@baton/core';
 * const plain: ElectionLogger = console; // works as is
 * const line = (level: string) => (message: string, context?: Record<string, unknown>) =>
 *   console.log(JSON.stringify({ level, message, ...context }));
 * const logger: ElectionLogger = { debug() {}, info: line('info'), warn: line('warn'), error: line('error') };
 * logger.warn('slow save', { ms: 120 }); // {"level":"warn","message":"slow save","ms":120}
 * ```
 */
export interface ElectionLogger {
  debug(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

/**
 * Options of a {@link LeaderElection}: the election's options ({@link ElectionOptions}) plus what drives it.
 *
 * @example
 * ```ts
 * import { LeaderElection, type LeaderElectionOptions, MemoryStateStore, consoleLogger } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const options: LeaderElectionOptions = {
 *   clusterId: 'jobs',
 *   voters: ['a', 'b', 'c'],
 *   transport: new MemoryNetwork().transport('a'), // libp2pTransport(...) in production
 *   store: new MemoryStateStore(), // dataDir: '/var/lib/jobs/baton' in production
 *   logger: consoleLogger('info'),
 * };
 * const election = new LeaderElection(options);
 * ```
 */
export interface LeaderElectionOptions extends ElectionOptions {
  /**
   * How this node reaches its peers: `libp2pTransport(...)` of `@baton/transport-libp2p` in production,
   * `MemoryNetwork#transport(id)` of `@baton/core/testing` in tests. Required.
   */
  transport: Transport;
  /**
   * Where term and vote are persisted. Give a `FileStateStore` in production; `MemoryStateStore` is for
   * tests only (a restarted node forgets its vote). Either `store` or `dataDir` is required, not both.
   * @default `new FileStateStore(dataDir)` when `dataDir` is given
   */
  store?: StateStore;
  /**
   * Shorthand for `store: new FileStateStore(dataDir)`: a directory of this node's own, where its term and
   * vote survive restarts. Either `store` or `dataDir` is required, not both.
   */
  dataDir?: string;
  /**
   * Where the runtime logs.
   * @default `consoleLogger('warn')`: warnings and errors, to the console
   */
  logger?: ElectionLogger;
  /**
   * Step down when a `became-leader` handler throws or rejects (as the `leader` package of the ergo actor
   * framework does; see docs/design.md).
   * @default true
   */
  stepDownOnHandlerError?: boolean;
  /**
   * How long `stop()` waits for a successor after handing leadership over, and then, with the autopilot on,
   * for the leader to remove this node from the voters.
   * @default electionTimeoutMax
   */
  stopTimeout?: number;
  /**
   * While this node leads, an event-loop stall longer than this ends the leadership (`'event-loop-stall'`),
   * even when the clock says the lease is still valid, so that work in flight across the pause restarts
   * under a fresh fencing token. A stall is measured as the lateness of the runtime's own election timer
   * (armed at most `heartbeatInterval` ahead while leading), and noticed when the loop runs again: when the
   * timer fires, or at a call of `isLeader()`, `leadership` or `inspect()`. A stall that outlasts the lease
   * ends leadership whatever this bound, since `isLeader()` reads the lease from the clock.
   * @default the lease's slack between renewals, `leaseDuration − heartbeatInterval` (85.7 ms with the
   * default timings), at least 10 ms (see `defaultMaxEventLoopStall`)
   */
  maxEventLoopStall?: number;
  /**
   * Random numbers in [0, 1) for election timeouts.
   * @default Math.random
   */
  random?: () => number;
  /**
   * The clock, timers and task queue the runtime uses. Added with the runtime so that tests, simulations and
   * benchmarks can drive whole clusters in virtual time (`VirtualClock` in `@baton/core/testing`); leave it
   * unset in production.
   * @default `defaultTimeProvider`: `performance.now()` and the global timers
   */
  timeProvider?: TimeProvider;
}

/**
 * Handed to the leader when it starts to lead. Its `signal` aborts the moment leadership ends, for any reason.
 *
 * @example
 * ```ts
 * import { LeaderElection, MemoryStateStore } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const transport = new MemoryNetwork().transport('a');
 * const store = new MemoryStateStore();
 * const election = new LeaderElection({ clusterId: 'jobs', voters: ['a'], transport, store });
 * election.on('became-leader', ({ fencingToken, signal }) => {
 *   const timer = setInterval(() => console.log('job run with fencing token', fencingToken), 1_000);
 *   signal.addEventListener('abort', () => clearInterval(timer)); // leadership ended: stop the job
 * });
 * await election.start();
 * ```
 */
export interface LeadershipHandle {
  /** The term this node leads. */
  readonly term: number;
  /** The fencing token: equal to `term`, grows with every new leadership; pass it to protected resources. */
  readonly fencingToken: number;
  /** When leadership began, in `performance.now()` milliseconds. */
  readonly since: number;
  /** Aborted when leadership ends; `signal.reason` is a `LeadershipLostError` naming why. */
  readonly signal: AbortSignal;
}

/**
 * An application message sent with `broadcast()` by another node.
 *
 * @example
 * ```ts
 * import { type ClusterMessage, LeaderElection, MemoryStateStore } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const network = new MemoryNetwork();
 * const node = (id: string, store = new MemoryStateStore()) =>
 *   new LeaderElection({ clusterId: 'jobs', voters: ['a', 'b'], transport: network.transport(id), store });
 * const a = node('a');
 * const b = node('b');
 * b.on('message', ({ from, payload }: ClusterMessage) => console.log(from, payload)); // 'a' { reload: true }
 * await Promise.all([a.start(), b.start()]);
 * a.broadcast({ reload: true });
 * ```
 */
export interface ClusterMessage {
  readonly from: NodeId;
  readonly payload: unknown;
}

/**
 * The events of a {@link LeaderElection}, each with the argument its handlers receive: those of one election
 * (the same as an election group's, `ElectionGroupEvents`) and the node-level ones.
 *
 * @example
 * ```ts
 * import { LeaderElection, type LeaderElectionEvents, MemoryStateStore } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const transport = new MemoryNetwork().transport('a');
 * const store = new MemoryStateStore();
 * const election = new LeaderElection({ clusterId: 'jobs', voters: ['a'], transport, store });
 * const log = ({ leader, term }: LeaderElectionEvents['leader-changed']) => console.log(term, leader);
 * election.on('leader-changed', log); // 1 'a', then 1 null at stop()
 * await election.start();
 * await election.whenLeader();
 * await election.stop();
 * ```
 */
export interface LeaderElectionEvents extends ElectionGroupEvents {
  'voters-changed': {
    /** The configuration this node holds now. */
    readonly configuration: Configuration;
    /** The one it held before. */
    readonly previous: Configuration;
  };
  'peer-joined': NodeId;
  'peer-left': NodeId;
  message: ClusterMessage;
}

/**
 * Options of `addVoter`, `removeVoter` and `replaceVoter`.
 *
 * @example
 * ```ts
 * import type { MembershipChangeOptions } from '@baton/core';
 * const options: MembershipChangeOptions = { expectedVersion: 4, timeout: 2_000 };
 * ```
 */
export interface MembershipChangeOptions {
  /**
   * The configuration version the change was computed from: the change is refused with a
   * `ConfigurationVersionError` when the current one differs (a compare-and-swap).
   * @default no check
   */
  expectedVersion?: number;
  /** Gives up waiting for the change to be done (it may still be done later). */
  signal?: AbortSignal;
  /**
   * How long to wait for a majority of the new voters to hold the change.
   * @default 2 × electionTimeoutMax
   */
  timeout?: number;
}
