import { randomInt } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type {
  DropReason,
  ElectionMessage,
  NodeId,
  Transport,
  TransportHandlers,
  TransportStartOptions,
} from '@baton/core';
import { InvalidOptionError } from '@baton/core';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { GossipSub } from '@libp2p/gossipsub';
import type {
  Connection,
  Libp2p,
  Logger,
  PeerId,
  PeerInfo,
  PeerUpdate,
  PrivateKey,
  Stream,
} from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import { LeaderAnnouncements } from './announcements.js';
import {
  decodeFrame,
  encodeBroadcastFrame,
  encodeElectionMessage,
  encodeGossipBroadcast,
  encodeHelloFrame,
  encodeLeaderAnnouncement,
  encodeLeaveFrame,
  encodePeersFrame,
  type PeerAddresses,
} from './codec.js';
import { ExpectMismatchError, TransportNotOpenError, type VotersFileError } from './errors.js';
import { FrameReader, type FrameSink, lengthPrefixed } from './framing.js';
import { GossipChannel } from './gossip.js';
import { loadOrCreatePeerKey } from './identity.js';
import { createBatonNode } from './node.js';
import {
  type Libp2pTransportOptions,
  type ResolvedTransportOptions,
  resolveTransportOptions,
} from './options.js';
import { PeerChannel } from './peer-channel.js';
import { RecentSet } from './recent-set.js';
import { Redialer } from './redialer.js';
import type { DiscoverVotersOptions, LeaderAnnouncement, Libp2pTransportStats } from './types.js';
import { readStoredVoters, writeStoredVoters } from './voter-store.js';
import { peerIdOfAddress } from './voters.js';

type State = 'closed' | 'opening' | 'open' | 'closing';

const P2P_CODE = 421;
/** How long `stop()` spends telling peers it leaves. */
const LEAVE_TIMEOUT_MS = 500;

function emptyDropCounts(): Record<DropReason, number> {
  return {
    'wrong-cluster': 0,
    misaddressed: 0,
    'stale-term': 0,
    'not-a-voter': 0,
    'leader-sticky': 0,
    unexpected: 0,
    invalid: 0,
  };
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

/**
 * Creates Baton's libp2p transport. Give it to `LeaderElection` as `transport`; the election calls `start`
 * and `stop`. See {@link Libp2pTransportOptions} for the two ways in (own node, or yours).
 *
 * @example
 * ```ts
 * import { LeaderElection } from '@baton/core';
 * import { libp2pTransport, resolveVoters } from '@baton/transport-libp2p';
 *
 * const { voters, addresses } = resolveVoters(process.env.VOTERS!.split(','));
 * const transport = libp2pTransport({
 *   clusterId: 'jobs',
 *   listen: ['/ip4/0.0.0.0/tcp/4001'],
 *   bootstrap: addresses,
 *   preSharedKey: '/etc/jobs/swarm.key',
 *   dataDir: '/var/lib/jobs',
 * });
 * const election = new LeaderElection({ clusterId: 'jobs', transport, voters, dataDir: '/var/lib/jobs' });
 * await election.start();
 * ```
 */
export function libp2pTransport(options: Libp2pTransportOptions): Libp2pTransport {
  return new Libp2pTransport(options);
}

/**
 * Baton's {@link Transport} over libp2p. Election messages travel as length-prefixed protobuf frames on
 * ONE long-lived outbound stream per peer (`/baton/<clusterId>/election/1.0.0`); application broadcasts and
 * leader announcements on the gossipsub topic `/baton/<clusterId>/gossip/1.0.0`. Every incoming frame is
 * checked (size, decoding, cluster, sender, addressee, type) and a bad one is dropped and reported through
 * `onDropped`; nothing a peer sends can throw out of a handler or stall the node.
 *
 * @example
 * ```ts
 * import { libp2pTransport } from '@baton/transport-libp2p';
 * const transport = libp2pTransport({ clusterId: 'jobs', dataDir: './data', mdns: true });
 * await transport.open();
 * console.log(transport.localId, transport.addresses().map(String));
 * ```
 */
export class Libp2pTransport implements Transport {
  /** The cluster this transport belongs to. */
  readonly clusterId: string;
  /** The election protocol id: `/baton/<clusterId>/election/1.0.0`. */
  readonly protocol: string;
  /** The gossip topic: `/baton/<clusterId>/gossip/1.0.0`. */
  readonly topic: string;

  private readonly options: ResolvedTransportOptions;
  private state: State = 'closed';
  private openPromise: Promise<void> | null = null;
  private closePromise: Promise<void> | null = null;
  private libp2p: Libp2p | null = null;
  private ownsNode = false;
  private handling = false;
  private ephemeralKey: PrivateKey | null | undefined;
  private id: NodeId | null = null;
  private log: Logger | null = null;
  private handlers: TransportHandlers | null = null;
  private lifetime = new AbortController();
  private topologyId: string | null = null;
  private gossip: GossipChannel | null = null;
  private readonly connected = new Set<NodeId>();
  /** Peers known to belong to the cluster (gossip senders are checked against it). */
  private readonly members = new Set<NodeId>();
  /**
   * The election's voters, once known (from `start()`'s options or `discoverVoters()`): then only they may
   * announce leadership. Null while unknown (an observer that only `open()`s): members may.
   */
  private voters: ReadonlySet<NodeId> | null = null;
  /**
   * Peers this node redials when they disconnect: bootstrap peers and voters for ever (see
   * {@link keepsForever}), other members seen up to `maxRedialAttempts` dials, and not after their LEAVE.
   */
  private readonly dialTargets = new Set<NodeId>();
  /** The peer ids named by `bootstrap`. */
  private readonly bootstrapPeers: ReadonlySet<NodeId>;
  private readonly redialer: Redialer;
  private readonly channels = new Map<NodeId, PeerChannel>();
  private readonly inboundStreams = new Set<Stream>();
  /**
   * Connections that delivered a PEERS frame: one list per connection, however often its peer leaves and
   * greets again on it (a LEAVE does not close the connection).
   */
  private peersListed = new WeakSet<Connection>();
  private readonly seenBroadcasts = new RecentSet(4096);
  private nextSeq = randomInt(2 ** 40);
  private readonly announcements = new LeaderAnnouncements((listener) => this.call(listener));
  private readonly membershipWaiters = new Set<() => void>();
  private readonly counters = {
    framesSent: 0,
    framesReceived: 0,
    dropped: emptyDropCounts(),
    notSent: { queueFull: 0, unreachable: 0, streamError: 0 },
    streamsOpened: 0,
    gossipPublished: 0,
    broadcastsDirect: 0,
    duplicateBroadcasts: 0,
    unexpectedBytes: 0,
    redialsAbandoned: 0,
    streamsStalled: 0,
  };

  constructor(options: Libp2pTransportOptions) {
    this.options = resolveTransportOptions(options);
    this.clusterId = this.options.clusterId;
    this.protocol = `/baton/${this.clusterId}/election/1.0.0`;
    this.topic = `/baton/${this.clusterId}/gossip/1.0.0`;
    this.bootstrapPeers = new Set(
      this.options.bootstrap.map((address) => peerIdOfAddress(address) as NodeId),
    );
    this.redialer = new Redialer({
      redial: (peer) => this.redialOnce(peer),
      active: () => this.state === 'open' || this.state === 'opening',
      failed: (peer, error) => this.log?.('redial of %s failed: %e', peer, error),
      maxAttempts: (peer) =>
        this.keepsForever(peer) ? Number.POSITIVE_INFINITY : this.options.maxRedialAttempts,
      gaveUp: (peer) => {
        this.counters.redialsAbandoned++;
        this.log?.('gave up redialling %s', peer);
        if (!this.keepsForever(peer)) this.dialTargets.delete(peer);
      },
      maxDelay: this.options.maxRedialDelay,
    });
  }

  /**
   * This node's peer id, its id in the election. Available once `open()` or `start()` resolved.
   *
   * @example
   * ```ts
   * import { libp2pTransport } from '@baton/transport-libp2p';
   * const transport = libp2pTransport({ clusterId: 'jobs', dataDir: './data' });
   * await transport.open();
   * console.log(transport.localId); // e.g. '12D3KooWMPMattKf9oJvUPDeDLBuk77z7c3LfpGwSSiPH1bGn1ca', the same at every start with this dataDir
   * ```
   */
  get localId(): NodeId {
    if (this.id === null)
      throw new TransportNotOpenError('localId', 'known once open() or start() has resolved');
    return this.id;
  }

  /**
   * The libp2p node (Baton's own or yours); `null` before `open()` and after `stop()`.
   *
   * @example
   * ```ts
   * import { libp2pTransport } from '@baton/transport-libp2p';
   * const transport = libp2pTransport({ clusterId: 'jobs' });
   * console.log(transport.node); // null
   * await transport.open();
   * console.log(transport.node?.getConnections().length); // libp2p connections, of any protocol
   * ```
   */
  get node(): Libp2p | null {
    return this.libp2p;
  }

  /**
   * The addresses this node can be dialled at, each ending in `/p2p/<peer id>` (empty when closed): what
   * other nodes put in `bootstrap`.
   *
   * @example
   * ```ts
   * import { libp2pTransport } from '@baton/transport-libp2p';
   * const transport = libp2pTransport({ clusterId: 'jobs', listen: ['/ip4/127.0.0.1/tcp/4001'] });
   * await transport.open();
   * console.log(transport.addresses().map(String)); // ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWMPMattKf9oJvUPDeDLBuk77z7c3LfpGwSSiPH1bGn1ca']
   * ```
   */
  addresses(): Multiaddr[] {
    return this.libp2p?.getMultiaddrs() ?? [];
  }

  /**
   * Creates and starts the node (or attaches to yours), registers the protocol and the gossip topic, and
   * starts dialling bootstrap peers and mDNS finds. Idempotent. `start()` calls it; call it yourself to learn
   * `localId` or to run `discoverVoters()` before the election starts.
   *
   * @example
   * ```ts
   * import { libp2pTransport } from '@baton/transport-libp2p';
   * const transport = libp2pTransport({ clusterId: 'jobs' });
   * await transport.open({ signal: AbortSignal.timeout(10_000) });
   * console.log(transport.localId);
   * ```
   */
  async open(options: { signal?: AbortSignal } = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) throw abortError(signal);
    if (this.state === 'open') return;
    if (this.state === 'closing') await this.closePromise;
    if (this.openPromise === null) {
      this.state = 'opening';
      this.openPromise = this.doOpen().then(
        () => {
          // A stop() during the opening wins: it tears down once the opening is over.
          if (this.state !== 'opening') return;
          this.state = 'open';
          // Peers that joined while the node was starting get what later joiners get at once.
          for (const peer of this.connected) this.greet(peer);
        },
        async (error: unknown) => {
          await this.teardown();
          this.state = 'closed';
          this.openPromise = null;
          throw error;
        },
      );
    }
    if (!signal) return this.openPromise;
    const opening = this.openPromise;
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        reject(abortError(signal));
        void this.stop();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      opening.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /**
   * {@inheritDoc @baton/core#Transport.start}
   *
   * `voters` (which `LeaderElection` passes) are remembered: from then on, leader announcements on the gossip
   * topic are accepted from voters only; one from any other peer is ignored and counted as dropped
   * (`not-a-voter`). An empty list leaves what this transport knew of the voters unchanged.
   *
   * @example
   * ```ts
   * import { libp2pTransport } from '@baton/transport-libp2p';
   * const transport = libp2pTransport({ clusterId: 'jobs' });
   * await transport.start(
   *   {
   *     onMessage: (message) => console.log(message.type, 'from', message.from),
   *     onBroadcast: (from, payload) => console.log(payload.byteLength, 'bytes from', from),
   *     onPeerConnected: (peer) => console.log('+', peer),
   *     onPeerDisconnected: (peer) => console.log('-', peer),
   *   },
   *   { signal: AbortSignal.timeout(10_000) },
   * );
   * ```
   */
  async start(handlers: TransportHandlers, options: TransportStartOptions = {}): Promise<void> {
    if (options.voters !== undefined && options.voters.length > 0) this.knowVoters(options.voters);
    await this.open({ signal: options.signal });
    if (this.handlers !== null) return;
    this.handlers = handlers;
    for (const peer of this.connected) this.call(() => handlers.onPeerConnected(peer));
  }

  /** {@inheritDoc @baton/core#Transport.stop} Stops the node only when Baton created it. */
  async stop(): Promise<void> {
    if (this.state === 'closed') return;
    if (this.closePromise === null) {
      const opening = this.openPromise;
      this.handlers = null;
      this.state = 'closing';
      this.closePromise = (async () => {
        await opening?.catch(() => {});
        await this.teardown();
      })().finally(() => {
        this.state = 'closed';
        this.closePromise = null;
        this.openPromise = null;
      });
    }
    return this.closePromise;
  }

  /** {@inheritDoc @baton/core#Transport.send} */
  send(message: ElectionMessage): void {
    if (this.state !== 'open' || message.to === this.id) return;
    if (message.type === 'heartbeat') this.maybeAnnounce(message.term);
    let frame: Uint8Array;
    try {
      frame = lengthPrefixed(encodeElectionMessage(message));
    } catch (error) {
      this.log?.error('cannot encode %s to %s: %e', message.type, message.to, error);
      return;
    }
    this.enqueue(message.to, frame);
  }

  /**
   * {@inheritDoc @baton/core#Transport.broadcast}
   *
   * Without `to`, the payload goes at once over the direct stream to every connected cluster peer, and, when
   * some known member is not connected to this node, it is also published on the gossip topic, which relays
   * it to them; receivers deliver it once. In a fully connected cluster (the usual case: joining peers are
   * told each other's addresses) gossip is skipped: a gossip copy costs every receiver a signature check
   * (about 1 ms here) for nothing. With `to`, it goes over direct streams only. A payload whose frame would
   * exceed `maxFrameSize` is not sent (a warning is logged).
   *
   * @example
   * ```ts
   * import { libp2pTransport } from '@baton/transport-libp2p';
   * const transport = libp2pTransport({ clusterId: 'jobs', mdns: true });
   * await transport.open();
   * transport.broadcast(new TextEncoder().encode('config reloaded')); // every peer of the cluster
   * transport.broadcast(new TextEncoder().encode('hello'), { to: transport.peers().slice(0, 1) }); // one peer
   * ```
   */
  broadcast(payload: Uint8Array, options: { to?: readonly NodeId[] } = {}): void {
    if (this.state !== 'open') return;
    const seq = this.nextSeq++;
    for (const peer of options.to ? new Set(options.to) : this.connected) {
      if (peer === this.id) continue;
      this.counters.broadcastsDirect++;
      this.sendDirectBroadcast(peer, payload, seq);
    }
    if (options.to || this.gossip === null || !this.someMemberUnreachable()) return;
    const data = encodeGossipBroadcast(this.clusterId, payload, seq);
    if (data.byteLength > this.options.maxFrameSize) {
      this.options.logger.warn(
        `broadcast of ${payload.byteLength} bytes exceeds maxFrameSize; not published`,
      );
      return;
    }
    this.counters.gossipPublished++;
    void this.gossip.publish(data);
  }

  /** Whether a member this node knows of is not directly connected (so a broadcast needs gossip's relay). */
  private someMemberUnreachable(): boolean {
    for (const member of this.members) if (member !== this.id && !this.connected.has(member)) return true;
    return false;
  }

  /** {@inheritDoc @baton/core#Transport.peers} */
  peers(): readonly NodeId[] {
    return [...this.connected].sort();
  }

  /**
   * Waits until `expect` members (this node included) have found each other, then returns the initial voter
   * set: their peer ids, sorted, so that every member computes the same set. With `dataDir`, the set is saved
   * (`voters-<clusterId>.json`) and returned at once on later calls, so a restarted node does not wait.
   *
   * Caveat (as Consul's `bootstrap_expect`): start exactly `expect` nodes for the first formation. If more
   * are running, different nodes could form different sets; when this node sees more than `expect` it throws
   * {@link ExpectMismatchError} instead of guessing. A saved set that cannot be read is a {@link VotersFileError};
   * a `stop()` while waiting rejects with {@link TransportNotOpenError}.
   *
   * @example
   * ```ts
   * import { LeaderElection } from '@baton/core';
   * import { libp2pTransport } from '@baton/transport-libp2p';
   * const dataDir = './data';
   * const transport = libp2pTransport({ clusterId: 'jobs', mdns: true, preSharedKey: './swarm.key', dataDir });
   * const voters = await transport.discoverVoters({ expect: 3, signal: AbortSignal.timeout(60_000) });
   * const election = new LeaderElection({ clusterId: 'jobs', transport, voters, dataDir });
   * await election.start();
   * ```
   */
  async discoverVoters(options: DiscoverVotersOptions): Promise<readonly NodeId[]> {
    const expect = options?.expect;
    if (typeof expect !== 'number' || !Number.isInteger(expect) || expect < 1 || expect > 1000) {
      throw new InvalidOptionError('expect', expect, 'must be an integer between 1 and 1000');
    }
    const { signal } = options;
    await this.open({ signal });
    const { dataDir } = this.options;
    if (dataDir !== undefined) {
      const stored = await readStoredVoters(dataDir, this.clusterId);
      if (stored !== null) {
        if (stored.length !== expect) {
          this.options.logger.warn(
            `using the voter set formed before (${stored.length} voters), not a new one of expect=${expect}`,
          );
        }
        this.knowVoters(stored);
        return stored;
      }
    }
    await this.waitForMembership(() => this.connected.size + 1 >= expect, signal);
    const found = [this.localId, ...this.connected].sort();
    if (found.length > expect) throw new ExpectMismatchError(expect, found);
    if (dataDir !== undefined) await writeStoredVoters(dataDir, this.clusterId, found);
    this.knowVoters(found);
    return found;
  }

  /** Voters are members, and the only peers whose leader announcements count. */
  private knowVoters(voters: readonly NodeId[]): void {
    this.voters = new Set(voters);
    for (const voter of voters) this.members.add(voter);
  }

  /** Whether a leader announcement from `peer` counts: a voter when the voters are known, else a member. */
  private mayAnnounce(peer: NodeId): 'yes' | 'not-a-voter' | 'not-a-member' {
    if (this.voters !== null) return this.voters.has(peer) ? 'yes' : 'not-a-voter';
    return this.isMember(peer) ? 'yes' : 'not-a-member';
  }

  private isMember(peer: NodeId): boolean {
    return this.members.has(peer) || this.connected.has(peer);
  }

  /**
   * Calls `handler` whenever a leader announcement names a new leader or a newer term (announcements of an
   * older term than the latest are ignored). Returns the function that unsubscribes. An announcement is a
   * hint for observers, not a lease: only `LeaderElection` on a voter knows whether it leads.
   *
   * @example
   * ```ts
   * import { libp2pTransport } from '@baton/transport-libp2p';
   * const transport = libp2pTransport({ clusterId: 'jobs', mdns: true });
   * await transport.open();
   * const off = transport.onLeaderAnnouncement(({ leader, term }) => console.log(`leader ${leader} in term ${term}`));
   * // later: off();
   * ```
   */
  onLeaderAnnouncement(handler: (announcement: LeaderAnnouncement) => void): () => void {
    return this.announcements.subscribe(handler);
  }

  /**
   * The latest leader announcement (highest term) heard or made, or `null`. Check `receivedAt`: a leader
   * re-announces every `leaderAnnounceInterval`, so an old one may name a leader that is gone.
   *
   * @example
   * ```ts
   * import { libp2pTransport } from '@baton/transport-libp2p';
   * const transport = libp2pTransport({ clusterId: 'jobs', mdns: true });
   * await transport.open();
   * const latest = transport.leaderAnnouncement();
   * if (latest && performance.now() - latest.receivedAt < 3000) console.log(latest.leader);
   * ```
   */
  leaderAnnouncement(): LeaderAnnouncement | null {
    return this.announcements.latest;
  }

  /**
   * Counters since the transport was created.
   *
   * @example
   * ```ts
   * import { libp2pTransport } from '@baton/transport-libp2p';
   * const transport = libp2pTransport({ clusterId: 'jobs' });
   * await transport.open();
   * console.log(transport.stats().dropped.invalid); // 0
   * ```
   */
  stats(): Libp2pTransportStats {
    const c = this.counters;
    return {
      peers: this.connected.size,
      framesSent: c.framesSent,
      framesReceived: c.framesReceived,
      dropped: { ...c.dropped },
      notSent: { ...c.notSent },
      streamsOpened: c.streamsOpened,
      streamsStalled: c.streamsStalled,
      gossipPublished: c.gossipPublished,
      broadcastsDirect: c.broadcastsDirect,
      duplicateBroadcasts: c.duplicateBroadcasts,
      unexpectedBytes: c.unexpectedBytes,
      redialsPending: this.redialer.size,
      redialsAbandoned: c.redialsAbandoned,
    };
  }

  // --- opening and closing ---------------------------------------------------------------------------

  private async doOpen(): Promise<void> {
    this.lifetime = new AbortController();
    setMaxListeners(Number.POSITIVE_INFINITY, this.lifetime.signal);
    const { options } = this;
    let node: Libp2p;
    if (options.node) {
      node = options.node;
      this.ownsNode = false;
    } else {
      // Without a data directory the key lives as long as this object: a stop() and start() keep the id.
      this.ephemeralKey ??= options.dataDir === undefined ? await generateKeyPair('Ed25519') : null;
      const privateKey =
        this.ephemeralKey ??
        (await loadOrCreatePeerKey(options.dataDir as string, (message) => options.logger.warn(message)));
      node = await createBatonNode({ ...options, privateKey });
      this.ownsNode = true;
    }
    this.libp2p = node;
    this.id = node.peerId.toString();
    this.log = node.logger.forComponent(`baton:transport:${this.clusterId}`);

    await node.handle(this.protocol, this.onInboundStream, { maxInboundStreams: 8, maxOutboundStreams: 8 });
    this.handling = true;
    this.topologyId = await node.register(this.protocol, {
      onConnect: (peer) => this.peerJoined(peer.toString()),
      onDisconnect: (peer) => this.peerLeft(peer.toString()),
    });
    node.addEventListener('peer:disconnect', this.onPeerDisconnect);
    node.addEventListener('peer:update', this.onPeerUpdate);
    if (this.ownsNode && options.mdns) node.addEventListener('peer:discovery', this.onPeerDiscovery);

    if (this.ownsNode) {
      await node.start();
    } else if (node.status !== 'started') {
      options.logger.warn('the libp2p node given as `node` is not started: start it, Baton does not');
    }

    const pubsub = this.resolvePubsub(node);
    if (pubsub) {
      this.gossip = new GossipChannel(pubsub, this.topic, {
        clusterId: this.clusterId,
        maxFrameSize: options.maxFrameSize,
        isMember: (peer) => this.isMember(peer),
        mayAnnounce: (peer) => this.mayAnnounce(peer),
        broadcastReceived: (from, payload, seq) => this.broadcastReceived(from, payload, seq),
        leaderAnnounced: (leader, term) => this.announcements.heard(leader, term),
        drop: (reason, detail) => this.drop(reason, detail),
      });
      this.gossip.start();
    }

    if (options.mdns && options.preSharedKey === undefined) {
      options.logger.warn(
        'mDNS is on without a preSharedKey: any host on this network can find and connect to this node ' +
          '(it cannot vote unless it is a voter, but it can observe the cluster and send broadcasts); ' +
          'set preSharedKey or allow',
      );
    }

    for (const address of options.bootstrap) {
      const peer = peerIdOfAddress(address) as string;
      if (peer === this.id) continue;
      this.members.add(peer);
      await node.peerStore.merge(peerIdFromString(peer), { multiaddrs: [address.decapsulateCode(P2P_CODE)] });
      this.keepConnected(peer, 0);
    }

    // A node given by the user may already be connected to cluster peers.
    for (const connection of node.getConnections()) {
      const peer = connection.remotePeer;
      const record = await node.peerStore.get(peer).catch(() => null);
      if (record?.protocols.includes(this.protocol)) this.peerJoined(peer.toString());
    }
  }

  private resolvePubsub(node: Libp2p): GossipSub | null {
    if (this.options.pubsub === false) return null;
    if (this.options.pubsub) return this.options.pubsub;
    const candidate = (node.services as Record<string, unknown> | undefined)?.pubsub as
      | Partial<GossipSub>
      | undefined;
    if (candidate && typeof candidate.publish === 'function' && candidate.topicValidators instanceof Map) {
      return candidate as GossipSub;
    }
    this.options.logger.warn(
      'the libp2p node has no gossipsub service as services.pubsub: broadcasts reach directly connected peers only and leader announcements are off',
    );
    return null;
  }

  private async teardown(): Promise<void> {
    this.handlers = null;
    await this.leave();
    this.lifetime.abort(new Error('transport stopped'));
    for (const wake of this.membershipWaiters) wake();
    this.membershipWaiters.clear();
    this.redialer.clear();
    for (const channel of this.channels.values()) channel.close();
    this.channels.clear();
    for (const stream of this.inboundStreams) stream.abort(new Error('transport stopped'));
    this.inboundStreams.clear();
    this.gossip?.stop();
    this.gossip = null;
    const node = this.libp2p;
    if (node) {
      node.removeEventListener('peer:disconnect', this.onPeerDisconnect);
      node.removeEventListener('peer:update', this.onPeerUpdate);
      node.removeEventListener('peer:discovery', this.onPeerDiscovery);
      if (this.topologyId !== null) node.unregister(this.topologyId);
      this.topologyId = null;
      // Only our own handler: if handle() failed (another transport of this cluster on the same node), the
      // protocol belongs to that one.
      if (this.handling) await node.unhandle(this.protocol).catch(() => {});
      this.handling = false;
      if (this.ownsNode) await node.stop();
    }
    this.libp2p = null;
    this.connected.clear();
    this.peersListed = new WeakSet();
    this.dialTargets.clear();
    this.announcements.reset();
  }

  /**
   * Tells every connected peer that this transport stops (a LEAVE frame on the election stream), so that
   * peers learn it left even when the libp2p node stays up. Bounded by LEAVE_TIMEOUT_MS.
   */
  private async leave(): Promise<void> {
    const node = this.libp2p;
    if (node === null || this.id === null || this.connected.size === 0) return;
    const signal = AbortSignal.timeout(LEAVE_TIMEOUT_MS);
    setMaxListeners(Number.POSITIVE_INFINITY, signal);
    const from = this.id;
    await Promise.all(
      [...this.connected].map((peer) => {
        const frame = lengthPrefixed(encodeLeaveFrame({ cluster: this.clusterId, from, to: peer }));
        return this.channel(peer)?.finish(frame, signal);
      }),
    );
  }

  // --- membership ------------------------------------------------------------------------------------

  private peerJoined(peer: NodeId): void {
    if ((this.state !== 'open' && this.state !== 'opening') || peer === this.id) return;
    this.members.add(peer);
    this.dialTargets.add(peer);
    if (this.connected.has(peer)) return;
    this.connected.add(peer);
    this.log?.('peer %s joined', peer);
    // Open the stream at once: the peer learns about us (its inbound handler) and the first message is fast.
    // Then tell it who else is here, so a cluster bootstrapped through one seed becomes fully connected.
    if (this.state === 'open') this.greet(peer);
    const handlers = this.handlers;
    if (handlers) this.call(() => handlers.onPeerConnected(peer));
    for (const wake of this.membershipWaiters) wake();
  }

  /** Opens the stream to a peer that joined (it learns about us at once) and tells it who else is here. */
  private greet(peer: NodeId): void {
    this.channel(peer)?.connect();
    void this.sharePeers(peer);
  }

  private peerLeft(peer: NodeId): void {
    if (!this.connected.delete(peer)) return;
    this.log?.('peer %s left', peer);
    this.channels.get(peer)?.reset();
    const handlers = this.handlers;
    if (handlers) this.call(() => handlers.onPeerDisconnected(peer));
  }

  /** The last connection to a peer closed: it left, and if it is one to keep, redial it. */
  private readonly onPeerDisconnect = (event: CustomEvent<PeerId>): void => {
    const peer = event.detail.toString();
    this.peerLeft(peer);
    if (this.dialTargets.has(peer) && this.state === 'open') this.keepConnected(peer, 1);
  };

  /** Identify-push: a connected peer started to speak the protocol after the connection was identified. */
  private readonly onPeerUpdate = (event: CustomEvent<PeerUpdate>): void => {
    const { peer, previous } = event.detail;
    if (
      !peer.protocols.includes(this.protocol) ||
      previous?.protocols.includes(this.protocol) ||
      this.libp2p === null
    ) {
      return;
    }
    if (this.libp2p.getConnections(peer.id).length > 0) this.peerJoined(peer.id.toString());
  };

  /** libp2p 3 does not dial what mDNS finds: dial it here, with the timeout. */
  private readonly onPeerDiscovery = (event: CustomEvent<PeerInfo>): void => {
    const { id, multiaddrs } = event.detail;
    const node = this.libp2p;
    if (node === null || id.equals(node.peerId) || node.getConnections(id).length > 0) return;
    node
      .dial(multiaddrs.length > 0 ? multiaddrs : id, { signal: this.dialSignal() })
      .catch((error: unknown) => {
        this.log?.('dialling mDNS peer %p failed: %e', id, error);
      });
  };

  /**
   * Redials `peer` with backoff while it is not connected: for ever for a bootstrap peer or a voter, up to
   * `maxRedialAttempts` dials for any other.
   */
  private keepConnected(peer: NodeId, level: number): void {
    this.dialTargets.add(peer);
    this.redialer.schedule(peer, level);
  }

  /** Bootstrap peers and voters: the peers a cluster needs, however long they are away. */
  private keepsForever(peer: NodeId): boolean {
    return this.bootstrapPeers.has(peer) || this.voters?.has(peer) === true;
  }

  /** A peer that said it leaves is not redialled, unless the cluster needs it (it will come back). */
  private forget(peer: NodeId): void {
    if (this.keepsForever(peer)) return;
    this.dialTargets.delete(peer);
    this.redialer.cancel(peer);
  }

  /** One redial: nothing to do when the peer is connected; throws when the dial fails. */
  private async redialOnce(peer: NodeId): Promise<'done' | 'dialled'> {
    const node = this.libp2p;
    if (node === null || this.lifetime.signal.aborted || this.connected.has(peer)) return 'done';
    const peerId = peerIdFromString(peer);
    if (node.getConnections(peerId).length > 0) return 'done';
    await node.dial(peerId, { signal: this.dialSignal() });
    return 'dialled';
  }

  /** Sends `peer` the addresses of this node's other connected peers (a PEERS frame), if there are any. */
  private async sharePeers(peer: NodeId): Promise<void> {
    const node = this.libp2p;
    const others = [...this.connected].filter((other) => other !== peer).slice(0, 64);
    if (node === null || others.length === 0) return;
    const peers: PeerAddresses[] = [];
    for (const other of others) {
      const record = await node.peerStore.get(peerIdFromString(other)).catch(() => null);
      const addrs = (record?.addresses ?? []).slice(0, 16).map(({ multiaddr }) => multiaddr.bytes);
      if (addrs.length > 0) peers.push({ id: other, addrs });
    }
    if (peers.length === 0 || this.state !== 'open' || !this.connected.has(peer)) return;
    this.enqueue(
      peer,
      lengthPrefixed(encodePeersFrame({ cluster: this.clusterId, from: this.localId, to: peer, peers })),
    );
  }

  /**
   * Dials, once and with the dial timeout, the peers a member listed that this node is not connected to.
   * They are not members until they speak the protocol; bad ids and addresses are skipped.
   */
  private dialSharedPeers(peers: readonly PeerAddresses[]): void {
    const node = this.libp2p;
    if (node === null || this.state !== 'open') return;
    for (const { id, addrs } of peers) {
      if (id === this.id || this.connected.has(id)) continue;
      let peerId: PeerId;
      try {
        peerId = peerIdFromString(id);
      } catch {
        continue;
      }
      if (node.getConnections(peerId).length > 0) continue;
      const addresses: Multiaddr[] = [];
      for (const bytes of addrs) {
        try {
          addresses.push(multiaddr(bytes));
        } catch {
          // skip an address that does not parse
        }
      }
      if (addresses.length === 0) continue;
      node.peerStore
        .merge(peerId, { multiaddrs: addresses })
        .then(() => node.dial(peerId, { signal: this.dialSignal() }))
        .catch((error: unknown) => this.log?.('dialling shared peer %s failed: %e', id, error));
    }
  }

  private waitForMembership(done: () => boolean, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (signal?.aborted) return finish(abortError(signal));
        if (this.state !== 'open') {
          return finish(
            new TransportNotOpenError('discoverVoters', 'the transport stopped while waiting for members'),
          );
        }
        if (done()) finish(null);
      };
      const finish = (error: unknown) => {
        this.membershipWaiters.delete(check);
        signal?.removeEventListener('abort', check);
        if (error === null) resolve();
        else reject(error);
      };
      this.membershipWaiters.add(check);
      signal?.addEventListener('abort', check, { once: true });
      check();
    });
  }

  // --- election traffic ------------------------------------------------------------------------------

  private enqueue(peer: NodeId, frame: Uint8Array): void {
    const channel = this.channel(peer);
    if (!channel) {
      this.counters.notSent.unreachable++;
      return;
    }
    this.counters.framesSent++;
    channel.enqueue(frame);
  }

  /** The outbound channel to `peer`, created on first use; undefined when `peer` is not a peer id. */
  private channel(peer: NodeId): PeerChannel | undefined {
    let channel = this.channels.get(peer);
    if (channel) return channel;
    try {
      peerIdFromString(peer);
    } catch {
      return undefined;
    }
    channel = new PeerChannel(peer, {
      openStream: (to) => this.openStream(to),
      greeting: (to) => lengthPrefixed(encodeHelloFrame({ cluster: this.clusterId, from: this.localId, to })),
      streamOpened: (to) => {
        this.counters.streamsOpened++;
        this.peerJoined(to);
      },
      frameDropped: (_to, why) => {
        if (why === 'queue-full') this.counters.notSent.queueFull++;
        else if (why === 'unreachable') this.counters.notSent.unreachable++;
        else this.counters.notSent.streamError++;
      },
      unexpectedData: (from, bytes, first) => {
        this.counters.unexpectedBytes += bytes;
        if (first)
          this.drop('unexpected', `${from} writes on an election stream this node opened; discarded`);
      },
      stalled: (to) => {
        this.counters.streamsStalled++;
        this.log?.(
          '%s did not read its election stream for %d ms: reopening it',
          to,
          this.options.dialTimeout,
        );
      },
      maxQueuedFrames: this.options.maxQueuedFrames,
      maxRedialDelay: this.options.maxRedialDelay,
      drainTimeout: this.options.dialTimeout,
    });
    this.channels.set(peer, channel);
    return channel;
  }

  private async openStream(peer: NodeId): Promise<Stream> {
    const node = this.libp2p;
    if (node === null || this.lifetime.signal.aborted) throw new Error('transport not open');
    return node.dialProtocol(peerIdFromString(peer), this.protocol, { signal: this.dialSignal() });
  }

  private dialSignal(): AbortSignal {
    const signal = AbortSignal.any([this.lifetime.signal, AbortSignal.timeout(this.options.dialTimeout)]);
    setMaxListeners(Number.POSITIVE_INFINITY, signal);
    return signal;
  }

  private readonly onInboundStream = (stream: Stream, connection: Connection): void => {
    const remote = connection.remotePeer.toString();
    if ((this.state !== 'open' && this.state !== 'opening') || this.id === null) {
      stream.abort(new Error('transport not open'));
      return;
    }
    this.inboundStreams.add(stream);
    stream.addEventListener('close', () => this.inboundStreams.delete(stream), { once: true });
    // The peer is reported joined at its first valid frame (HELLO opens every stream), not when the stream
    // opens: a stream that was opening while the peer left must not bring it back.
    const reader = new FrameReader(this.options.maxFrameSize);
    const context = { clusterId: this.clusterId, localId: this.id, remoteId: remote };
    const sink: FrameSink = {
      frame: (bytes) => this.frameReceived(bytes, context, connection),
      oversized: (length) =>
        this.drop(
          'invalid',
          `frame of ${length} bytes from ${remote} exceeds maxFrameSize ${reader.maxFrameSize}`,
        ),
      unreadable: (detail) => {
        this.drop('invalid', `${detail} from ${remote}; its stream is closed`);
        stream.abort(new Error(detail));
      },
    };
    stream.addEventListener('message', (event) => reader.push(event.data, sink));
  };

  private frameReceived(
    bytes: Uint8Array,
    context: Parameters<typeof decodeFrame>[1],
    connection: Connection,
  ): void {
    this.counters.framesReceived++;
    const verdict = decodeFrame(bytes, context);
    if (verdict.kind === 'dropped') {
      this.drop(verdict.reason, verdict.detail);
      return;
    }
    if (verdict.kind === 'leave') {
      this.peerLeft(context.remoteId);
      this.forget(context.remoteId);
      return;
    }
    if (verdict.kind === 'peers') {
      this.peerJoined(context.remoteId);
      // One list per connection of the sender: a peer cannot make this node dial addresses over and over,
      // not even by leaving and greeting again on the same connection.
      if (this.peersListed.has(connection)) {
        this.drop('unexpected', `a second PEERS frame from ${context.remoteId} on one connection`);
        return;
      }
      this.peersListed.add(connection);
      this.dialSharedPeers(verdict.peers);
      return;
    }
    this.peerJoined(context.remoteId);
    if (verdict.kind === 'broadcast') {
      this.broadcastReceived(verdict.from, verdict.payload, verdict.seq);
    } else if (verdict.kind === 'election') {
      const handlers = this.handlers;
      if (handlers) this.call(() => handlers.onMessage(verdict.message));
    }
  }

  private drop(reason: DropReason, detail: string): void {
    this.counters.dropped[reason]++;
    this.log?.('dropped (%s): %s', reason, detail);
    const handlers = this.handlers;
    if (handlers?.onDropped) this.call(() => handlers.onDropped?.(reason, detail));
  }

  // --- broadcasts and leader announcements -----------------------------------------------------------

  private sendDirectBroadcast(peer: NodeId, payload: Uint8Array, seq: number): void {
    const frame = encodeBroadcastFrame({
      cluster: this.clusterId,
      from: this.localId,
      to: peer,
      payload,
      seq,
    });
    if (frame.byteLength > this.options.maxFrameSize) {
      this.options.logger.warn(
        `broadcast of ${payload.byteLength} bytes exceeds maxFrameSize; not sent to ${peer}`,
      );
      return;
    }
    this.enqueue(peer, lengthPrefixed(frame));
  }

  private broadcastReceived(from: NodeId, payload: Uint8Array, seq: number): void {
    if (!this.seenBroadcasts.add(`${from}/${seq}`)) {
      this.counters.duplicateBroadcasts++;
      return;
    }
    const handlers = this.handlers;
    if (handlers) this.call(() => handlers.onBroadcast(from, payload));
  }

  /** The leader (the only node that sends heartbeats) announces itself when a term starts and every interval. */
  private maybeAnnounce(term: number): void {
    if (this.id === null || !this.announcements.due(term, this.options.leaderAnnounceInterval)) return;
    this.announcements.heard(this.id, term);
    if (this.gossip) {
      this.counters.gossipPublished++;
      void this.gossip.publish(encodeLeaderAnnouncement(this.clusterId, term));
    }
  }

  /** Handlers must not throw; if one does, the error is logged and the stream goes on. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.options.logger.error('a transport handler threw', { error });
    }
  }
}
