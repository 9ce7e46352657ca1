import type { DropReason, NodeId } from '@baton/core';

/* The public types of Libp2pTransport's methods. */

/**
 * A leader announcement heard on the gossip topic (or made by this node).
 *
 * @example
 * ```ts
 * import { type LeaderAnnouncement, libp2pTransport } from '@baton/transport-libp2p';
 * const transport = libp2pTransport({ clusterId: 'jobs', mdns: true });
 * await transport.open();
 * transport.onLeaderAnnouncement((a: LeaderAnnouncement) => console.log(a.leader, a.term, a.receivedAt));
 * ```
 */
export interface LeaderAnnouncement {
  /** The peer id of the node that announced it leads. */
  readonly leader: NodeId;
  /** The term it leads (its fencing token). */
  readonly term: number;
  /** When the latest announcement of this leader and term arrived, in `performance.now()` milliseconds. */
  readonly receivedAt: number;
}

/**
 * Options of {@link Libp2pTransport.discoverVoters}.
 *
 * @example
 * ```ts
 * import { type DiscoverVotersOptions, libp2pTransport } from '@baton/transport-libp2p';
 * const transport = libp2pTransport({ clusterId: 'jobs', mdns: true, dataDir: './data' });
 * const options: DiscoverVotersOptions = { expect: 3, signal: AbortSignal.timeout(60_000) };
 * const voters = await transport.discoverVoters(options);
 * ```
 */
export interface DiscoverVotersOptions {
  /** How many members, this node included, form the initial voter set. */
  expect: number;
  /** Gives up waiting (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

/**
 * Counters of a {@link Libp2pTransport}, for logs and dashboards.
 *
 * @example
 * ```ts
 * import { type Libp2pTransportStats, libp2pTransport } from '@baton/transport-libp2p';
 * const transport = libp2pTransport({ clusterId: 'jobs' });
 * await transport.open();
 * const stats: Libp2pTransportStats = transport.stats();
 * console.log(stats.peers, stats.dropped.invalid, stats.notSent.unreachable);
 * ```
 */
export interface Libp2pTransportStats {
  /** Cluster peers connected now. */
  readonly peers: number;
  readonly framesSent: number;
  readonly framesReceived: number;
  /** Incoming frames and gossip messages dropped, by reason (also reported to the runtime's `inspect()`). */
  readonly dropped: Readonly<Record<DropReason, number>>;
  /** Outgoing frames not sent: the peer's queue was full, the peer could not be reached, the stream failed. */
  readonly notSent: {
    readonly queueFull: number;
    readonly unreachable: number;
    readonly streamError: number;
  };
  /** Outbound election streams opened (first openings and reopenings). */
  readonly streamsOpened: number;
  /**
   * Outbound election streams aborted, and reopened, because the peer did not read what was written for
   * `dialTimeout` ms (the stream stayed full).
   */
  readonly streamsStalled: number;
  readonly gossipPublished: number;
  /** Broadcast copies sent over direct streams (one per connected peer, or per `to` peer). */
  readonly broadcastsDirect: number;
  /** Broadcasts received twice (by a direct stream and by gossip) and delivered once. */
  readonly duplicateBroadcasts: number;
  /**
   * Bytes peers wrote back on the election streams this node opened, where nothing is expected: read and
   * discarded (the first bytes on each such stream also count one `dropped.unexpected`).
   */
  readonly unexpectedBytes: number;
  /** Peers being redialled now (disconnected bootstrap peers, voters, and recently seen members). */
  readonly redialsPending: number;
  /**
   * Times redialling a peer that is neither a bootstrap peer nor a voter stopped after `maxRedialAttempts`
   * failed dials (it is redialled again only if it comes back by itself and disconnects again).
   */
  readonly redialsAbandoned: number;
}
