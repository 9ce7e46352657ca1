import { resolveElectionOptions } from '@baton/core';
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
import { ReportsJob } from './fencing/reports.job.js';
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
 * (rather than passing `libp2p` options to the module) so that `leases` can observe the heartbeats; the
 * wrapped transport keeps `discoverVoters()`, so the module finds the voters itself:
 *
 * - `VOTERS`: the voter ids are known up front.
 * - `EXPECT`: no voters named: a member (a configuration in `DATA_DIR`) starts from its configuration; a fresh
 *   node joins the cluster it finds, or forms the first voter set with the first `EXPECT` fresh nodes.
 */
export function leaderOptions(config: ServiceConfig, leases: LeaseTracker): LeaderModuleOptions {
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
  return {
    clusterId: config.clusterId,
    ...(resolved === null ? {} : { voters: [...resolved.voters] }),
    ...(config.expect === null ? {} : { expect: config.expect }),
    dataDir: config.dataDir,
    transport: config.leaseLog ? leases.wrap(transport) : transport,
    ...electionTimings(config),
    ...(config.stopTimeout === null ? {} : { stopTimeout: config.stopTimeout }),
    ...(config.deadVoterTimeout === null ? {} : { autopilot: { deadVoterTimeout: config.deadVoterTimeout } }),
  };
}

/**
 * The sample service: two fenced leader-only jobs in two election groups (the cluster's leader, and group
 * `reports`), its status API and the dashboard.
 */
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
        ReportsJob,
        ClusterHealthIndicator,
        LoopbackOnlyGuard,
      ],
      exports: [SERVICE_CONFIG],
    };
  }
}
