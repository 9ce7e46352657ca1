import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * An event-loop stall: the loop could not run a due callback for `duration`, until `at`.
 *
 * @example
 * ```ts
 * import { type EventLoopStall } from '@baton/core';
 * import { EventLoopMonitor } from './loop-monitor.js';
 * const onStall = (stall: EventLoopStall) => console.log(`blocked ${stall.duration} ms (${stall.source})`);
 * const monitor = new EventLoopMonitor({ thresholdMs: 20, onStall });
 * monitor.observe(100, 150, 'check'); // 'blocked 50 ms (check)'
 * // a LeaderElection reports its last one in inspect().eventLoop.lastStall
 * ```
 */
export interface EventLoopStall {
  /** When the stall was noticed (monotonic ms): the loop was blocked until at least then. */
  readonly at: number;
  /** A lower bound of how long the loop was blocked, in milliseconds. */
  readonly duration: number;
  /**
   * What noticed it: the election timer firing late (`'election-timer'`), or a call such as `isLeader()`
   * finding that timer overdue (`'check'`).
   */
  readonly source: 'election-timer' | 'check';
}

/**
 * Percentiles of the event-loop delay histogram (`perf_hooks.monitorEventLoopDelay`), in milliseconds.
 *
 * @example
 * ```ts
 * import { type EventLoopDelay } from '@baton/core';
 * import { EventLoopMonitor } from './loop-monitor.js';
 * const monitor = new EventLoopMonitor({ thresholdMs: 100, onStall: () => {}, histogramResolutionMs: 10 });
 * monitor.enableHistogram();
 * setTimeout(() => {
 *   const delay: EventLoopDelay | null = monitor.delay(); // LeaderElection: inspect().eventLoop.delay
 *   console.log(delay?.p50, delay?.p99, delay?.max);
 *   monitor.disableHistogram();
 * }, 200);
 * ```
 */
export interface EventLoopDelay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * Options of an {@link EventLoopMonitor}.
 *
 * @example
 * ```ts
 * import { type EventLoopMonitorInit } from './loop-monitor.js';
 * const init: EventLoopMonitorInit = { thresholdMs: 85, onStall: console.warn, histogramResolutionMs: 50 };
 * ```
 */
export interface EventLoopMonitorInit {
  /** A callback that runs more than this late is a stall. */
  thresholdMs: number;
  /** Called (synchronously) for every stall noticed. */
  onStall: (stall: EventLoopStall) => void;
  /**
   * Keep a `perf_hooks.monitorEventLoopDelay` histogram for `inspect()` (real time only), sampling every
   * this many milliseconds (rounded up to a whole millisecond) while enabled. Omit for no histogram.
   * @default undefined (no histogram)
   */
  histogramResolutionMs?: number;
}

/**
 * Detects event-loop stalls from the lateness of callbacks the caller already schedules. It arms no timer of
 * its own.
 *
 * How a stall is measured: the owner reports, with {@link EventLoopMonitor.observe}, when a callback was due
 * and when it ran; the lateness (`ranAt − dueAt`) is a lower bound of how long the loop was blocked, and a
 * lateness above `thresholdMs` is a stall. `LeaderElection` reports its election timer when it fires
 * (`'election-timer'`), and, on `isLeader()`, `leadership` and `inspect()`, whether that timer is overdue
 * right now (`'check'`) — what a process that just woke from a pause sees before any timer ran. Blocked time
 * is counted once: a stall reported up to some time is not reported again by a later probe of the same
 * callback.
 *
 * @example
 * ```ts
 * import { EventLoopMonitor } from './loop-monitor.js';
 * const monitor = new EventLoopMonitor({
 *   thresholdMs: 20,
 *   onStall: (stall) => console.warn(`event loop blocked for ${stall.duration} ms`),
 * });
 * const dueAt = performance.now() + 10;
 * setTimeout(() => monitor.observe(dueAt, performance.now(), 'election-timer'), 10);
 * ```
 */
export class EventLoopMonitor {
  /** Time up to which blocked time was already reported; a stall is never counted twice. */
  private reportedUntil = Number.NEGATIVE_INFINITY;
  private stalls = 0;
  private last: EventLoopStall | null = null;
  private readonly histogram: IntervalHistogram | null;

  constructor(private readonly init: EventLoopMonitorInit) {
    const resolution = init.histogramResolutionMs;
    this.histogram =
      resolution === undefined
        ? null
        : monitorEventLoopDelay({ resolution: Math.max(1, Math.ceil(resolution)) });
  }

  /** The last stall noticed, or `null`. */
  get lastStall(): EventLoopStall | null {
    return this.last;
  }

  /** How many stalls were noticed. */
  get stallCount(): number {
    return this.stalls;
  }

  /** Starts the delay histogram, if enabled (its sampling timer runs until {@link disableHistogram}). */
  enableHistogram(): void {
    this.histogram?.enable();
  }

  /** Stops the delay histogram. */
  disableHistogram(): void {
    this.histogram?.disable();
  }

  /** Percentiles of the delay histogram, or `null` when there is none or it is empty. */
  delay(): EventLoopDelay | null {
    const h = this.histogram;
    if (h === null || h.count === 0) return null;
    return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
  }

  /**
   * Reports a callback that was due at `dueAt` and ran (or is found still pending) at `ranAt`; returns the
   * stall it shows, if any.
   */
  observe(
    dueAt: number,
    ranAt: number,
    source: EventLoopStall['source'] = 'election-timer',
  ): EventLoopStall | null {
    const from = Math.max(dueAt, this.reportedUntil);
    const blocked = ranAt - from;
    if (!(blocked > this.init.thresholdMs)) return null;
    const stall: EventLoopStall = { at: ranAt, duration: blocked, source };
    this.reportedUntil = ranAt;
    this.stalls += 1;
    this.last = stall;
    this.init.onStall(stall);
    return stall;
  }
}
