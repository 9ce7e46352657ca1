import type { TimeProvider, TimerHandle } from './time-provider.js';

/**
 * Options of calls that wait: an abort signal, and a bound.
 *
 * @example
 * ```ts
 * import { type WaitOptions, Waits, defaultTimeProvider } from '@baton/core';
 * const waits = new Waits(defaultTimeProvider, () => false);
 * const options: WaitOptions = { signal: AbortSignal.timeout(5_000), timeoutMs: 100 };
 * await waits.until('a leader', () => undefined, options).catch((error) => console.log(error.message));
 * // 'a leader: gave up after 100 ms'; LeaderElection#transferLeadership takes the same options
 * ```
 */
export interface WaitOptions {
  /** Gives up the wait when it aborts, rejecting with its `reason`. */
  signal?: AbortSignal;
  /**
   * Give up after this many milliseconds, rejecting with {@link ElectionWaitError}.
   * @default no bound in {@link Waits.until}; in `LeaderElection#transferLeadership`, 2 × `electionTimeoutMax`
   */
  timeoutMs?: number;
}

/**
 * A wait for the election ended without the expected outcome: no successor in time, or the election stopped.
 *
 * @example
 * ```ts
 * import { ElectionWaitError, Waits, defaultTimeProvider } from '@baton/core';
 * const waits = new Waits(defaultTimeProvider, () => false);
 * try {
 *   await waits.until('a successor', () => undefined, { timeoutMs: 50 });
 * } catch (error) {
 *   if (error instanceof ElectionWaitError) console.warn(error.message); // 'a successor: gave up after 50 ms'
 * }
 * ```
 */
export class ElectionWaitError extends Error {
  override readonly name = 'ElectionWaitError';
}

/**
 * Promises that wait for a condition of the election: each probe is re-checked whenever the owner calls
 * {@link Waits.notify} (after every step), and every wait is bounded by an abort signal, an optional timeout
 * and the end of the election.
 *
 * @example
 * ```ts
 * import { Waits, defaultTimeProvider } from '@baton/core';
 * let leader: string | undefined;
 * const waits = new Waits(defaultTimeProvider, () => false);
 * const known = waits.until('example', () => leader, { timeoutMs: 1_000 });
 * leader = 'node-b';
 * waits.notify(); // known resolves with 'node-b'
 * ```
 */
export class Waits {
  private readonly probes = new Set<() => void>();

  constructor(
    private readonly time: TimeProvider,
    /** Whether the election has stopped: pending waits then reject. */
    private readonly stopped: () => boolean,
  ) {}

  /** Re-checks every pending wait. */
  notify(): void {
    for (const probe of [...this.probes]) probe();
  }

  /**
   * Resolves with the first value `probe` returns (checked now and at every `notify()`); rejects with the
   * signal's reason, or with {@link ElectionWaitError} after `timeoutMs` or when the election stopped.
   */
  until<T>(operation: string, probe: () => T | undefined, options: WaitOptions = {}): Promise<T> {
    const { signal, timeoutMs } = options;
    const { time } = this;
    return new Promise<T>((resolve, reject) => {
      let timer: TimerHandle | undefined;
      const finish = (settle: () => void) => {
        this.probes.delete(check);
        signal?.removeEventListener('abort', onAbort);
        time.clearTimeout(timer);
        settle();
      };
      const check = () => {
        const value = probe();
        if (value !== undefined) finish(() => resolve(value));
        else if (this.stopped())
          finish(() => reject(new ElectionWaitError(`${operation}: the election stopped`)));
      };
      const onAbort = () => finish(() => reject(signal?.reason));
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = time.setTimeout(
          () => finish(() => reject(new ElectionWaitError(`${operation}: gave up after ${timeoutMs} ms`))),
          timeoutMs,
        );
      }
      this.probes.add(check);
      check();
    });
  }

  /** `promise`, or an {@link ElectionWaitError} once `timeoutMs` passed. */
  bounded(promise: Promise<void>, timeoutMs: number): Promise<void> {
    const { time } = this;
    return new Promise<void>((resolve, reject) => {
      const timer = time.setTimeout(
        () => reject(new ElectionWaitError(`gave up after ${timeoutMs} ms`)),
        timeoutMs,
      );
      promise.then(
        () => {
          time.clearTimeout(timer);
          resolve();
        },
        (error: unknown) => {
          time.clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}
