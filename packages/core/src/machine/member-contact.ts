import type { NodeId } from './types.js';

/**
 * What the leader knows of each member's contact in its term, for the autopilot: since when a member has
 * acknowledged heartbeats without a gap longer than `steadyGap` (its stability), and whether it said it is
 * leaving. Reset for every new leadership.
 */
export class MemberContact {
  private readonly steady = new Map<NodeId, { since: number; last: number }>();
  private readonly leavingMembers = new Set<NodeId>();

  constructor(
    /** A gap between two acknowledgements longer than this restarts a member's stability. */
    private readonly steadyGap: number,
  ) {}

  /**
   * `member` acknowledged a heartbeat at `now`, saying whether it is leaving and for how long it has heard
   * leaders without a gap (`steadyFor`, on its own clock): a new leader then need not wait a whole
   * `stabilizationTime` to learn what its predecessor knew.
   */
  acknowledged(member: NodeId, now: number, leaving: boolean, steadyFor = 0): void {
    const reported = now - Math.max(0, steadyFor);
    const contact = this.steady.get(member);
    if (contact === undefined || now - contact.last > this.steadyGap) {
      this.steady.set(member, { since: Math.min(now, reported), last: now });
    } else {
      contact.last = now;
      contact.since = Math.min(contact.since, reported);
    }
    if (leaving) this.leavingMembers.add(member);
    else this.leavingMembers.delete(member);
  }

  /** Since when `member` has been in steady contact, or `null` when it is not at `now`. */
  steadySince(member: NodeId, now: number): number | null {
    const contact = this.steady.get(member);
    return contact !== undefined && now - contact.last <= this.steadyGap ? contact.since : null;
  }

  /** The members that said they are leaving. */
  get leaving(): ReadonlySet<NodeId> {
    return this.leavingMembers;
  }

  /** Forgets `member` (it disconnected): its stability starts again if it comes back. */
  forget(member: NodeId): void {
    this.steady.delete(member);
  }

  clear(): void {
    this.steady.clear();
    this.leavingMembers.clear();
  }
}
