/**
 * Figures of one simulated run (or of many, added up). All durations are virtual milliseconds.
 *
 * @example
 * ```ts
 * import { percentile, SimCluster } from '@baton/core/testing';
 * const c = SimCluster.create({ nodes: 5 });
 * c.runFor(1_000);
 * c.crash(c.leaseHolder()!);
 * c.runFor(2_000);
 * const { failoversMs, leaderlessMs } = c.stats();
 * console.log(percentile(failoversMs, 0.5), leaderlessMs);
 * ```
 */
export interface SimStats {
  /** Virtual time simulated. */
  readonly virtualMs: number;
  /** Events processed (deliveries, timers, commands and faults). */
  readonly steps: number;
  readonly messagesSent: number;
  readonly messagesDelivered: number;
  /** Campaigns started: a node became candidate. */
  readonly electionsStarted: number;
  /** Campaigns won: a node became leader. */
  readonly electionsWon: number;
  /** Terms in which two or more nodes campaigned and none won. */
  readonly splitVotes: number;
  /** Virtual time during which no node held a valid lease (cold start included). */
  readonly leaderlessMs: number;
  /**
   * For every lease that ended involuntarily (crash, lapse, partition, pause), the time until the next valid
   * lease anywhere.
   */
  readonly failoversMs: readonly number[];
  /** The same for leases given up on purpose (transfer, step-down). */
  readonly handoversMs: readonly number[];
  /** The longest stretch without a lease while the cluster was free of faults (compare with the liveness bound). */
  readonly longestHealedGapMs: number;
}

/**
 * Follows lease coverage over virtual time: leaderless stretches, failovers and handovers. Fed once per
 * step with the lease holder (if any) and the virtual instant its lease ends.
 *
 * @example
 * ```ts
 * import { LeaseCoverage } from './sim-stats.js';
 * const coverage = new LeaseCoverage();
 * coverage.observe(0, null); // no lease yet
 * coverage.observe(200, 335); // a lease until 335
 * coverage.observe(400, null); // it lapsed at 335
 * coverage.observe(600, 735); // the next one: a failover of 265 ms
 * coverage.failoversMs; // [265]
 * ```
 */
export class LeaseCoverage {
  private gapOpen = true;
  private gapStart = 0;
  private gapIsInitial = true;
  private coveredUntil = Number.NEGATIVE_INFINITY;
  private closedLeaderlessMs = 0;
  /** Set when the holder gave its lease up on purpose; cleared when the next lease is seen. */
  private voluntary = false;
  readonly failoversMs: number[] = [];
  readonly handoversMs: number[] = [];

  /** The end of the last lease seen (`-Infinity`: none yet). */
  get lastLeaseEnd(): number {
    return this.coveredUntil;
  }

  /** The current holder is giving its lease up on purpose. */
  markVoluntary(): void {
    this.voluntary = true;
  }

  /** At `now`, a lease is held until `leaseEnd` (virtual), or none is (`leaseEnd === null`). */
  observe(now: number, leaseEnd: number | null): void {
    if (leaseEnd !== null) {
      if (!this.gapOpen && this.coveredUntil < now) {
        // The last lease ended between two steps and this one started later: a gap nobody stepped through.
        this.gapOpen = true;
        this.gapStart = this.coveredUntil;
      }
      if (this.gapOpen) {
        const gap = now - this.gapStart;
        this.closedLeaderlessMs += gap;
        if (!this.gapIsInitial) (this.voluntary ? this.handoversMs : this.failoversMs).push(gap);
        this.gapOpen = false;
        this.gapIsInitial = false;
      }
      this.voluntary = false;
      this.coveredUntil = leaseEnd;
      return;
    }
    if (!this.gapOpen) {
      this.gapOpen = true;
      this.gapStart = Math.min(this.coveredUntil, now);
      this.coveredUntil = this.gapStart;
    }
  }

  /** Leaderless time up to `now`, the open stretch included. */
  leaderlessMs(now: number): number {
    if (this.gapOpen) return this.closedLeaderlessMs + (now - this.gapStart);
    return this.closedLeaderlessMs + Math.max(0, now - this.coveredUntil);
  }
}

/**
 * The value below which a fraction `p` of the (unsorted) samples fall, by the nearest-rank method; `0` for
 * no samples.
 *
 * @example
 * ```ts
 * import { percentile } from '@baton/core/testing';
 * percentile([300, 100, 200], 0.5); // 200
 * ```
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1] as number;
}
