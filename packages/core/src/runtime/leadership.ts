import type { LeadershipEndReason } from '../machine/types.js';
import type { LeadershipHandle } from './types.js';

/**
 * Why a leadership ended, as the runtime reports it: the machine's reasons, plus an event-loop stall.
 *
 * @example
 * ```ts
 * import { type LeadershipLossReason, LeaderElection, MemoryStateStore } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const transport = new MemoryNetwork().transport('a');
 * const store = new MemoryStateStore();
 * const election = new LeaderElection({ clusterId: 'jobs', voters: ['a'], transport, store });
 * const involuntary: LeadershipLossReason[] = ['lease-lapsed', 'higher-term', 'event-loop-stall'];
 * election.on('leadership-lost', ({ term, reason }) => {
 *   if (involuntary.includes(reason)) console.warn(`lost term ${term}: ${reason}`);
 * });
 * ```
 */
export type LeadershipLossReason = LeadershipEndReason | 'event-loop-stall';

/**
 * The `reason` of a leadership handle's aborted `signal`: which leadership ended (`term`) and why.
 *
 * @example
 * ```ts
 * import { LeaderElection, LeadershipLostError, MemoryStateStore } from '@baton/core';
 * import { MemoryNetwork } from '@baton/core/testing';
 * const transport = new MemoryNetwork().transport('a');
 * const store = new MemoryStateStore();
 * const election = new LeaderElection({ clusterId: 'jobs', voters: ['a'], transport, store });
 * await election.start();
 * const { signal } = await election.whenLeader();
 * signal.addEventListener('abort', () => {
 *   if (signal.reason instanceof LeadershipLostError) console.log(signal.reason.reason, signal.reason.term);
 * });
 * await election.stop(); // 'stopped' 1
 * ```
 */
export class LeadershipLostError extends Error {
  override readonly name = 'LeadershipLostError';
  constructor(
    /** Why the leadership ended. */
    readonly reason: LeadershipLossReason,
    /** The term that was led (its fencing token). */
    readonly term: number,
    detail?: string,
  ) {
    super(`leadership of term ${term} ended: ${reason}${detail ? ` (${detail})` : ''}`);
  }
}

/**
 * The runtime's implementation of {@link LeadershipHandle}: the handle plus the means to end it once.
 *
 * @example
 * ```ts
 * import { Leadership } from '@baton/core';
 * const leadership = new Leadership(3, performance.now());
 * leadership.end('step-down');
 * console.log(leadership.signal.aborted, leadership.endReason); // true 'step-down'
 * ```
 */
export class Leadership implements LeadershipHandle {
  private readonly controller = new AbortController();
  private ended: LeadershipLossReason | null = null;

  constructor(
    readonly term: number,
    readonly since: number,
  ) {}

  get fencingToken(): number {
    return this.term;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why the leadership ended, or `null` while it lasts. */
  get endReason(): LeadershipLossReason | null {
    return this.ended;
  }

  /** Ends the leadership: aborts `signal` with a {@link LeadershipLostError}. Returns false if already ended. */
  end(reason: LeadershipLossReason, detail?: string): boolean {
    if (this.ended !== null) return false;
    this.ended = reason;
    this.controller.abort(new LeadershipLostError(reason, this.term, detail));
    return true;
  }
}
