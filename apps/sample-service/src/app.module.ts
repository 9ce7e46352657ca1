import { FileStateStore, resolveElectionOptions } from '@baton/core';
import { LeaderModule, type LeaderModuleOptions, nestElectionLogger } from '@baton/nestjs';
import { ClusterHealthIndicator } from '@baton/nestjs/health';
import { libp2pTransport, resolveVoters } from '@baton/transport-libp2p';
import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import { ClusterDirectory } from './cluster/cluster-directory.service.js';
import { SERVICE_CONFIG, type ServiceConfig } from './config/service-config.js';
import { FencedStoreService } from './fencing/fenced-store.provider.js';
import { FencedWriteJob } from './fencing/fenced-write.job.js';
import { AdminController } from './http/admin.controller.js';
import { HealthController } from './http/health.controller.js';
import { LoopbackOnlyGuard } from './http/loopback.guard.js';
import { StatusController } from './http/status.controller.js';
import { LeadershipEvents } from './leadership/leadership-events.service.js';
import { LeadershipLog } from './leadership/leadership-log.js';
import { LeaseTracker } from './leadership/lease-tracker.js';

/** The election's timings from the service's configuration (the same names, in milliseconds). */
export function electionTimings(
  config: ServiceConfig,
): Pick<LeaderModuleOptions, 'electionTimeoutMin' | 'electionTimeoutMax' | 'heartbeatInterval'> {
  const { electionTimeoutMin, electionTimeoutMax, heartbeatInterval } = config;
  return { electionTimeoutMin, electionTimeoutMax, heartbeatInterval };
}

/**
 * The election's options from the service's configuration. The service builds the libp2p transport itself
 * (rather than passing `libp2p` options to the module) so that `leases` can observe the heartbeats.
 *
 * - `VOTERS`: the voter ids are known up front.
 * - `EXPECT`: the voters are the first `EXPECT` nodes that find each other (`discoverVoters()`, on the
 *   transport before the election starts).
 */
export async function leaderOptions(
  config: ServiceConfig,
  leases: LeaseTracker,
): Promise<LeaderModuleOptions> {
  const timings = {
    ...electionTimings(config),
    ...(config.stopTimeout === null ? {} : { stopTimeout: config.stopTimeout }),
    ...(config.deadVoterTimeout === null ? {} : { autopilot: { deadVoterTimeout: config.deadVoterTimeout } }),
  };
  const resolved = config.voters === null ? null : resolveVoters(config.voters, 'VOTERS');
  const transport = libp2pTransport({
    clusterId: config.clusterId,
    dataDir: config.dataDir,
    logger: nestElectionLogger(new Logger('Libp2pTransport')),
    listen: [...config.listen],
    // Voters named by multiaddr are dialled too.
    bootstrap: [...config.bootstrap, ...(resolved?.addresses ?? []).map((address) => address.toString())],
    mdns: config.mdns,
    ...(config.swarmKeyFile === null ? {} : { preSharedKey: config.swarmKeyFile }),
  });
  let voters: readonly string[];
  const persisted = await FileStateStore.read(config.dataDir);
  if (resolved !== null) {
    voters = resolved.voters;
  } else if (persisted !== null && persisted.configuration.version > 0) {
    voters = []; // a member already: its persisted configuration rules, it never forms a cluster again
  } else {
    const logger = new Logger('Voters');
    logger.log(`waiting for ${config.expect} nodes to find each other (EXPECT=${config.expect})`);
    const discovery = await transport.discoverVoters({ expect: config.expect ?? 1 });
    voters = discovery.voters;
    logger.log(
      discovery.outcome === 'join'
        ? `a cluster exists (${discovery.reason}): joining it as an observer`
        : `voters: ${voters.join(', ')}`,
    );
  }
  return {
    clusterId: config.clusterId,
    voters: [...voters],
    dataDir: config.dataDir,
    transport: config.leaseLog ? leases.wrap(transport) : transport,
    ...timings,
  };
}

/** The sample service: a fenced leader-only job, its status API and the dashboard. */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest module class with a dynamic-module factory
export class AppModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    const { options } = resolveElectionOptions({ clusterId: config.clusterId, ...electionTimings(config) });
    const leases = new LeaseTracker({ leaseDuration: options.leaseDuration });
    return {
      module: AppModule,
      global: true,
      imports: [
        ScheduleModule.forRoot(),
        TerminusModule,
        LeaderModule.forRootAsync({ isGlobal: true, useFactory: () => leaderOptions(config, leases) }),
      ],
      controllers: [StatusController, HealthController, AdminController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: LeaseTracker, useValue: leases },
        LeadershipLog,
        LeadershipEvents,
        ClusterDirectory,
        FencedStoreService,
        FencedWriteJob,
        ClusterHealthIndicator,
        LoopbackOnlyGuard,
      ],
      exports: [SERVICE_CONFIG],
    };
  }
}
