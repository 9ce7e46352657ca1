import { LeaderOnly, LeaderService, type LeadershipHandle } from '@baton/nestjs';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { SERVICE_CONFIG, type ServiceConfig } from '../config/service-config.js';
import { monoNow } from '../leadership/mono.js';
import { StaleTokenError } from './fenced-store.js';
import { FencedStoreService } from './fenced-store.provider.js';

/** The leader-only job: every `JOB_INTERVAL_MS`, the leader records a row, fenced by its token. */
@Injectable()
export class FencedWriteJob implements OnApplicationBootstrap {
  private readonly logger = new Logger(FencedWriteJob.name);
  private runs = 0;

  constructor(
    private readonly store: FencedStoreService,
    private readonly leader: LeaderService,
    private readonly scheduler: SchedulerRegistry,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  /**
   * Schedules the job with the interval of the checked configuration. Not `@Interval(ms)`: a decorator's
   * argument is evaluated when this file is imported, before the configuration is read. Added to
   * `@nestjs/schedule`'s registry, which clears it at shutdown like a decorated interval.
   */
  onApplicationBootstrap(): void {
    // Called without arguments, as @nestjs/schedule would: @LeaderOnly's wrapper prepends the handle.
    const tick = this.recordTick as unknown as (this: FencedWriteJob) => void;
    this.scheduler.addInterval(
      'fenced-write',
      setInterval(() => tick.call(this), this.config.jobInterval),
    );
  }

  // Every replica schedules the interval; @LeaderOnly lets the call through only on the replica that holds
  // a valid lease at that instant, and hands it the leadership (fencing token and signal) as first argument.
  @LeaderOnly({ passLeadership: true })
  recordTick({ fencingToken, signal }: LeadershipHandle): void {
    if (signal.aborted) return; // leadership ended since the check: leave the work to the next leader
    this.runs += 1;
    try {
      // The token goes with the write; the database, not this process, has the last word.
      this.store.write({
        token: fencingToken,
        nodeId: this.leader.id,
        nodeName: this.config.nodeName,
        mono: monoNow().toString(),
        note: `tick ${this.runs} of ${this.config.nodeName}`,
      });
    } catch (error) {
      if (error instanceof StaleTokenError) {
        // A successor has written with a newer token: this node was deposed while it thought it led.
        this.logger.warn(error.message);
        return;
      }
      throw error;
    }
  }
}
