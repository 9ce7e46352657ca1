import type { NodeId } from '@baton/core';
import type { LeaderAnnouncement } from './types.js';

/**
 * The leader announcements a transport heard or made: the latest one (highest term), its listeners, and
 * when this node, as leader, should announce again.
 */
export class LeaderAnnouncements {
  private current: LeaderAnnouncement | null = null;
  private lastMade = { term: 0, at: Number.NEGATIVE_INFINITY };
  private readonly listeners = new Set<(announcement: LeaderAnnouncement) => void>();

  /** @param call - runs a listener, catching what it throws */
  constructor(private readonly call: (listener: () => void) => void) {}

  /** The latest announcement (highest term), or null. */
  get latest(): LeaderAnnouncement | null {
    return this.current;
  }

  /** Whether the leader of `term` should announce now (a new term, or `interval` ms since the last); records it. */
  due(term: number, interval: number): boolean {
    if (interval === 0) return false;
    const now = performance.now();
    if (term === this.lastMade.term && now - this.lastMade.at < interval) return false;
    this.lastMade = { term, at: now };
    return true;
  }

  /**
   * Records that `leader` announced `term`. An older term than the latest is ignored; listeners hear about a
   * new leader or a newer term, not about repetitions (which only refresh `receivedAt`).
   */
  heard(leader: NodeId, term: number): void {
    const previous = this.current;
    if (previous && term < previous.term) return;
    const announcement: LeaderAnnouncement = { leader, term, receivedAt: performance.now() };
    this.current = announcement;
    if (previous && previous.term === term && previous.leader === leader) return;
    for (const listener of this.listeners) this.call(() => listener(announcement));
  }

  subscribe(listener: (announcement: LeaderAnnouncement) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forgets everything but the listeners (the transport stopped). */
  reset(): void {
    this.current = null;
    this.lastMade = { term: 0, at: Number.NEGATIVE_INFINITY };
  }
}
