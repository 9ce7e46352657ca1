/**
 * An opaque timer handle returned by {@link TimeProvider.setTimeout}.
 *
 * @example
 * ```ts
 * import { type TimerHandle } from '@baton/core';
 * import { defaultTimeProvider } from './time-provider.js';
 * const handle: TimerHandle = defaultTimeProvider.setTimeout(() => {}, 100);
 * defaultTimeProvider.clearTimeout(handle);
 * ```
 */
export type TimerHandle = unknown;

/**
 * Where the runtime gets its time, its timers and its deferred tasks. Inject one to run a cluster in
 * virtual time (`VirtualClock` in `@baton/core/testing`); the default reads `performance.now()` and uses
 * the global timers.
 *
 * The contract: `now()` is monotonic milliseconds (never wall-clock time); `setTimeout` calls back no
 * earlier than `delay` after it was called; `queueTask` runs its callback after the current call stack
 * and its microtasks, in FIFO order with other queued tasks.
 *
 * @example
 * ```ts
 * import { type TimeProvider } from '@baton/core';
 * import { defaultTimeProvider } from './time-provider.js';
 * const time: TimeProvider = defaultTimeProvider;
 * const started = time.now();
 * time.setTimeout(() => console.log(`${time.now() - started} ms later`), 10);
 * ```
 */
export interface TimeProvider {
  /** Monotonic time in milliseconds. */
  now(): number;
  /** Calls `callback` once, `delay` from now. */
  setTimeout(callback: () => void, delay: number): TimerHandle;
  /** Cancels a timer; ignores `undefined` and handles of timers that already ran. */
  clearTimeout(handle: TimerHandle | undefined): void;
  /** Runs `callback` soon, outside the caller's stack (used to keep user handlers out of the step loop). */
  queueTask(callback: () => void): void;
  /**
   * Wall-clock milliseconds since the Unix epoch. Read once, when a node forms a new cluster, as the floor
   * of its first term (fencing tokens then keep growing across a re-formation under the same cluster id).
   * @default `Date.now()` when the provider does not have it
   */
  wallClock?(): number;
}

/**
 * The real clock: `performance.now()`, and the global `setTimeout`/`clearTimeout`/`setImmediate`.
 *
 * The globals are looked up at each call rather than captured once, so that anything that replaces them
 * later (fake timers in tests, instrumentation) takes effect, as TanStack query-core's `TimeoutProvider`
 * does. Timers are not `unref()`ed: a started election keeps the process alive until `stop()`.
 *
 * @example
 * ```ts
 * import { LeaderElection } from '@baton/core';
 * import { defaultTimeProvider } from './time-provider.js';
 * // the default; pass another provider to drive the runtime in virtual time
 * const options = { timeProvider: defaultTimeProvider };
 * ```
 */
export const defaultTimeProvider: TimeProvider = {
  now: () => performance.now(),
  setTimeout: (callback, delay) => {
    return globalThis.setTimeout(callback, Math.max(0, delay));
  },
  clearTimeout: (handle) => {
    if (handle !== undefined) globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>);
  },
  queueTask: (callback) => {
    globalThis.setImmediate(callback);
  },
  wallClock: () => Date.now(),
};

/** Checks that `value` has the four methods of a {@link TimeProvider}; returns the names missing. */
export function missingTimeProviderMethods(value: unknown): string[] {
  if (value == null || typeof value !== 'object') return ['now', 'setTimeout', 'clearTimeout', 'queueTask'];
  const provider = value as Record<string, unknown>;
  return ['now', 'setTimeout', 'clearTimeout', 'queueTask'].filter(
    (name) => typeof provider[name] !== 'function',
  );
}
