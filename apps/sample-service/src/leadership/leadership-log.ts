import { LeaderService } from '@baton/nestjs';
import { Inject, Injectable } from '@nestjs/common';
import { type Observable, Subject } from 'rxjs';
import { SERVICE_CONFIG, type ServiceConfig } from '../config/service-config.js';
import { monoNow } from './mono.js';

/** The leadership events this service records, one JSON line each. */
export type LeadershipEventName =
  | 'node-started'
  | 'became-leader'
  | 'lost-leadership'
  | 'lease'
  | 'became-follower'
  | 'leader-changed'
  | 'term-changed'
  | 'node-stopping';

const HISTORY = 30;

/** One JSON line: `mono` (hrtime ns, as a string) and `term` on every record, so windows can be lined up. */
export interface LeadershipRecord {
  readonly event: LeadershipEventName;
  /** `process.hrtime.bigint()` when the event was observed, in nanoseconds (a decimal string). */
  readonly mono: string;
  readonly ts: string;
  readonly term: number;
  readonly nodeId: string;
  readonly nodeName: string;
  readonly pid: number;
  readonly [field: string]: unknown;
}

/**
 * Writes leadership events as JSON lines on stdout (`{"log":"leadership",...}`) and republishes them for
 * the SSE stream. Written directly, not through Nest's logger, so that the fields stay at the top level and
 * a line is never interleaved with another.
 */
@Injectable()
export class LeadershipLog {
  private readonly records = new Subject<LeadershipRecord>();
  /** The latest records other than `lease`, for a dashboard that connects late. */
  private readonly history: LeadershipRecord[] = [];
  /** The records as they are written (the `lease` records included). */
  readonly records$: Observable<LeadershipRecord> = this.records.asObservable();

  constructor(
    private readonly leader: LeaderService,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  /** This node's peer id; known once the transport has started (every election event comes after that). */
  private nodeId(): string {
    try {
      return this.leader.id;
    } catch {
      return '';
    }
  }

  write(
    event: LeadershipEventName,
    term: number,
    fields: Record<string, unknown> = {},
    mono = monoNow(),
  ): LeadershipRecord {
    const record: LeadershipRecord = {
      log: 'leadership',
      event,
      mono: mono.toString(),
      ts: new Date().toISOString(),
      term,
      nodeId: this.nodeId(),
      nodeName: this.config.nodeName,
      pid: process.pid,
      ...fields,
    };
    process.stdout.write(
      `${JSON.stringify(record, (_key, value) => (typeof value === 'bigint' ? value.toString() : value))}\n`,
    );
    if (event !== 'lease') {
      this.history.push(record);
      if (this.history.length > HISTORY) this.history.shift();
    }
    this.records.next(record);
    return record;
  }

  /** The last records of this process (without the `lease` ones), oldest first. */
  recent(): readonly LeadershipRecord[] {
    return [...this.history];
  }

  complete(): void {
    this.records.complete();
  }
}
