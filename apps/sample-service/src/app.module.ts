import type { ElectionLogger } from '@baton/core';
import { LeaderModule, type LeaderModuleOptions } from '@baton/nestjs';
import { LeaderHealthIndicator } from '@baton/nestjs/health';
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

/** Nest's logger in the shape Baton's runtime and transport log to. */
function electionLogger(context: string): ElectionLogger {
  const logger = new Logger(context);
  return {
    debug: (message, fields) => logger.debug(message, fields),
    info: (message, fields) => logger.log(message, fields),
    warn: (message, fields) => logger.warn(message, fields),
    error: (message, fields) => logger.error(message, fields),
  };
}

/**
 * The election's options from the service's configuration.
 *
 * - `VOTERS`: the voter ids are known up front; the module builds the libp2p transport from `libp2p`.
 * - `EXPECT`: the voters are the first `EXPECT` nodes that find each other. That needs the transport
 *   before the election (`discoverVoters()`), so the service builds it and hands it over as `transport`.
 */
export async function leaderOptions(config: ServiceConfig): Promise<LeaderModuleOptions> {
  const timings = {
    electionTimeoutMin: config.electionTimeoutMinMs,
    electionTimeoutMax: config.electionTimeoutMaxMs,
    heartbeatInterval: config.heartbeatIntervalMs,
    ...(config.handoverTimeoutMs === null ? {} : { handoverTimeoutMs: config.handoverTimeoutMs }),
  };
  const libp2p = {
    listen: [...config.listen],
    bootstrap: [...config.bootstrap],
    mdns: config.mdns,
    ...(config.swarmKeyFile === null ? {} : { preSharedKey: config.swarmKeyFile }),
  };
  if (config.voters !== null) {
    const { voters, addresses } = resolveVoters(config.voters, 'VOTERS');
    // Voters named by multiaddr are dialled too.
    libp2p.bootstrap.push(...addresses.map((address) => address.toString()));
    return { clusterId: config.clusterId, voters, dataDir: config.dataDir, libp2p, ...timings };
  }
  const transport = libp2pTransport({
    clusterId: config.clusterId,
    dataDir: config.dataDir,
    logger: electionLogger('Libp2pTransport'),
    ...libp2p,
  });
  const logger = new Logger('Voters');
  logger.log(`waiting for ${config.expect} nodes to find each other (EXPECT=${config.expect})`);
  const voters = await transport.discoverVoters({ expect: config.expect ?? 1 });
  logger.log(`voters: ${voters.join(', ')}`);
  return { clusterId: config.clusterId, voters, dataDir: config.dataDir, transport, ...timings };
}

/** The sample service: a fenced leader-only job, its status API and the dashboard. */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest module class with a dynamic-module factory
export class AppModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        ScheduleModule.forRoot(),
        TerminusModule,
        LeaderModule.forRootAsync({ isGlobal: true, useFactory: () => leaderOptions(config) }),
      ],
      controllers: [StatusController, HealthController, AdminController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        LeadershipLog,
        LeadershipEvents,
        ClusterDirectory,
        FencedStoreService,
        FencedWriteJob,
        LeaderHealthIndicator,
        LoopbackOnlyGuard,
      ],
      exports: [SERVICE_CONFIG],
    };
  }
}
