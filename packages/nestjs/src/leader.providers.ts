import {
  InvalidOptionError,
  LeaderElection,
  type LeaderElectionOptions,
  RUNTIME_OPTION_NAMES,
  rejectUnknownOptions,
  type Transport,
} from '@baton/core';
import { Logger, type Provider } from '@nestjs/common';
import type { LeaderModuleOptions } from './interfaces/leader-module-options.interface.js';
import { LEADER_ELECTION } from './leader.constants.js';
import {
  BOTH_TRANSPORTS,
  LEADER_ADDRESS_NOT_FUNCTION,
  LIBP2P_NO_FACTORY,
  LIBP2P_NOT_INSTALLED,
  NO_TRANSPORT,
} from './leader.messages.js';
import { libp2pMetrics, metricsOptions, registerModuleMetrics } from './leader.metrics.js';
import { LEADER_MODULE_OPTIONS } from './leader.module-definition.js';
import { checkModuleGroups } from './module-groups.js';
import { nestElectionLogger } from './nest-election-logger.js';
import { checkVoterOptions, startingVoters } from './starting-voters.js';

/** Every option of {@link LeaderModuleOptions}: the election's, and the module's own. */
const MODULE_OPTION_NAMES = Object.keys({
  libp2p: true,
  metrics: true,
  leaderAddress: true,
  expect: true,
  discoveryTimeout: true,
  groups: true,
} satisfies Record<Exclude<keyof LeaderModuleOptions, keyof LeaderElectionOptions>, true>);
const OPTION_NAMES = [...RUNTIME_OPTION_NAMES, ...MODULE_OPTION_NAMES];

/*
 * A variable, not a literal: neither tsc nor a bundler should try to resolve the optional peer
 * dependency when this package is built or bundled without it.
 */
const LIBP2P_TRANSPORT_PACKAGE = '@baton/transport-libp2p';

async function resolveTransport(options: LeaderModuleOptions): Promise<Transport> {
  if (options.transport && options.libp2p) {
    throw new InvalidOptionError('libp2p', options.libp2p, BOTH_TRANSPORTS);
  }
  if (options.transport) return options.transport;
  if (!options.libp2p) throw new InvalidOptionError('transport', options.transport, NO_TRANSPORT);
  let libp2pModule: { libp2pTransport?: unknown };
  try {
    libp2pModule = await import(LIBP2P_TRANSPORT_PACKAGE);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new InvalidOptionError('libp2p', options.libp2p, LIBP2P_NOT_INSTALLED);
    }
    throw error;
  }
  const { libp2pTransport } = libp2pModule;
  if (typeof libp2pTransport !== 'function') {
    throw new InvalidOptionError('libp2p', options.libp2p, LIBP2P_NO_FACTORY);
  }
  const metrics = await libp2pMetrics(options);
  // The transport shares the election's cluster name, and keeps its peer key (the node's id, hence its
  // identity as a voter) in the election's data directory unless told otherwise.
  return (await libp2pTransport({
    clusterId: options.clusterId,
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    logger: nestElectionLogger(new Logger('BatonLibp2p')),
    ...(metrics === undefined ? {} : { metrics }),
    ...options.libp2p,
  })) as Transport;
}

/** Builds the module's `LeaderElection` from its options (not started: the module starts it). */
export async function createLeaderElection(options: LeaderModuleOptions): Promise<LeaderElection> {
  if (options == null || typeof options !== 'object') {
    throw new InvalidOptionError('options', options, 'LeaderModule.forRoot() needs an options object');
  }
  rejectUnknownOptions(options, OPTION_NAMES);
  const {
    transport: _transport,
    libp2p: _libp2p,
    metrics: _metrics,
    leaderAddress,
    expect: _expect,
    discoveryTimeout: _discoveryTimeout,
    voters: _voters,
    groups: _groups,
    ...electionOptions
  } = options;
  const groups = checkModuleGroups(options.groups);
  if (leaderAddress !== undefined && typeof leaderAddress !== 'function') {
    throw new InvalidOptionError('leaderAddress', leaderAddress, LEADER_ADDRESS_NOT_FUNCTION);
  }
  metricsOptions(options); // checked before anything starts
  checkVoterOptions(options);
  const transport = await resolveTransport(options);
  const voters = await startingVoters(options, transport, new Logger('LeaderModule')).catch(
    async (error: unknown) => {
      await transport.stop().catch(() => {}); // discovery opened it; the election that would stop it never starts
      throw error;
    },
  );
  const election = new LeaderElection({
    logger: nestElectionLogger(new Logger('LeaderElection')),
    ...electionOptions,
    ...(voters === undefined ? {} : { voters }),
    transport,
  });
  // Asked for at start, with the decorators' groups (which keep the preference given here).
  for (const { name, preferred } of groups)
    election.group(name, preferred === undefined ? undefined : { preferred });
  registerModuleMetrics(election, options);
  return election;
}

/** The provider of the module's `LeaderElection`. */
export const leaderElectionProvider: Provider = {
  provide: LEADER_ELECTION,
  useFactory: createLeaderElection,
  inject: [LEADER_MODULE_OPTIONS],
};
