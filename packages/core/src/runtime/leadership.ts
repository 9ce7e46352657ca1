import { BatonError } from '../errors.js';
import type { LeadershipLostReason } from '../machine/types.js';
import type { LeadershipHandle } from './types.js';

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
export class LeadershipLostError extends BatonError {
  override readonly name = 'LeadershipLostError';
  readonly code = 'ERR_LEADERSHIP_LOST';
  constructor(
    /** Why the leadership ended. */
    readonly reason: LeadershipLostReason,
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
 * import { Leadership } from './leadership.js';
 * const leadership = new Leadership(3, performance.now());
 * leadership.end('step-down');
 * console.log(leadership.signal.aborted, leadership.endReason); // true 'step-down'
 * ```
 */
export class Leadership implements LeadershipHandle {
  private readonly controller = new AbortController();
  private ended: LeadershipLostReason | null = null;

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
  get endReason(): LeadershipLostReason | null {
    return this.ended;
  }

  /** Ends the leadership: aborts `signal` with a {@link LeadershipLostError}. Returns false if already ended. */
  end(reason: LeadershipLostReason, detail?: string): boolean {
    if (this.ended !== null) return false;
    this.ended = reason;
    this.controller.abort(new LeadershipLostError(reason, this.term, detail));
    return true;
  }
}
