import { LeaderService } from '@baton/nestjs';
import {
  BadRequestException,
  Controller,
  HttpCode,
  Inject,
  Logger,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { SERVICE_CONFIG, type ServiceConfig } from '../config/service-config.js';
import { DEFAULT_JOB, StaleTokenError } from '../fencing/fenced-store.js';
import { FencedStoreService } from '../fencing/fenced-store.provider.js';
import { REPORTS_GROUP } from '../fencing/reports.job.js';
import { monoNow } from '../leadership/mono.js';
import { LoopbackOnlyGuard } from './loopback.guard.js';

/** The bit of Express's response these handlers use. */
interface Response {
  on(event: 'finish', listener: () => void): unknown;
  status(code: number): { json(body: unknown): unknown };
}

/** Demo controls. Loopback only: they kill or stop the process. */
@Controller('admin')
@UseGuards(LoopbackOnlyGuard)
export class AdminController {
  private readonly logger = new Logger(AdminController.name);

  constructor(
    private readonly leader: LeaderService,
    private readonly store: FencedStoreService,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  /** Dies at once, like a crash or an OOM kill: no handover, the lease must lapse. */
  @Post('kill')
  @HttpCode(202)
  kill(@Res() response: Response): void {
    this.logger.warn('POST /admin/kill: SIGKILL to self');
    response.on('finish', () => process.kill(process.pid, 'SIGKILL'));
    response.status(202).json({ killing: this.config.nodeName, pid: process.pid });
  }

  /** Graceful shutdown: a leader hands leadership over first (the same path as SIGTERM). */
  @Post('stop')
  @HttpCode(202)
  stop(@Res() response: Response): void {
    this.logger.log('POST /admin/stop: shutting down gracefully');
    response.on('finish', () => process.kill(process.pid, 'SIGTERM'));
    response.status(202).json({ stopping: this.config.nodeName, pid: process.pid });
  }

  /**
   * Tries a write with an old token, as a deposed leader waking from a pause would: shows the fence refusing
   * it. `token` defaults to one below the highest the database has seen, and must be below it: a token at
   * or above it would be accepted and raise the fence past the current leader's term, and the fence would
   * then refuse every write of the real leader until a later term.
   */
  @Post('stale-write')
  staleWrite(@Query('token') token?: string, @Query('job') job: string = DEFAULT_JOB) {
    if (job !== DEFAULT_JOB && job !== REPORTS_GROUP) {
      throw new BadRequestException(
        `job: must be ${JSON.stringify(DEFAULT_JOB)} or ${JSON.stringify(REPORTS_GROUP)} (got ${JSON.stringify(job)})`,
      );
    }
    const highest = this.store.highestToken(job);
    const attempt = token === undefined ? highest - 1 : Number(token);
    const wellFormed = token === undefined || (/^\s*-?\d+\s*$/.test(token) && Number.isSafeInteger(attempt));
    if (!wellFormed || attempt >= highest) {
      throw new BadRequestException(
        `token: must be an integer below ${highest}, the highest token the database has seen for job ${job} (got ${JSON.stringify(token)}); ` +
          "the fence accepts a token at or above it, and a higher one would refuse the current leader's writes",
      );
    }
    try {
      const seq = this.store.write({
        job,
        token: attempt,
        nodeId: this.leader.id,
        nodeName: this.config.nodeName,
        mono: monoNow().toString(),
        note: `manual write with token ${attempt}`,
      });
      // The fence only rises, so a token below `highest` is always refused: this answer means a broken fence.
      return { accepted: true, token: attempt, seq };
    } catch (error) {
      if (error instanceof StaleTokenError) {
        return { accepted: false, token: attempt, highestToken: error.highestToken, reason: error.message };
      }
      throw error;
    }
  }
}
