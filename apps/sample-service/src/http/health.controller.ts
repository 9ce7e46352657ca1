import { LeaderHealthIndicator } from '@baton/nestjs/health';
import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';

/** Terminus health check with Baton's indicator: up while a leader is known. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly election: LeaderHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.election.isHealthy('election')]);
  }
}
