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
      leadingTerm: () => (this.leader.isLeader() ? this.leader.term() : null),
      record: (term, leaseEndMono) =>
        this.log.write('lease', term, { leaseEndMono: leaseEndMono.toString() }),
    });
  }

  @OnBecomeLeader()
  becameLeader(handle: LeadershipHandle): void {
    const { term, signal } = handle;
    this.log.write('became-leader', term, {
      fencingToken: handle.fencingToken,
      sinceMono: perfToMono(handle.since).toString(),
      leaseEndMono: this.leaseEndMono()?.toString() ?? null,
    });
    if (signal.aborted) this.lost(handle);
    else signal.addEventListener('abort', () => this.lost(handle), { once: true });
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

  private lost(handle: LeadershipHandle): void {
    const mono = monoNow();
    const { reason } = handle.signal;
    // The runtime aborts a leadership's signal with a LeadershipLostError carrying the LeadershipLostReason.
    const why = reason instanceof LeadershipLostError ? reason.reason : 'unknown';
    this.log.write('lost-leadership', handle.term, { reason: why, fencingToken: handle.fencingToken }, mono);
  }

  /**
   * The end of this node's lease on the monotonic clock, or `null` when it holds none. The clock is read after
   * `inspect()`, so the result is at or after the true end.
   */
  private leaseEndMono(): bigint | null {
    const snapshot = this.leader.inspect();
    const now = monoNow();
    if (!snapshot.isLeader || snapshot.leaseRemaining <= 0) return null;
    return now + BigInt(Math.ceil(snapshot.leaseRemaining * 1e6));
  }
}
