import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { TimeProvider, TimerHandle } from './time-provider.js';

/**
 * An event-loop stall: the loop could not run a due callback for `durationMs`, until `at`.
 *
 * @example
 * ```ts
 * const stall = election.inspect().eventLoop.lastStall;
 * if (stall) console.log(`blocked ${stall.durationMs} ms, noticed by ${stall.source}`);
 * ```
 */
export interface EventLoopStall {
  /** When the stall was noticed (monotonic ms): the loop was blocked until at least then. */
  readonly at: number;
  /** A lower bound of how long the loop was blocked, in milliseconds. */
  readonly durationMs: number;
  /** What noticed it: the drift timer, the election timer firing late, or a call such as `isLeader()`. */
  readonly source: 'drift-timer' | 'election-timer' | 'check';
}

/**
 * Percentiles of the event-loop delay histogram (`perf_hooks.monitorEventLoopDelay`), in milliseconds.
 *
 * @example
 * ```ts
 * const delay = election.inspect().eventLoop.delay; // null with a virtual clock
 * console.log(delay?.p99);
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
 * import { type EventLoopMonitorInit, defaultTimeProvider } from '@baton/core';
 * const init: EventLoopMonitorInit = { time: defaultTimeProvider, thresholdMs: 20, intervalMs: 10, onStall: console.warn };
 * ```
 */
export interface EventLoopMonitorInit {
  time: TimeProvider;
  /** A timer that fires more than this late is a stall. */
  thresholdMs: number;
  /** How often the drift timer samples while the monitor runs. */
  intervalMs: number;
  /** Called (synchronously) for every stall noticed. */
  onStall: (stall: EventLoopStall) => void;
  /** Also keep a `perf_hooks.monitorEventLoopDelay` histogram for `inspect()` (real time only). */
  histogram?: boolean;
}

/**
 * Detects event-loop stalls by timer drift.
 *
 * How a stall is measured: while the monitor runs, a timer is armed every `intervalMs`; when it fires, its
 * lateness (`now − expected`) is a lower bound of how long the loop was blocked. A lateness above
 * `thresholdMs` is a stall. A blocked loop of duration `d` shows up as a lateness between `d − intervalMs`
 * and `d`, so every stall longer than `thresholdMs + intervalMs` is noticed and nothing shorter than
 * `thresholdMs` is reported. Two more probes shorten the delay before a stall is noticed: the runtime reports
 * the lateness of its own election timer ({@link EventLoopMonitor.observe}), and {@link EventLoopMonitor.check}
 * looks at whether the drift timer is overdue right now, which is what a process that just woke from a pause
 * sees before any timer had a chance to run.
 *
 * @example
 * ```ts
 * import { EventLoopMonitor, defaultTimeProvider } from '@baton/core';
 * const monitor = new EventLoopMonitor({
 *   time: defaultTimeProvider, thresholdMs: 20, intervalMs: 10,
 *   onStall: (stall) => console.warn(`event loop blocked for ${stall.durationMs} ms`),
 * });
 * monitor.start();
 * // ... later
 * monitor.stop();
 * ```
 */
export class EventLoopMonitor {
  private timer: TimerHandle | undefined;
  private expectedAt = 0;
  /** Time up to which blocked time was already reported; a stall is never counted twice. */
  private reportedUntil = Number.NEGATIVE_INFINITY;
  private stalls = 0;
  private last: EventLoopStall | null = null;
  private readonly histogram: IntervalHistogram | null;

  constructor(private readonly init: EventLoopMonitorInit) {
    this.histogram = init.histogram ? monitorEventLoopDelay({ resolution: 20 }) : null;
  }

  /** Whether the drift timer is running. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /** The last stall noticed, or `null`. */
  get lastStall(): EventLoopStall | null {
    return this.last;
  }

  /** How many stalls were noticed. */
  get stallCount(): number {
    return this.stalls;
  }

  /** Starts the drift timer (idempotent). */
  start(): void {
    if (this.timer !== undefined) return;
    this.arm(this.init.time.now());
  }

  /** Stops the drift timer (idempotent). */
  stop(): void {
    this.init.time.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Starts the delay histogram, if enabled. */
  enableHistogram(): void {
    this.histogram?.enable();
  }

  /** Stops the delay histogram. */
  disableHistogram(): void {
    this.histogram?.disable();
  }

  /** Percentiles of the delay histogram, or `null` when it is disabled or empty. */
  delay(): EventLoopDelay | null {
    const h = this.histogram;
    if (h === null || h.count === 0) return null;
    return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
  }

  /** Reports a callback that was due at `dueAt` and ran at `ranAt`; returns the stall it shows, if any. */
  observe(
    dueAt: number,
    ranAt: number,
    source: EventLoopStall['source'] = 'election-timer',
  ): EventLoopStall | null {
    const from = Math.max(dueAt, this.reportedUntil);
    const blocked = ranAt - from;
    if (!(blocked > this.init.thresholdMs)) return null;
    const stall: EventLoopStall = { at: ranAt, durationMs: blocked, source };
    this.reportedUntil = ranAt;
    this.stalls += 1;
    this.last = stall;
    this.init.onStall(stall);
    return stall;
  }

  /** Whether the drift timer is overdue by more than the threshold at `now` (the loop is, or was, blocked). */
  check(now: number): EventLoopStall | null {
    if (this.timer === undefined) return null;
    return this.observe(this.expectedAt, now, 'check');
  }

  private arm(from: number): void {
    this.expectedAt = from + this.init.intervalMs;
    this.timer = this.init.time.setTimeout(() => {
      const now = this.init.time.now();
      this.observe(this.expectedAt, now, 'drift-timer');
      if (this.timer !== undefined) this.arm(now);
    }, this.init.intervalMs);
  }
}
