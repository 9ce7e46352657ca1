import { LeaderOnly, LeaderService, type LeadershipHandle } from '@baton/nestjs';
import { Inject, Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { SERVICE_CONFIG, type ServiceConfig } from '../config/service-config.js';
import { FencedJob } from './fenced-job.js';
import { DEFAULT_JOB } from './fenced-store.js';
import { FencedStoreService } from './fenced-store.provider.js';

/** The cluster leader's job (the default election group): a fenced row every `JOB_INTERVAL_MS`. */
@Injectable()
export class FencedWriteJob extends FencedJob {
  constructor(
    store: FencedStoreService,
    leader: LeaderService,
    scheduler: SchedulerRegistry,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
  ) {
    super(DEFAULT_JOB, store, leader, scheduler, config);
  }

  @LeaderOnly({ passLeadership: true })
  protected override tick(handle?: LeadershipHandle): void {
    if (handle) this.record(handle);
  }
}
