import type { NodeId } from '@baton/core';

/** What a {@link Redialer} needs from the transport. */
export interface RedialerHost {
  /** One attempt: `'done'` when nothing needed dialling; throws when the dial failed. */
  redial(peer: NodeId): Promise<'done' | 'dialled'>;
  /** Whether redialling should go on (the transport is open). */
  active(): boolean;
  failed(peer: NodeId, error: unknown): void;
  /** Ceiling of the backoff, in ms. */
  readonly maxDelay: number;
}

/**
 * Redials peers with jittered exponential backoff (25 ms doubling up to `maxDelay`) until a dial succeeds
 * or the peer is connected anyway. At most one timer per peer.
 */
export class Redialer {
  private readonly pending = new Map<
    NodeId,
    { attempts: number; timer: ReturnType<typeof setTimeout> | null }
  >();

  constructor(private readonly host: RedialerHost) {}

  /** Schedules a redial of `peer`, `attempts` failures deep (0: at once); a pending one is kept. */
  schedule(peer: NodeId, attempts: number): void {
    const existing = this.pending.get(peer);
    if (existing?.timer) return;
    const entry = existing ?? { attempts, timer: null };
    entry.attempts = Math.max(entry.attempts, attempts);
    this.pending.set(peer, entry);
    const ceiling = entry.attempts === 0 ? 0 : Math.min(this.host.maxDelay, 25 * 2 ** (entry.attempts - 1));
    entry.timer = setTimeout(
      () => {
        entry.timer = null;
        void this.attempt(peer, entry);
      },
      ceiling / 2 + (Math.random() * ceiling) / 2,
    );
    entry.timer.unref?.();
  }

  /** Cancels every pending redial. */
  clear(): void {
    for (const entry of this.pending.values()) if (entry.timer) clearTimeout(entry.timer);
    this.pending.clear();
  }

  private async attempt(peer: NodeId, entry: { attempts: number }): Promise<void> {
    if (!this.host.active()) return;
    try {
      await this.host.redial(peer);
      this.pending.delete(peer);
    } catch (error) {
      this.host.failed(peer, error);
      if (this.host.active()) this.schedule(peer, entry.attempts + 1);
    }
  }
}
