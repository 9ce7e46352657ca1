import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { LeaderService } from '../leader.service.js';

/**
 * A `@nestjs/terminus` health indicator: up when this node is in a cluster with a known leader (itself or
 * another node), down otherwise (no leader known yet, an election in progress, or this node cut off).
 * The details are those of `LeaderService#inspect()` (its `status` renamed `electionStatus`, since terminus
 * uses `status` for up/down). Import it from `@baton/nestjs/health`, so that
 * applications without terminus never load terminus.
 *
 * @example
 * ```ts
 * import { Controller, Get, Module } from '@nestjs/common';
 * import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
 * import { LeaderHealthIndicator } from '@baton/nestjs/health';
 *
 * @Controller('health')
 * class HealthController {
 *   constructor(private readonly health: HealthCheckService, private readonly leader: LeaderHealthIndicator) {}
 *   @Get()
 *   @HealthCheck()
 *   check() {
 *     return this.health.check([() => this.leader.isHealthy('election')]);
 *   }
 * }
 *
 * @Module({ imports: [TerminusModule], controllers: [HealthController], providers: [LeaderHealthIndicator] })
 * export class HealthModule {}
 * ```
 */
@Injectable()
export class LeaderHealthIndicator {
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
   * import { LeaderHealthIndicator } from '@baton/nestjs/health';
   *
   * @Injectable()
   * export class Readiness {
   *   constructor(private readonly leader: LeaderHealthIndicator) {}
   *   check() {
   *     return this.leader.isHealthy('election');
   *     // { election: { status: 'up', id: 'node-a', role: 'follower', leader: 'node-b', term: 4, ... } }
   *   }
   * }
   * ```
   */
  isHealthy<const Key extends string = 'leader'>(key: Key = 'leader' as Key) {
    const indicator = this.healthIndicatorService.check(key);
    let snapshot: ReturnType<LeaderService['inspect']>;
    try {
      snapshot = this.leaderService.inspect();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
    // terminus owns `status` (up/down); the election's own status is reported as `electionStatus`.
    const { status: electionStatus, ...rest } = snapshot;
    const details = { ...rest, electionStatus };
    return details.leader === null
      ? indicator.down({ ...details, message: 'no leader known' })
      : indicator.up(details);
  }
}
