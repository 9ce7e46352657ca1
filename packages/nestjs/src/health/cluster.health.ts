import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { LeaderService } from '../leader.service.js';
import { electionDetails } from './election-details.js';

/**
 * A `@nestjs/terminus` health indicator for **readiness**: up when this node is a working member of a
 * cluster: its election runs, a leader is known (itself or another node), and this node holds a voter
 * configuration and follows that leader (as a voter or an observer), which means it holds the leader's
 * configuration (a follower adopts the configuration a heartbeat carries before it acknowledges it). Down
 * before the first election, during an election, or when this node is cut off from the leader. Every node of
 * a healthy cluster is up, the leader and its followers alike: readiness must not depend on leading, or a
 * rolling update that waits for each new pod to be ready never gets past the first one (a new pod does not
 * lead). Do not use it for liveness: restarting a node because the cluster has no leader does not give it one.
 *
 * The details are `LeaderService#inspect()`'s snapshot, its `status` renamed `electionStatus`. Import it from
 * `@baton/nestjs/health`, so that applications without terminus never load terminus.
 *
 * @example
 * ```ts
 * import { Controller, Get, Module } from '@nestjs/common';
 * import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
 * import { ClusterHealthIndicator } from '@baton/nestjs/health';
 *
 * @Controller('health')
 * class HealthController {
 *   constructor(private readonly health: HealthCheckService, private readonly cluster: ClusterHealthIndicator) {}
 *   @Get('ready')
 *   @HealthCheck()
 *   ready() {
 *     return this.health.check([() => this.cluster.isHealthy('election')]);
 *   }
 * }
 *
 * @Module({ imports: [TerminusModule], controllers: [HealthController], providers: [ClusterHealthIndicator] })
 * export class HealthModule {}
 * ```
 */
@Injectable()
export class ClusterHealthIndicator {
  constructor(
    private readonly leaderService: LeaderService,
    private readonly healthIndicatorService: HealthIndicatorService,
  ) {}

  /**
   * Checks the election under `key`.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { ClusterHealthIndicator } from '@baton/nestjs/health';
   *
   * @Injectable()
   * export class Readiness {
   *   constructor(private readonly cluster: ClusterHealthIndicator) {}
   *   check() {
   *     return this.cluster.isHealthy('election');
   *     // { election: { status: 'up', id: 'node-a', role: 'follower', leader: 'node-b', term: 4, ... } }
   *   }
   * }
   * ```
   */
  isHealthy<const Key extends string = 'cluster'>(key: Key = 'cluster' as Key) {
    const indicator = this.healthIndicatorService.check(key);
    const read = electionDetails(this.leaderService);
    if (!('details' in read)) return indicator.down({ message: read.message });
    const { details } = read;
    const problem =
      details.electionStatus !== 'running'
        ? `the election is ${details.electionStatus}`
        : details.leader === null
          ? 'no leader known'
          : details.membership.version === 0
            ? 'this node holds no voter configuration yet'
            : details.role === 'pre-candidate' || details.role === 'candidate'
              ? 'this node is campaigning'
              : details.role === 'leader' && !details.isLeader
                ? 'this node leads without a valid lease'
                : null;
    return problem === null ? indicator.up(details) : indicator.down({ ...details, message: problem });
  }
}
