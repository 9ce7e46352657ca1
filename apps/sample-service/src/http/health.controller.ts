import { ClusterHealthIndicator } from '@baton/nestjs/health';
import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';

/** Terminus readiness check with Baton's cluster indicator: up while this node is a member that follows a known leader. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly election: ClusterHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.election.isHealthy('election')]);
  }
}
