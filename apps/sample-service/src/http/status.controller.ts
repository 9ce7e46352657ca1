import { LeaderService } from '@baton/nestjs';
import { Controller, Get, Inject, type MessageEvent, Sse } from '@nestjs/common';
import { concat, defer, filter, from, map, merge, type Observable } from 'rxjs';
import { ClusterDirectory, type KnownNode } from '../cluster/cluster-directory.service.js';
import { SERVICE_CONFIG, type ServiceConfig } from '../config/service-config.js';
import { FencedStoreService } from '../fencing/fenced-store.provider.js';
import { LeadershipLog, type LeadershipRecord } from '../leadership/leadership-log.js';
import { monoNow } from '../leadership/mono.js';

/** Read-only HTTP API: what the dashboard polls and listens to. */
@Controller()
export class StatusController {
  constructor(
    private readonly leader: LeaderService,
    private readonly directory: ClusterDirectory,
    private readonly store: FencedStoreService,
    private readonly log: LeadershipLog,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  /**
   * `inspect()`'s snapshot, plus who this node is and `mono`: the host's monotonic clock when the snapshot was
   * taken (`process.hrtime.bigint()`, ns, a decimal string), the clock every leadership record is stamped with.
   */
  @Get('status')
  status() {
    return {
      nodeName: this.config.nodeName,
      httpPort: this.config.httpPort,
      pid: process.pid,
      ...this.leader.inspect(),
      mono: monoNow().toString(),
    };
  }

  /** The nodes this one knows (itself and those it heard announce themselves). */
  @Get('cluster')
  cluster(): { nodes: KnownNode[] } {
    return { nodes: this.directory.list() };
  }

  /**
   * The jobs' latest writes and refusals from the shared database; `highestToken` is the default job's (the
   * cluster leader's), `fences` every job's.
   */
  @Get('writes')
  writes() {
    return {
      highestToken: this.store.highestToken(),
      fences: this.store.fences(),
      ...this.store.counts(),
      writes: this.store.recentWrites(15),
      refusals: this.store.recentRejections(10),
    };
  }

  /**
   * Server-sent events: `leader` (every `leader$` value, the current one first) and `leadership` (the logged
   * leadership events, the last 30 of this process first). Of the `lease` records only those that move the
   * lease's end of their term later are sent (one per heartbeat round instead of one per acknowledgement):
   * the latest one bounds a leadership window the process never closed (it was killed).
   */
  @Sse('events')
  events(): Observable<MessageEvent> {
    const nodeName = this.config.nodeName;
    return merge(
      this.leader.leader$.pipe(map((state) => ({ type: 'leader', data: { nodeName, ...state } }))),
      // What happened before the client connected, then what happens.
      concat(
        defer(() => from(this.log.recent())),
        this.log.records$.pipe(filter(laterLeaseEndsOnly())),
      ).pipe(map((record) => ({ type: 'leadership', data: record }))),
    );
  }
}

/** A filter, for one subscriber, that drops the `lease` records that do not extend their term's lease end. */
function laterLeaseEndsOnly(): (record: LeadershipRecord) => boolean {
  let term = -1;
  let latest = -1n;
  return (record) => {
    if (record.event !== 'lease') return true;
    const end = BigInt(String(record.leaseEndMono));
    if (record.term === term && end <= latest) return false;
    term = record.term;
    latest = end;
    return true;
  };
}
