import type { TimeProvider, TimerHandle } from '../runtime/time-provider.js';

interface ScheduledTimer {
  readonly at: number;
  readonly seq: number;
  readonly owner: VirtualTimeProvider;
  readonly callback: () => void;
}

/**
 * Virtual time for whole clusters of runtimes: one clock, and a {@link TimeProvider} per node
 * (`clock.provider()`). Nothing happens until the test advances the clock; timers then run in time order,
 * and promise callbacks (saves, handler continuations) settle between timers.
 *
 * A node's provider can be frozen to model a paused process (a long GC, a stopped VM): its timers and the
 * messages addressed to it wait, and on `resume()` its clock jumps to the shared time, as a process that
 * wakes up sees it.
 *
 * @example
 * ```ts
 * import { VirtualClock } from '@baton/core/testing';
 * const clock = new VirtualClock();
 * const time = clock.provider('a');
 * time.setTimeout(() => console.log('fired at', time.now()), 100);
 * await clock.advanceBy(150); // 'fired at 100'
 * ```
 */
export class VirtualClock {
  private time: number;
  private seq = 0;
  private timers: ScheduledTimer[] = [];

  constructor(start = 0) {
    if (!Number.isFinite(start))
      throw new TypeError(`VirtualClock: start must be a finite number (got ${start})`);
    this.time = start;
  }

  /** The shared virtual time in milliseconds. */
  now(): number {
    return this.time;
  }

  /** A time provider for one node (the name is only for debugging). */
  provider(name = 'node'): VirtualTimeProvider {
    return new VirtualTimeProvider(this, name);
  }

  /** Timers and tasks not yet run. */
  get pending(): number {
    return this.timers.length;
  }

  /** Runs every timer due within the next `ms` milliseconds, in order, then sets the time to now + `ms`. */
  advanceBy(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new TypeError(`advanceBy: ms must be a number >= 0 (got ${ms})`);
    return this.advanceTo(this.time + ms);
  }

  /** Runs every timer due up to `target`, in order, then sets the time to `target` (never backwards). */
  async advanceTo(target: number): Promise<void> {
    let guard = 0;
    for (;;) {
      await settle();
      const next = this.nextDue(target);
      if (next === undefined) break;
      if (++guard > 1_000_000)
        throw new Error('VirtualClock: more than 1,000,000 timers in one advance (a loop?)');
      this.timers.splice(this.timers.indexOf(next), 1);
      this.time = Math.max(this.time, next.at);
      next.callback();
    }
    this.time = Math.max(this.time, target);
    await settle();
  }

  /** Runs timers and tasks already due, without moving time. */
  flush(): Promise<void> {
    return this.advanceTo(this.time);
  }

  /**
   * Advances in steps of `step` until `condition()` holds; returns the virtual time it took. Throws when it
   * does not hold within `within`.
   */
  async runUntil(
    condition: () => boolean,
    options: { within?: number; step?: number } = {},
  ): Promise<number> {
    const { within = 60_000, step = 1 } = options;
    const start = this.time;
    await this.flush();
    while (!condition()) {
      if (this.time - start >= within) {
        throw new Error(`runUntil: the condition did not hold within ${within} ms of virtual time`);
      }
      await this.advanceBy(step);
    }
    return this.time - start;
  }

  /** @internal */
  schedule(owner: VirtualTimeProvider, at: number, callback: () => void): ScheduledTimer {
    const timer: ScheduledTimer = { at, seq: this.seq++, owner, callback };
    this.timers.push(timer);
    return timer;
  }

  /** @internal */
  cancel(timer: unknown): void {
    const index = this.timers.indexOf(timer as ScheduledTimer);
    if (index >= 0) this.timers.splice(index, 1);
  }

  private nextDue(target: number): ScheduledTimer | undefined {
    let best: ScheduledTimer | undefined;
    for (const timer of this.timers) {
      if (timer.owner.frozen) continue;
      const due = Math.max(timer.at, this.time);
      if (due > target) continue;
      if (best === undefined || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq))
        best = timer;
    }
    return best;
  }
}

/**
 * One node's view of a {@link VirtualClock}: implements {@link TimeProvider}; can be frozen and resumed.
 *
 * @example
 * ```ts
 * import { VirtualClock } from '@baton/core/testing';
 * const clock = new VirtualClock();
 * const time = clock.provider('leader');
 * time.freeze();           // the process is paused: its timers wait
 * await clock.advanceBy(1_000);
 * console.log(time.now()); // 0: a paused process does not see time pass
 * time.resume();
 * console.log(time.now()); // 1000: it wakes up, its clock has jumped
 * ```
 */
export class VirtualTimeProvider implements TimeProvider {
  private frozenAt: number | null = null;

  constructor(
    private readonly clock: VirtualClock,
    readonly name: string,
  ) {}

  /** Whether this node is paused. */
  get frozen(): boolean {
    return this.frozenAt !== null;
  }

  /** Virtual time stands for the wall clock too: terms of a cluster formed in virtual time start at 1. */
  wallClock(): number {
    return 0;
  }

  now(): number {
    return this.frozenAt ?? this.clock.now();
  }

  setTimeout(callback: () => void, delay: number): TimerHandle {
    return this.clock.schedule(this, this.now() + Math.max(0, delay), callback);
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.clock.cancel(handle);
  }

  queueTask(callback: () => void): void {
    this.clock.schedule(this, this.now(), callback);
  }

  /** Pauses this node: its timers, tasks and incoming deliveries wait; `now()` stands still. */
  freeze(): void {
    if (this.frozenAt === null) this.frozenAt = this.clock.now();
  }

  /** Wakes this node: `now()` jumps to the shared time; its overdue timers run at the next advance. */
  resume(): void {
    this.frozenAt = null;
  }
}

/** Lets pending promise callbacks run (a macrotask turn drains the microtask queue). */
function settle(): Promise<void> {
  return new Promise((resolve) => globalThis.setImmediate(resolve));
}
