/**
 * A handler of one event; it may be async.
 *
 * @example
 * ```ts
 * import type { EventHandler, LeaderElectionEvents } from '@baton/core';
 * const onLeader: EventHandler<LeaderElectionEvents['became-leader']> = async ({ term }) => console.log(term);
 * ```
 */
export type EventHandler<T> = (value: T) => void | Promise<void>;

/**
 * Called when a handler throws or its promise rejects.
 *
 * @example
 * ```ts
 * import type { HandlerErrorReporter } from './typed-emitter.js';
 * const report: HandlerErrorReporter<{ tick: number }> = (event, error) => console.error(event, error);
 * ```
 */
export type HandlerErrorReporter<Events> = (event: keyof Events & string, error: unknown) => void;

/**
 * How a {@link TypedEmitter} times its handlers: the synchronous part of a call blocks the event loop (and so
 * every timer of the process, heartbeats included); one that runs longer than `slowMs` is reported.
 *
 * @example
 * ```ts
 * import type { HandlerTiming } from './typed-emitter.js';
 * const timing: HandlerTiming<{ tick: number }> = {
 *   now: () => performance.now(),
 *   slowMs: 50,
 *   onSlow: (event, ms) => console.warn(`a ${event} handler blocked the loop for ${ms} ms`),
 * };
 * ```
 */
export interface HandlerTiming<Events> {
  /** The clock, in milliseconds. */
  readonly now: () => number;
  /** A handler whose synchronous part runs longer than this is reported. */
  readonly slowMs: number;
  readonly onSlow: (event: keyof Events & string, duration: number) => void;
}

/**
 * A small typed event emitter in the style of nanoevents: `on()` returns the function that unsubscribes.
 *
 * Each handler call is deferred with `schedule` (the runtime passes its time provider's `queueTask`), so a
 * handler never runs inside the code that emitted the event, and a throwing handler cannot break the caller.
 * Errors, synchronous or from a returned promise, go to `onError` with the event name. With `timing`, a
 * handler whose synchronous part blocks the event loop longer than `timing.slowMs` is reported.
 *
 * @example
 * ```ts
 * import { TypedEmitter } from './typed-emitter.js';
 * const emitter = new TypedEmitter<{ tick: number }>(queueMicrotask, (event, error) => console.error(event, error));
 * const off = emitter.on('tick', (n) => console.log('tick', n));
 * emitter.emit('tick', 1); // logged on the next microtask
 * off();
 * ```
 */
export class TypedEmitter<Events extends object> {
  private readonly handlers = new Map<keyof Events, Set<EventHandler<never>>>();

  constructor(
    private readonly schedule: (task: () => void) => void,
    private readonly onError: HandlerErrorReporter<Events>,
    private readonly timing?: HandlerTiming<Events>,
  ) {}

  /** Subscribes `handler` to `event`; returns the function that unsubscribes it (safe to call twice). */
  on<K extends keyof Events & string>(event: K, handler: EventHandler<Events[K]>): () => void {
    if (typeof handler !== 'function') {
      throw new TypeError(`on(${JSON.stringify(event)}): handler must be a function (got ${typeof handler})`);
    }
    let set = this.handlers.get(event);
    if (set === undefined) {
      set = new Set();
      this.handlers.set(event, set);
    }
    // Wrapped so that subscribing the same function twice gives two independent subscriptions.
    const entry: EventHandler<Events[K]> = (value) => handler(value);
    set.add(entry as EventHandler<never>);
    return () => {
      set.delete(entry as EventHandler<never>);
    };
  }

  /** The number of handlers subscribed to `event`. */
  listenerCount(event: keyof Events & string): number {
    return this.handlers.get(event)?.size ?? 0;
  }

  /**
   * Schedules every current handler of `event` with `value`. Handlers subscribed after this call do not
   * receive it; handlers unsubscribed before their turn do not either. `onSettled(error)` is called once per
   * handler after it returned or settled (with the error when it failed).
   */
  emit<K extends keyof Events & string>(
    event: K,
    value: Events[K],
    onSettled?: (error: unknown | undefined) => void,
  ): void {
    const set = this.handlers.get(event);
    if (set === undefined) return;
    for (const handler of [...set]) {
      this.schedule(() => {
        if (!set.has(handler)) return;
        this.invoke(event, handler as EventHandler<Events[K]>, value, onSettled);
      });
    }
  }

  private invoke<K extends keyof Events & string>(
    event: K,
    handler: EventHandler<Events[K]>,
    value: Events[K],
    onSettled?: (error: unknown | undefined) => void,
  ): void {
    const fail = (error: unknown) => {
      this.onError(event, error);
      onSettled?.(error ?? new Error(`a ${event} handler failed with ${String(error)}`));
    };
    let result: unknown;
    const timing = this.timing;
    const started = timing?.now() ?? 0;
    try {
      result = handler(value);
    } catch (error) {
      fail(error);
      return;
    } finally {
      if (timing !== undefined) {
        const blocked = timing.now() - started;
        if (blocked > timing.slowMs) timing.onSlow(event, blocked);
      }
    }
    if (result != null && typeof (result as PromiseLike<void>).then === 'function') {
      (result as PromiseLike<void>).then(() => onSettled?.(undefined), fail);
    } else {
      onSettled?.(undefined);
    }
  }
}
