import { InvalidOptionError } from '../errors.js';
import {
  ELECTION_OPTION_NAMES,
  type ElectionOptions,
  type ResolvedElectionOptions,
  rejectUnknownOptions,
  resolveElectionOptions,
} from '../machine/options.js';
import { FileStateStore } from '../storage/file-state-store.js';
import type { StateStore } from '../storage/types.js';
import type { Transport } from '../transport/types.js';
import { consoleLogger, missingLoggerMethods } from './console-logger.js';
import { defaultTimeProvider, missingTimeProviderMethods, type TimeProvider } from './time-provider.js';
import type { ElectionLogger, LeaderElectionOptions } from './types.js';

/** Everything a `LeaderElection` runs with, checked, with defaults filled in. */
export interface RuntimeSettings {
  readonly electionOptions: ElectionOptions;
  readonly election: ResolvedElectionOptions;
  readonly warnings: readonly string[];
  readonly transport: Transport;
  readonly store: StateStore;
  readonly logger: ElectionLogger;
  readonly stepDownOnHandlerError: boolean;
  readonly stopTimeout: number;
  readonly maxEventLoopStall: number;
  readonly random: () => number;
  readonly time: TimeProvider;
}

const TRANSPORT_METHODS = ['start', 'stop', 'send', 'broadcast', 'peers'] as const;

/**
 * The names of every option of `LeaderElectionOptions`: the election's, and the runtime's own. For packages
 * that take these options among their own and check the whole with `rejectUnknownOptions`.
 *
 * @example
 * ```ts
 * import { RUNTIME_OPTION_NAMES, rejectUnknownOptions } from '@baton/core';
 * rejectUnknownOptions({ clusterId: 'jobs', dataDir: './data', libp2p: {} }, [...RUNTIME_OPTION_NAMES, 'libp2p']);
 * ```
 */
export const RUNTIME_OPTION_NAMES: readonly string[] = [
  ...ELECTION_OPTION_NAMES,
  'transport',
  'store',
  'dataDir',
  'logger',
  'stepDownOnHandlerError',
  'stopTimeout',
  'maxEventLoopStall',
  'random',
  'timeProvider',
];
const STORE_METHODS = ['open', 'load', 'save', 'close'] as const;

/**
 * The default event-loop stall bound: the lease's slack between renewals, `leaseDuration − heartbeatInterval`
 * (85.7 ms with the default timings), at least 10 ms.
 *
 * A leader renews its lease every `heartbeatInterval`, so a lease that was just renewed has
 * `leaseDuration − heartbeatInterval` left when the next renewal is due. A pause longer than that could have
 * let the lease run out between two renewals; the runtime then ends the leadership (`'event-loop-stall'`) so
 * that work in flight across the pause restarts under a fresh fencing token. The bound is a conservative
 * policy on top of the lease, not what keeps leases apart: `isLeader()` reads the lease from the clock, and
 * the machine steps a leader down at its first input after the lease deadline, whatever this bound is.
 *
 * @example
 * ```ts
 * import { defaultMaxEventLoopStall, resolveElectionOptions } from '@baton/core';
 * const { options } = resolveElectionOptions({ clusterId: 'jobs' });
 * console.log(defaultMaxEventLoopStall(options)); // 85.71… with the default timings
 * ```
 */
export function defaultMaxEventLoopStall(options: ResolvedElectionOptions): number {
  return Math.max(10, options.leaseDuration - options.heartbeatInterval);
}

/** Checks the options of a `LeaderElection`, naming the first bad one, and fills in defaults. */
export function resolveRuntimeOptions(input: LeaderElectionOptions): RuntimeSettings {
  if (input == null || typeof input !== 'object')
    throw new InvalidOptionError('options', input, 'must be an object');
  rejectUnknownOptions(input, RUNTIME_OPTION_NAMES);
  const electionOptions: ElectionOptions = {
    clusterId: input.clusterId,
    electionTimeoutMin: input.electionTimeoutMin,
    electionTimeoutMax: input.electionTimeoutMax,
    heartbeatInterval: input.heartbeatInterval,
    observerHeartbeatInterval: input.observerHeartbeatInterval,
    voters: input.voters,
    autopilot: input.autopilot,
    clockDriftBound: input.clockDriftBound,
    placementInterval: input.placementInterval,
    groupIdleTimeout: input.groupIdleTimeout,
  };
  const { options: election, warnings } = resolveElectionOptions(electionOptions);

  const transport = input.transport;
  const missingTransport = missingMethods(transport, TRANSPORT_METHODS);
  if (missingTransport.length > 0) {
    throw new InvalidOptionError(
      'transport',
      describe(transport),
      `is required and must implement Transport (missing ${missingTransport.join(', ')})`,
    );
  }

  const store = resolveStore(input.store, input.dataDir);

  const logger = input.logger ?? consoleLogger('warn');
  const missingLogger = missingLoggerMethods(logger);
  if (missingLogger.length > 0) {
    throw new InvalidOptionError('logger', describe(logger), `must have ${missingLogger.join(', ')} methods`);
  }

  const stepDownOnHandlerError = input.stepDownOnHandlerError ?? true;
  if (typeof stepDownOnHandlerError !== 'boolean') {
    throw new InvalidOptionError('stepDownOnHandlerError', stepDownOnHandlerError, 'must be a boolean');
  }
  const stopTimeout = positiveNumber('stopTimeout', input.stopTimeout ?? election.electionTimeoutMax);
  const maxEventLoopStall = positiveNumber(
    'maxEventLoopStall',
    input.maxEventLoopStall ?? defaultMaxEventLoopStall(election),
  );
  const random = input.random ?? Math.random;
  if (typeof random !== 'function')
    throw new InvalidOptionError('random', describe(random), 'must be a function');
  const time = input.timeProvider ?? defaultTimeProvider;
  const missingTime = missingTimeProviderMethods(time);
  if (missingTime.length > 0) {
    throw new InvalidOptionError(
      'timeProvider',
      describe(time),
      `must have ${missingTime.join(', ')} methods`,
    );
  }
  return {
    electionOptions,
    election,
    warnings,
    transport,
    store,
    logger,
    stepDownOnHandlerError,
    stopTimeout,
    maxEventLoopStall,
    random,
    time,
  };
}

function resolveStore(store: StateStore | undefined, dataDir: string | undefined): StateStore {
  if (store !== undefined && dataDir !== undefined) {
    throw new InvalidOptionError('dataDir', dataDir, 'give either store or dataDir, not both');
  }
  if (store !== undefined) {
    const missing = missingMethods(store, STORE_METHODS);
    if (missing.length > 0) {
      throw new InvalidOptionError(
        'store',
        describe(store),
        `must implement StateStore (missing ${missing.join(', ')})`,
      );
    }
    return store;
  }
  if (dataDir === undefined) {
    throw new InvalidOptionError(
      'store',
      undefined,
      'either store or dataDir is required (dataDir: a directory of its own for this node, where its term and vote survive restarts)',
    );
  }
  if (typeof dataDir !== 'string' || dataDir.trim() === '') {
    throw new InvalidOptionError('dataDir', dataDir, 'must be a non-empty path');
  }
  return new FileStateStore(dataDir);
}

function positiveNumber(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError(option, value, 'must be a positive number of milliseconds');
  }
  return value;
}

function missingMethods(value: unknown, names: readonly string[]): string[] {
  if (value == null || typeof value !== 'object') return [...names];
  return names.filter((name) => typeof (value as Record<string, unknown>)[name] !== 'function');
}

function describe(value: unknown): unknown {
  if (value == null || typeof value !== 'object') return value;
  return `[${(value as object).constructor?.name ?? 'object'}]`;
}
