import type { NodeId } from '@baton/core';
import type { LeaderAnnouncement } from './types.js';

/**
 * The leader announcements a transport heard (or made itself, see {@link LeaderAnnouncer}): the latest one
 * (highest term) and its listeners.
 */
export class LeaderAnnouncements {
  private current: LeaderAnnouncement | null = null;
  private readonly listeners = new Set<(announcement: LeaderAnnouncement) => void>();

  /** @param call - runs a listener, catching what it throws */
  constructor(private readonly call: (listener: () => void) => void) {}

  /** The latest announcement (highest term), or null. */
  get latest(): LeaderAnnouncement | null {
    return this.current;
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

  /** Forgets the latest announcement, not the listeners (the transport stopped). */
  reset(): void {
    this.current = null;
  }
}
