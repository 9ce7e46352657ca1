/**
 * One node's monotonic clock in a simulation: `local = base + rate × (virtual − since)`. The rate stays within
 * the drift bound the election is configured with; a restarted process gets a fresh clock (a monotonic clock
 * has an arbitrary origin per process), and a rate change keeps the clock continuous.
 *
 * @example
 * ```ts
 * import { SimClock } from '@baton/core/testing';
 * const clock = new SimClock(0, 1000, 1.05); // at virtual 0 it reads 1000 and runs 5 % fast
 * clock.local(100); // 1105
 * clock.virtualAt(1105); // 100 (or the next representable instant after it)
 * ```
 */
export class SimClock {
  private since: number;
  private base: number;
  private currentRate: number;

  constructor(virtualNow: number, reading: number, rate: number) {
    if (!(rate > 0) || !Number.isFinite(rate))
      throw new RangeError(`SimClock: rate must be > 0 (got ${rate})`);
    this.since = virtualNow;
    this.base = reading;
    this.currentRate = rate;
  }

  /** How fast this clock runs relative to virtual time (1 = exact). */
  get rate(): number {
    return this.currentRate;
  }

  /** This clock's reading at virtual time `virtual` (not before the last rate change). */
  local(virtual: number): number {
    return this.base + this.currentRate * (virtual - this.since);
  }

  /**
   * The earliest virtual instant (at or after the last rate change) at which this clock reads at least `reading`:
   * rounding is corrected upwards, so a timer scheduled with it never fires early.
   */
  virtualAt(reading: number): number {
    if (reading <= this.base) return this.since;
    let v = this.since + (reading - this.base) / this.currentRate;
    let step = Math.max(Math.abs(v) * Number.EPSILON, Number.MIN_VALUE);
    while (this.local(v) < reading) {
      v += step;
      step *= 2;
    }
    return v;
  }

  /** Changes the rate from `virtualNow` on, without a jump in the reading. */
  setRate(virtualNow: number, rate: number): void {
    if (!(rate > 0) || !Number.isFinite(rate))
      throw new RangeError(`SimClock: rate must be > 0 (got ${rate})`);
    this.base = this.local(virtualNow);
    this.since = virtualNow;
    this.currentRate = rate;
  }
}
