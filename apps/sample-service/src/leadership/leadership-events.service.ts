import {
  type LeaderElectionEvents,
  LeaderService,
  type LeadershipHandle,
  LeadershipLostError,
  OnBecomeFollower,
  OnBecomeLeader,
  OnLeaderChange,
  OnTermChange,
} from '@baton/nestjs';
import { Injectable } from '@nestjs/common';
import { REPORTS_GROUP } from '../fencing/reports.job.js';
import { LeadershipLog } from './leadership-log.js';
import { LeaseTracker } from './lease-tracker.js';
import { monoNow, perfToMono } from './mono.js';

/**
 * Turns Baton's leadership events into JSON-line records (see {@link LeadershipLog}).
 *
 * A leadership window of this process is `[sinceMono, min(lost-leadership.mono, last leaseEndMono)]`:
 * `sinceMono` is when the lease began (the runtime's own timestamp), `lost-leadership` is written by the
 * abort listener of the leadership's signal, which the runtime aborts synchronously when it ends the lease,
 * and `lease` records, written by the {@link LeaseTracker} ahead of every acknowledgement that can extend the
 * lease, bound the window of a process that was killed or frozen and so never wrote `lost-leadership` in time.
 */
@Injectable()
export class LeadershipEvents {
  constructor(
    private readonly leader: LeaderService,
    private readonly log: LeadershipLog,
    leases: LeaseTracker,
  ) {
    leases.attach({
      leadingTerm: (group) => {
        const election = group === undefined ? this.leader : this.leader.group(group);
        return election.isLeader() ? election.term() : null;
      },
      record: (group, term, leaseEndMono) =>
        this.log.write('lease', term, { leaseEndMono: leaseEndMono.toString(), ...groupField(group) }),
    });
  }

  @OnBecomeLeader()
  becameLeader(handle: LeadershipHandle): void {
    this.began(handle, undefined);
  }

  /** The reports job's group: its leaderships are logged as the default election's are, with `group`. */
  @OnBecomeLeader(REPORTS_GROUP)
  becameReportsLeader(handle: LeadershipHandle): void {
    this.began(handle, REPORTS_GROUP);
  }

  private began(handle: LeadershipHandle, group: string | undefined): void {
    const { term, signal } = handle;
    this.log.write('became-leader', term, {
      fencingToken: handle.fencingToken,
      sinceMono: perfToMono(handle.since).toString(),
      leaseEndMono: this.leaseEndMono(group)?.toString() ?? null,
      ...groupField(group),
    });
    if (signal.aborted) this.lost(handle, group);
    else signal.addEventListener('abort', () => this.lost(handle, group), { once: true });
  }

  @OnBecomeFollower()
  becameFollower({ leader, term }: LeaderElectionEvents['became-follower']): void {
    this.log.write('became-follower', term, { leader });
  }

  @OnLeaderChange()
  leaderChanged({ leader, previous, term }: LeaderElectionEvents['leader-changed']): void {
    this.log.write('leader-changed', term, { leader, previous });
  }

  @OnTermChange()
  termChanged({ from, to }: LeaderElectionEvents['term-changed']): void {
    this.log.write('term-changed', to, { from });
  }

  private lost(handle: LeadershipHandle, group: string | undefined): void {
    const mono = monoNow();
    const { reason } = handle.signal;
    // The runtime aborts a leadership's signal with a LeadershipLostError carrying the LeadershipLostReason.
    const why = reason instanceof LeadershipLostError ? reason.reason : 'unknown';
    this.log.write(
      'lost-leadership',
      handle.term,
      { reason: why, fencingToken: handle.fencingToken, ...groupField(group) },
      mono,
    );
  }

  /**
   * The end of this node's lease on the monotonic clock, or `null` when it holds none. The clock is read after
   * `inspect()`, so the result is at or after the true end.
   */
  private leaseEndMono(group: string | undefined): bigint | null {
    const snapshot = this.leader.inspect();
    const of = group === undefined ? snapshot : snapshot.groups?.[group];
    const now = monoNow();
    if (of === undefined || !of.isLeader || of.leaseRemaining <= 0) return null;
    return now + BigInt(Math.ceil(of.leaseRemaining * 1e6));
  }
}

/** The `group` field of a record: absent for the default election, as on Baton's messages and events. */
function groupField(group: string | undefined): { group?: string } {
  return group === undefined ? {} : { group };
}
