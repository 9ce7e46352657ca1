import type { ElectionMessage } from '@baton/core';
import type { LeaderAnnouncements } from './announcements.js';
import type { TransportContext } from './context.js';
import { encodeLeaderAnnouncement } from './gossip-codec.js';

/**
 * The term that an outgoing message shows this node leads, or null: the one rule that ties the transport's
 * leader announcements to the election. A heartbeat is sent only by the leader of its term (Raft: a
 * candidate asks for votes, a follower answers, only a leader sends heartbeats), so sending a heartbeat of
 * term T means this node leads T. The transport learns of leadership this way because the `Transport`
 * contract carries messages, not the election's state.
 */
export function termLedBy(message: ElectionMessage): number | null {
  // Only the default election's leader is announced: a heartbeat of an election group carries that group's
  // term, and its sender may lead no other election.
  return message.type === 'heartbeat' && message.group === undefined ? message.term : null;
}

/**
 * Announces this node's leadership on the gossip topic (signed by libp2p, so receivers know who leads): at
 * once when it starts to lead a term, at its next heartbeat after a peer subscribes to the topic (so a node
 * that joins hears who leads within a heartbeat interval), and again every `leaderAnnounceInterval` while
 * it leads (the leader sends heartbeats far more often, so each one is a chance to announce, and most are
 * not due). An interval of 0 turns announcements off. The announcement is also recorded as heard, so
 * `leaderAnnouncement()` on the leader names itself.
 *
 * Why announcing on a subscription rather than often: every announcement is relayed by each member to its
 * gossipsub mesh, so in a 5-node cluster one announcement a second cost a follower 14 socket writes a second
 * (about a seventh of its idle writes) to tell peers what they already knew.
 */
export class LeaderAnnouncer {
  private lastMade = { term: 0, at: Number.NEGATIVE_INFINITY };

  constructor(
    private readonly context: Pick<TransportContext, 'clusterId' | 'options' | 'localId' | 'publish'>,
    private readonly announcements: Pick<LeaderAnnouncements, 'heard'>,
  ) {}

  /** This node leads `term` (it is sending that term's heartbeats): announces it when due. */
  leads(term: number): void {
    if (!this.due(term)) return;
    this.announcements.heard(this.context.localId, term);
    this.context.publish(encodeLeaderAnnouncement(this.context.clusterId, term));
  }

  /** A peer subscribed to the cluster's topic: the next heartbeat announces, whatever the interval. */
  subscribed(): void {
    this.lastMade = { term: this.lastMade.term, at: Number.NEGATIVE_INFINITY };
  }

  /** Forgets what was announced (the transport stopped): the next term led is announced at once. */
  reset(): void {
    this.lastMade = { term: 0, at: Number.NEGATIVE_INFINITY };
  }

  /** Whether the leader of `term` should announce now (a new term, or an interval since the last); records it. */
  private due(term: number): boolean {
    const interval = this.context.options.leaderAnnounceInterval;
    if (interval === 0) return false;
    const now = performance.now();
    if (term === this.lastMade.term && now - this.lastMade.at < interval) return false;
    this.lastMade = { term, at: now };
    return true;
  }
}
