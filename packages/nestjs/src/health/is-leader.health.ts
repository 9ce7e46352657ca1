import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { LeaderService } from '../leader.service.js';
import { electionDetails } from './election-details.js';

/**
 * A `@nestjs/terminus` health indicator that is up on the leader only (a valid lease right now), for users who
 * route by role: a load balancer that sends leader-only traffic to whichever node answers up here. Not for a
 * Kubernetes readiness probe (every follower would be unready, and a rolling update would stall: use
 * `ClusterHealthIndicator`), nor for liveness. Import it from `@baton/nestjs/health`.
 *
 * @example
 * ```ts
 * import { Controller, Get, Module } from '@nestjs/common';
 * import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
 * import { IsLeaderHealthIndicator } from '@baton/nestjs/health';
 *
 * @Controller('health')
 * class RoleController {
 *   constructor(private readonly health: HealthCheckService, private readonly role: IsLeaderHealthIndicator) {}
 *   @Get('leader')
 *   @HealthCheck()
 *   leader() {
 *     return this.health.check([() => this.role.isHealthy('leader')]); // 200 on the leader, 503 elsewhere
 *   }
 * }
 *
 * @Module({ imports: [TerminusModule], controllers: [RoleController], providers: [IsLeaderHealthIndicator] })
 * export class RoleModule {}
 * ```
 */
@Injectable()
export class IsLeaderHealthIndicator {
  constructor(
    private readonly leaderService: LeaderService,
    private readonly healthIndicatorService: HealthIndicatorService,
  ) {}

  /**
   * Checks under `key` whether this node leads.
   *
   * @example
   * ```ts
   * import { Injectable } from '@nestjs/common';
   * import { IsLeaderHealthIndicator } from '@baton/nestjs/health';
   *
   * @Injectable()
   * export class Role {
   *   constructor(private readonly role: IsLeaderHealthIndicator) {}
   *   check() {
   *     return this.role.isHealthy(); // { leader: { status: 'down', role: 'follower', leader: 'node-b', ... } }
   *   }
   * }
   * ```
   */
  isHealthy<const Key extends string = 'leader'>(key: Key = 'leader' as Key) {
    const indicator = this.healthIndicatorService.check(key);
    const read = electionDetails(this.leaderService);
    if (!('details' in read)) return indicator.down({ message: read.message });
    return read.details.isLeader
      ? indicator.up(read.details)
      : indicator.down({ ...read.details, message: 'this node is not the leader' });
  }
}
