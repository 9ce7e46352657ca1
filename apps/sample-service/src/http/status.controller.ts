import { LeaderService } from '@baton/nestjs';
import { Controller, Get, Inject, type MessageEvent, Sse } from '@nestjs/common';
import { concat, defer, filter, from, map, merge, type Observable } from 'rxjs';
import { ClusterDirectory, type KnownNode } from '../cluster/cluster-directory.service.js';
import { SERVICE_CONFIG, type ServiceConfig } from '../config/service-config.js';
import { FencedStoreService } from '../fencing/fenced-store.provider.js';
import { LeadershipLog } from '../leadership/leadership-log.js';

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

  /** `inspect()`'s snapshot, plus who this node is. */
  @Get('status')
  status() {
    return {
      nodeName: this.config.nodeName,
      httpPort: this.config.httpPort,
      pid: process.pid,
      ...this.leader.inspect(),
    };
  }

  /** The nodes this one knows (itself and those it heard announce themselves). */
  @Get('cluster')
  cluster(): { nodes: KnownNode[] } {
    return { nodes: this.directory.list() };
  }

  /** The job's latest writes and refusals from the shared database. */
  @Get('writes')
  writes() {
    return {
      highestToken: this.store.highestToken(),
      ...this.store.counts(),
      writes: this.store.recentWrites(15),
      refusals: this.store.recentRejections(10),
    };
  }

  /**
   * Server-sent events: `leader` (every `leader$` value, the current one first) and `leadership` (the logged
   * leadership events, the last 30 of this process first).
   */
  @Sse('events')
  events(): Observable<MessageEvent> {
    const nodeName = this.config.nodeName;
    return merge(
      this.leader.leader$.pipe(map((state) => ({ type: 'leader', data: { nodeName, ...state } }))),
      // What happened before the client connected, then what happens.
      concat(
        defer(() => from(this.log.recent())),
        this.log.records$.pipe(filter((record) => record.event !== 'lease')),
      ).pipe(map((record) => ({ type: 'leadership', data: record }))),
    );
  }
}
