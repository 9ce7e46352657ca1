import { NotRunningError, TimeoutError } from '../errors.js';
import type { TimeProvider, TimerHandle } from './time-provider.js';

/**
 * Options of calls that wait: an abort signal, and a bound.
 *
 * @example
 * ```ts
 * import { LeaderElection, MemoryStateStore, type WaitOptions } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const transport = new MemoryNetwork().transport('a');
 * const election = new LeaderElection({ clusterId: 'jobs', voters: ['a', 'b'], transport, store: new MemoryStateStore() });
 * await election.start();
 * const options: WaitOptions = { signal: AbortSignal.timeout(5_000), timeout: 100 };
 * await election.transferLeadership(undefined, options).catch((error) => console.log(error.code)); // 'ERR_NOT_LEADER'
 * await election.stop();
 * ```
 */
export interface WaitOptions {
  /** Gives up the wait when it aborts, rejecting with its `reason`. */
  signal?: AbortSignal;
  /**
   * Give up after this many milliseconds, rejecting with a `TimeoutError`.
   * @default no bound in {@link Waits.until}; in `LeaderElection#transferLeadership`, 2 × `electionTimeoutMax`
   */
  timeout?: number;
}

/**
 * Promises that wait for a condition of the election: each probe is re-checked whenever the owner calls
 * {@link Waits.notify} (after every step), and every wait is bounded by an abort signal, an optional timeout
 * and the end of the election. Internal to the runtime.
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
   * Resolves with the first value `probe` returns (checked now and at every `notify()`), or rejects with what
   * it throws; rejects with the
   * signal's reason, with a `TimeoutError` after `timeout`, or with a `NotRunningError` when the election
   * stopped.
   */
  until<T>(operation: string, probe: () => T | undefined, options: WaitOptions = {}): Promise<T> {
    const { signal, timeout } = options;
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
        let value: T | undefined;
        try {
          value = probe();
        } catch (error) {
          finish(() => reject(error)); // the probe knows the outcome will never come
          return;
        }
        if (value !== undefined) finish(() => resolve(value));
        else if (this.stopped()) finish(() => reject(new NotRunningError(operation, 'stopped')));
      };
      const onAbort = () => finish(() => reject(signal?.reason));
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeout !== undefined) {
        timer = time.setTimeout(() => finish(() => reject(new TimeoutError(operation, timeout))), timeout);
      }
      this.probes.add(check);
      check();
    });
  }

  /** `promise`, or a `TimeoutError` once `timeout` passed. */
  bounded(operation: string, promise: Promise<void>, timeout: number): Promise<void> {
    const { time } = this;
    return new Promise<void>((resolve, reject) => {
      const timer = time.setTimeout(() => reject(new TimeoutError(operation, timeout)), timeout);
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
