import { LeaderOnly, LeaderService, type LeadershipHandle } from '@baton/nestjs';
import { Inject, Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { SERVICE_CONFIG, type ServiceConfig } from '../config/service-config.js';
import { FencedJob } from './fenced-job.js';
import { FencedStoreService } from './fenced-store.provider.js';

/** The election group of the reports job: its own leader, terms and fencing tokens. */
export const REPORTS_GROUP = 'reports';

/**
 * The second job, in an election group of its own (`reports`): it runs on that group's leader, which need not
 * be the cluster's leader (placement spreads the leaders of groups over the voters), with that group's
 * fencing token against its own fence. The group exists because this decorator names it.
 */
@Injectable()
export class ReportsJob extends FencedJob {
  constructor(
    store: FencedStoreService,
    leader: LeaderService,
    scheduler: SchedulerRegistry,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
  ) {
    super(REPORTS_GROUP, store, leader, scheduler, config);
  }

  @LeaderOnly(REPORTS_GROUP, { passLeadership: true })
  protected override tick(handle?: LeadershipHandle): void {
    if (handle) this.record(handle);
  }
}
