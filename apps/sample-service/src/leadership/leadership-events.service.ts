import {
  LeaderService,
  type LeadershipHandle,
  OnBecomeFollower,
  OnBecomeLeader,
  OnLeaderChange,
  OnTermChange,
} from '@baton/nestjs';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { SERVICE_CONFIG, type ServiceConfig } from '../config/service-config.js';
import { LeadershipLog } from './leadership-log.js';
import { monoNow, perfToMono } from './mono.js';

/**
 * Turns Baton's leadership events into JSON-line records (see {@link LeadershipLog}).
 *
 * A leadership window of this process is `[sinceMono, min(lost-leadership.mono, last leaseUntilMono)]`:
 * `sinceMono` is when the lease began (the runtime's own timestamp), `lost-leadership` is written by the
 * abort listener of the leadership's signal, which the runtime aborts synchronously when it ends the lease,
 * and `lease` records (every `LEASE_LOG_INTERVAL_MS` while leading, when the lease was extended) bound the
 * window of a process that was killed or frozen and so never wrote `lost-leadership` in time.
 */
@Injectable()
export class LeadershipEvents implements OnApplicationShutdown {
  private readonly monitors = new Set<NodeJS.Timeout>();

  constructor(
    private readonly leader: LeaderService,
    private readonly log: LeadershipLog,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  @OnBecomeLeader()
  becameLeader(handle: LeadershipHandle): void {
    const { term, signal } = handle;
    const leaseUntilMono = this.leaseUntilMono();
    this.log.write('became-leader', term, {
      fencingToken: handle.fencingToken,
      sinceMono: perfToMono(handle.since).toString(),
      leaseUntilMono: leaseUntilMono?.toString() ?? null,
    });
    if (signal.aborted) {
      this.lost(handle);
      return;
    }
    const monitor = this.watchLease(term, leaseUntilMono);
    signal.addEventListener(
      'abort',
      () => {
        if (monitor) this.stopMonitor(monitor);
        this.lost(handle);
      },
      { once: true },
    );
  }

  @OnBecomeFollower()
  becameFollower(leaderId: string | null, term: number): void {
    this.log.write('became-follower', term, { leaderId });
  }

  @OnLeaderChange()
  leaderChanged(leaderId: string | null, previousLeaderId: string | null, term: number): void {
    this.log.write('leader-changed', term, { leaderId, previousLeaderId });
  }

  @OnTermChange()
  termChanged(term: number, previousTerm: number): void {
    this.log.write('term-changed', term, { previousTerm });
  }

  onApplicationShutdown(): void {
    for (const monitor of this.monitors) this.stopMonitor(monitor);
  }

  private lost(handle: LeadershipHandle): void {
    const mono = monoNow();
    const reason = (handle.signal.reason as { reason?: string } | undefined)?.reason ?? 'unknown';
    this.log.write('lost-leadership', handle.term, { reason, fencingToken: handle.fencingToken }, mono);
  }

  /** The end of this node's lease on the monotonic clock, or `null` when it holds none. */
  private leaseUntilMono(): bigint | null {
    const snapshot = this.leader.inspect();
    const now = monoNow();
    if (!snapshot.isLeader || snapshot.leaseRemainingMs <= 0) return null;
    return now + BigInt(Math.round(snapshot.leaseRemainingMs * 1e6));
  }

  /** Logs the lease end whenever heartbeats extended it, while this node leads `term`. */
  private watchLease(term: number, initial: bigint | null): NodeJS.Timeout | null {
    const every = this.config.leaseLogIntervalMs;
    if (every === 0) return null;
    let last = initial ?? 0n;
    const monitor: NodeJS.Timeout = setInterval(() => {
      if (this.leader.term() !== term) return this.stopMonitor(monitor);
      const leaseUntil = this.leaseUntilMono();
      if (leaseUntil === null) return;
      if (leaseUntil - last < 1_000_000n) return; // extended by less than 1 ms: nothing new to say
      last = leaseUntil;
      this.log.write('lease', term, { leaseUntilMono: leaseUntil.toString() });
    }, every);
    monitor.unref();
    this.monitors.add(monitor);
    return monitor;
  }

  private stopMonitor(monitor: NodeJS.Timeout): void {
    clearInterval(monitor);
    this.monitors.delete(monitor);
  }
}
