import type { ConfigurationId, DropReason, NodeId } from '@baton/core';
import type { DialErrorKind } from './dial-errors.js';

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
 * What {@link Libp2pTransport.discoverVoters} found. `voters` is always what to give `LeaderElection`:
 *
 * - `'formed'`: no cluster existed; `expect` fresh members found each other and this is the first voter set
 *   (saved in `dataDir`);
 * - `'saved'`: the set this node formed before, read from `voters-<clusterId>.json` (a restart);
 * - `'join'`: a cluster exists already (`reason`: a leader announced itself, or a member said it holds a
 *   configuration); `voters` is empty: start `LeaderElection` without voters, the node joins as an observer
 *   and the leader's autopilot promotes it. Never form a set of your own in this case.
 *
 * @example
 * ```ts
 * import { LeaderElection } from '@baton/core';
 * import { type VoterDiscovery, libp2pTransport } from '@baton/transport-libp2p';
 * const transport = libp2pTransport({ clusterId: 'jobs', mdns: true, dataDir: './data' });
 * const found: VoterDiscovery = await transport.discoverVoters({ expect: 3 });
 * if (found.outcome === 'join') console.log(`joining the cluster of ${found.peer}: ${found.reason}`);
 * const election = new LeaderElection({ clusterId: 'jobs', transport, voters: found.voters, dataDir: './data' });
 * ```
 */
export type VoterDiscovery =
  | { readonly outcome: 'formed' | 'saved'; readonly voters: readonly NodeId[] }
  | {
      readonly outcome: 'join';
      readonly voters: readonly [];
      /** What showed the cluster exists. */
      readonly reason: 'leader-announced' | 'member-configured';
      /** The leader that announced itself, or the member that holds a configuration. */
      readonly peer: NodeId;
      /** The member's configuration (`member-configured`), or `null`. */
      readonly configuration: ConfigurationId | null;
    };

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
  /**
   * Peers being redialled now (disconnected bootstrap peers, voters, and recently seen members), and bootstrap
   * addresses without a peer id and DNS names being dialled or looked up again.
   */
  readonly redialsPending: number;
  /**
   * Times redialling a peer that is neither a bootstrap peer nor a voter stopped after `maxRedialAttempts`
   * failed dials (it is redialled again only if it comes back by itself and disconnects again).
   */
  readonly redialsAbandoned: number;
}

/**
 * Where a dialled address came from: the `bootstrap` option, the answer to one of its DNS names, mDNS, or a
 * member of the cluster redialled by its peer id (a voter, a peer listed by another, a peer seen before).
 *
 * @example
 * ```ts
 * import type { DialSource } from '@baton/transport-libp2p';
 * const configured = (source: DialSource) => source === 'bootstrap' || source === 'dns';
 * ```
 */
export type DialSource = 'bootstrap' | 'dns' | 'mdns' | 'member';

/**
 * What became of the dials of one address (or the lookups of one DNS name), for a health endpoint or a CLI.
 *
 * @example
 * ```ts
 * import { libp2pTransport, type AddressDiagnostic } from '@baton/transport-libp2p';
 * const transport = libp2pTransport({ clusterId: 'jobs', bootstrap: ['/dns4/jobs-headless/tcp/4001'] });
 * await transport.open();
 * const failing: AddressDiagnostic[] = transport.diagnostics().addresses.filter((a) => a.error !== null);
 * for (const a of failing) console.log(a.address, a.error, a.attempts, a.detail);
 * ```
 */
export interface AddressDiagnostic {
  /**
   * The multiaddr dialled (`/ip4/10.0.0.7/tcp/4001`), the DNS name looked up (`/dns4/jobs-headless/tcp/4001`),
   * or `/p2p/<peer id>` for a member redialled by its id.
   */
  readonly address: string;
  readonly source: DialSource;
  /** The peer at this address: named in it, or learnt when it answered; `null` while unknown. */
  readonly peer: NodeId | null;
  /** Whether that peer is connected now. */
  readonly connected: boolean;
  /** Dials (lookups, for a DNS name) since the last one that succeeded. */
  readonly attempts: number;
  /** When the latest dial or lookup began, in `performance.now()` milliseconds; `null` before the first. */
  readonly lastAttempt: number | null;
  /** Why the latest attempt failed; `null` when it succeeded (or none ended yet). */
  readonly error: DialErrorKind | null;
  /** The error's message, for logs; `null` with `error`. */
  readonly detail: string | null;
  /** Since when attempts fail, in `performance.now()` milliseconds; `null` while they succeed. */
  readonly since: number | null;
  /** For a DNS name: the addresses of the latest answer. */
  readonly resolved?: readonly string[];
}

/**
 * What {@link Libp2pTransport.diagnostics} returns: whether this node reaches any peer, and the state of every
 * address it dials.
 *
 * @example
 * ```ts
 * import { libp2pTransport, type TransportDiagnostics } from '@baton/transport-libp2p';
 * const transport = libp2pTransport({ clusterId: 'jobs', bootstrap: ['/ip4/10.0.0.7/tcp/4001'] });
 * await transport.open();
 * const d: TransportDiagnostics = transport.diagnostics();
 * if (d.peers === 0 && d.noPeerSince !== null) console.log(`alone for ${performance.now() - d.noPeerSince} ms`);
 * ```
 */
export interface TransportDiagnostics {
  /** Cluster peers connected now. */
  readonly peers: number;
  /**
   * Since when no peer is connected, in `performance.now()` milliseconds (the opening, or when the last
   * peer left); `null` while one is, or while the transport is closed.
   */
  readonly noPeerSince: number | null;
  /** Every address dialled or looked up, in the order first tried. */
  readonly addresses: readonly AddressDiagnostic[];
}
