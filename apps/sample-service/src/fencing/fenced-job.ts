import type { LeaderService, LeadershipHandle } from '@baton/nestjs';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import type { ServiceConfig } from '../config/service-config.js';
import { monoNow } from '../leadership/mono.js';
import { StaleTokenError } from './fenced-store.js';
import type { FencedStoreService } from './fenced-store.provider.js';

/**
 * A leader-only job: every `JOB_INTERVAL_MS`, the leader of the job's election group records a row in the
 * shared database, fenced by that group's fencing token. A subclass names the job (its group) and puts
 * `@LeaderOnly(group, { passLeadership: true })` on a method that calls {@link FencedJob.record}: every
 * replica schedules the interval, and the decorator lets the call through only on the replica that holds a
 * valid lease of the group at that instant.
 */
export abstract class FencedJob implements OnApplicationBootstrap {
  private readonly logger: Logger;
  private runs = 0;

  protected constructor(
    /** The job's name, which is its election group's (`'default'`: the cluster's leader). */
    readonly job: string,
    private readonly store: FencedStoreService,
    private readonly leader: LeaderService,
    private readonly scheduler: SchedulerRegistry,
    private readonly config: ServiceConfig,
  ) {
    this.logger = new Logger(`FencedJob(${job})`);
  }

  /** The decorated method the interval calls (without arguments; `@LeaderOnly` prepends the handle). */
  protected abstract tick(): void;

  /**
   * Schedules the job with the interval of the checked configuration. Not `@Interval(ms)`: a decorator's
   * argument is evaluated when the file is imported, before the configuration is read. Added to
   * `@nestjs/schedule`'s registry, which clears it at shutdown like a decorated interval.
   */
  onApplicationBootstrap(): void {
    this.scheduler.addInterval(
      `fenced-job-${this.job}`,
      setInterval(() => this.tick(), this.config.jobInterval),
    );
  }

  /** One run with the leadership `@LeaderOnly` handed over: the row goes with the group's fencing token. */
  protected record({ fencingToken, signal }: LeadershipHandle): void {
    if (signal.aborted) return; // leadership ended since the check: leave the work to the next leader
    this.runs += 1;
    try {
      // The token goes with the write; the database, not this process, has the last word.
      this.store.write({
        job: this.job,
        token: fencingToken,
        nodeId: this.leader.id,
        nodeName: this.config.nodeName,
        mono: monoNow().toString(),
        note: `${this.job} tick ${this.runs} of ${this.config.nodeName}`,
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
