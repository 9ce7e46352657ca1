import type { NodeId } from '@baton/core';

/** What a {@link Redialer} needs from the transport. */
export interface RedialerHost {
  /** One attempt: `'done'` when nothing needed dialling; throws when the dial failed. */
  redial(peer: NodeId): Promise<'done' | 'dialled'>;
  /** Whether redialling should go on (the transport is open). */
  active(): boolean;
  failed(peer: NodeId, error: unknown): void;
  /** How many dials of `peer` to try before giving up; `Infinity` for a peer to redial for ever. */
  maxAttempts(peer: NodeId): number;
  /** Redialling `peer` stopped: `maxAttempts(peer)` dials failed in a row. */
  gaveUp(peer: NodeId): void;
  /** Ceiling of the backoff, in ms. */
  readonly maxDelay: number;
}

/**
 * The redial backoff's delay `level` failures deep, in ms: 0 at level 0, else jittered in the upper half of
 * 25 ms doubling per level, capped at `maxDelay`.
 *
 * @example
 * ```ts
 * import { backoffDelay } from './redialer.js';
 * backoffDelay(5, 30_000); // 200-400
 * ```
 */
export function backoffDelay(level: number, maxDelay: number): number {
  const ceiling = level === 0 ? 0 : Math.min(maxDelay, 25 * 2 ** (level - 1));
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}

interface Pending {
  /** Depth of the backoff (0: at once). */
  level: number;
  /** Dials tried since this peer was scheduled. */
  tries: number;
  timer: ReturnType<typeof setTimeout> | null;
}

/**
 * Redials peers with jittered exponential backoff (25 ms doubling up to `maxDelay`) until a dial succeeds,
 * the peer is connected anyway, or `maxAttempts(peer)` dials failed. At most one timer per peer.
 */
export class Redialer {
  private readonly pending = new Map<NodeId, Pending>();

  constructor(private readonly host: RedialerHost) {}

  /** Peers being redialled now. */
  get size(): number {
    return this.pending.size;
  }

  /** Schedules a redial of `peer`, `level` failures deep in the backoff (0: at once); a pending one is kept. */
  schedule(peer: NodeId, level: number): void {
    const existing = this.pending.get(peer);
    if (existing?.timer) return;
    const entry = existing ?? { level, tries: 0, timer: null };
    entry.level = Math.max(entry.level, level);
    this.pending.set(peer, entry);
    entry.timer = setTimeout(
      () => {
        entry.timer = null;
        void this.attempt(peer, entry);
      },
      backoffDelay(entry.level, this.host.maxDelay),
    );
    entry.timer.unref?.();
  }

  /** Stops redialling `peer` (a dial in flight finishes, and is not followed by another). */
  cancel(peer: NodeId): void {
    const entry = this.pending.get(peer);
    if (entry?.timer) clearTimeout(entry.timer);
    this.pending.delete(peer);
  }

  /** Cancels every pending redial. */
  clear(): void {
    for (const entry of this.pending.values()) if (entry.timer) clearTimeout(entry.timer);
    this.pending.clear();
  }

  private async attempt(peer: NodeId, entry: Pending): Promise<void> {
    if (!this.host.active() || this.pending.get(peer) !== entry) return;
    if (entry.tries >= this.host.maxAttempts(peer)) return this.giveUp(peer);
    entry.tries++;
    try {
      await this.host.redial(peer);
      if (this.pending.get(peer) === entry) this.pending.delete(peer);
    } catch (error) {
      this.host.failed(peer, error);
      // Cancelled or cleared meanwhile: nothing more to do.
      if (this.pending.get(peer) !== entry || !this.host.active()) return;
      if (entry.tries >= this.host.maxAttempts(peer)) return this.giveUp(peer);
      this.schedule(peer, entry.level + 1);
    }
  }

  private giveUp(peer: NodeId): void {
    this.pending.delete(peer);
    this.host.gaveUp(peer);
  }
}
