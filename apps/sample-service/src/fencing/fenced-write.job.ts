import { LeaderOnly, LeaderService, type LeadershipHandle } from '@baton/nestjs';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { SERVICE_CONFIG, type ServiceConfig } from '../config/service-config.js';
import { monoNow } from '../leadership/mono.js';
import { StaleTokenError } from './fenced-store.js';
import { FencedStoreService } from './fenced-store.provider.js';

/**
 * Decorator arguments are evaluated when this file is imported; `loadConfig()` has checked
 * `JOB_INTERVAL_MS` (and exited on a bad value) before Nest starts any interval.
 */
const JOB_INTERVAL_MS = Number(process.env.JOB_INTERVAL_MS?.trim() || 500);

/** The leader-only job: every `JOB_INTERVAL_MS`, the leader records a row, fenced by its token. */
@Injectable()
export class FencedWriteJob {
  private readonly logger = new Logger(FencedWriteJob.name);
  private runs = 0;

  constructor(
    private readonly store: FencedStoreService,
    private readonly leader: LeaderService,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  // Every replica schedules the interval; @LeaderOnly lets the call through only on the replica that holds
  // a valid lease at that instant, and hands it the leadership (fencing token and signal).
  @LeaderOnly({ passFencingToken: true })
  @Interval('fenced-write', Number.isFinite(JOB_INTERVAL_MS) && JOB_INTERVAL_MS > 0 ? JOB_INTERVAL_MS : 500)
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
