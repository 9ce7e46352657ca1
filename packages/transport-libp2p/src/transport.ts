import type {
  Configuration,
  ConfigurationId,
  ElectionMessage,
  NodeId,
  Transport,
  TransportHandlers,
  TransportStartOptions,
} from '@baton/core';
import type { Libp2p } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import { LeaderAnnouncements } from './announcements.js';
import { BootstrapAddresses } from './bootstrap-addresses.js';
import { Broadcasts } from './broadcasts.js';
import { Channels } from './channels.js';
import { encodeElectionMessage } from './codec.js';
import { TransportContext } from './context.js';
import { DialStatus } from './dial-status.js';
import type {
  ExpectMismatchError,
  FormationConflictError,
  TransportNotOpenError,
  VotersFileError,
} from './errors.js';
import { lengthPrefixed } from './framing.js';
import { InboundStreams } from './inbound.js';
import { LeaderAnnouncer, termLedBy } from './leader-announcer.js';
import { Lifecycle } from './lifecycle.js';
import { Links } from './links.js';
import { Membership } from './membership.js';
import { NodeBinding } from './node-binding.js';
import { type Libp2pTransportOptions, resolveTransportOptions } from './options.js';
import { DEFAULT_BATCH_BYTES, OutboundBatches } from './outbound-batches.js';
import { PeerExchange } from './peer-exchange.js';
import { Reachability } from './reachability.js';
import { Redials } from './redials.js';
import type {
  DiscoverVotersOptions,
  LeaderAnnouncement,
  Libp2pTransportStats,
  TransportDiagnostics,
  VoterDiscovery,
} from './types.js';
import { checkExpect, discoverVoters } from './voter-discovery.js';

/**
 * Creates Baton's libp2p transport. Give it to `LeaderElection` as `transport`; the election calls `start`
 * and `stop`. See {@link Libp2pTransportOptions} for the two ways in (own node, or yours).
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { LeaderElection } from '@baton/core';
 * import { createSwarmKey, libp2pTransport, loadOrCreatePeerKey, resolveVoters } from '@baton/transport-libp2p';
 * import { peerIdFromPrivateKey } from '@libp2p/peer-id';
 *
 * // Every node: the same voter list (e.g. VOTERS=/ip4/10.0.0.1/tcp/4001/p2p/12D3KooW…,…), the same swarm key,
 * // a data directory of its own. Here, without VOTERS, a cluster of one.
 * writeFileSync('swarm.key', createSwarmKey(), { mode: 0o600 });
 * const me = peerIdFromPrivateKey(await loadOrCreatePeerKey('./data')).toString();
 * const { voters, addresses } = resolveVoters(process.env.VOTERS?.split(',') ?? [me]);
 * const transport = libp2pTransport({
 *   clusterId: 'jobs',
 *   listen: ['/ip4/0.0.0.0/tcp/0'],
 *   bootstrap: addresses,
 *   preSharedKey: 'swarm.key',
 *   dataDir: './data',
 * });
 * const election = new LeaderElection({ clusterId: 'jobs', transport, voters, dataDir: './data' });
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

  // The parts, one concern each, sharing one context: Membership (who is connected and the configuration
  // each holds, greetings, LEAVE), Redials (which peers to keep connected), BootstrapAddresses (bootstrap
  // addresses without a peer id, DNS names), DialStatus (what became of each dial) and Reachability (the
  // warning when no peer is reachable), PeerExchange (PEERS frames), Channels (outbound streams),
  // InboundStreams (inbound frames), Broadcasts, LeaderAnnouncements (heard) and LeaderAnnouncer (made),
  // NodeBinding (what opening does to the libp2p node) and Lifecycle (opening and stopping).
  private readonly context: TransportContext;
  private readonly lifecycle: Lifecycle;
  private readonly membership: Membership;
  private readonly redials: Redials;
  private readonly links: Links;
  /** The voters of the configuration last passed to `configurationChanged`, joined (to see them change). */
  private votersHeld = '';
  private readonly bootstrapAddresses: BootstrapAddresses;
  private readonly status = new DialStatus();
  private readonly reachability: Reachability;
  private readonly exchange: PeerExchange;
  private readonly channels: Channels;
  private readonly inbound: InboundStreams;
  private readonly broadcasts: Broadcasts;
  private readonly announcements: LeaderAnnouncements;
  private readonly announcer: LeaderAnnouncer;
  /** The peers whose HELLO said they understand election groups (only they get a group's messages). */
  private readonly groupPeers = new Set<NodeId>();
  /** The peers already warned about as not understanding election groups (one warning each). */
  private readonly groupless = new Set<NodeId>();
  /** Election messages to peers that understand BATCH frames, coalesced per peer and task. */
  private readonly batches: OutboundBatches;
  private readonly binding: NodeBinding;

  constructor(options: Libp2pTransportOptions) {
    const context = new TransportContext(resolveTransportOptions(options));
    this.context = context;
    this.clusterId = context.clusterId;
    this.protocol = context.protocol;
    this.topic = context.topic;
    // Membership, channels, redials and the peer exchange call one another: the callbacks run only once
    // all of them exist.
    this.membership = new Membership(context, {
      keep: (peer) => this.redials.target(peer),
      greet: (peer) => {
        this.channels.connect(peer);
        void this.exchange.share(peer);
      },
      hello: (peer) => this.channels.hello(peer),
      closeChannel: (peer) => this.channels.reset(peer),
      finish: (peer, frame, signal) => this.channels.finish(peer, frame, signal),
      connectedChanged: (peer, connected, count) => {
        if (connected) this.status.reached(peer);
        if (context.state === 'open') this.reachability.update(count);
      },
      configurationHeard: (peer) => this.links.prune([peer]),
    });
    this.links = new Links(context, this.membership, () => this.binding.owns);
    this.channels = new Channels(context, { streamOpened: (peer) => this.membership.joined(peer) });
    this.batches = new OutboundBatches(
      {
        enqueue: (peer, frame) => this.channels.enqueue(peer, frame),
        failed: (peer, messages, error) =>
          context.log.error('cannot encode election messages; not sent', { to: peer, messages, error }),
      },
      Math.min(DEFAULT_BATCH_BYTES, context.options.maxFrameSize),
    );
    this.redials = new Redials(context, this.membership, this.status, this.links);
    this.bootstrapAddresses = new BootstrapAddresses(context, this.membership, this.status, this.links);
    this.reachability = new Reachability(context, () =>
      this.status
        .snapshot(this.membership.connected)
        .filter((entry) => entry.error !== null && entry.error !== 'self' && !entry.connected),
    );
    this.exchange = new PeerExchange(context, this.membership, this.channels, this.status, this.links);
    this.broadcasts = new Broadcasts(context, this.membership, this.channels);
    this.inbound = new InboundStreams(context, {
      joined: (peer) => this.membership.joined(peer),
      configurationHeard: (peer, configuration) => this.membership.configurationHeard(peer, configuration),
      lockHeard: (peer, locked) => this.membership.lockHeard(peer, locked),
      groupsHeard: (peer, groups) => {
        if (groups) this.groupPeers.add(peer);
        else this.groupPeers.delete(peer);
      },
      batchesHeard: (peer, batches) => this.batches.capable(peer, batches),
      leaving: (peer) => {
        this.groupPeers.delete(peer);
        this.batches.forget(peer);
        this.membership.left(peer);
        this.redials.forget(peer);
      },
      peersListed: (peer, peers, connection) => this.exchange.received(peer, peers, connection),
      broadcastReceived: (from, payload, seq) => this.broadcasts.received(from, payload, seq),
    });
    this.announcements = new LeaderAnnouncements((listener) => context.delivery.call(listener));
    this.announcer = new LeaderAnnouncer(context, this.announcements);
    const { membership, redials, bootstrapAddresses, status, inbound, broadcasts, announcements, links } =
      this;
    this.binding = new NodeBinding(context, {
      membership,
      redials,
      bootstrapAddresses,
      status,
      inbound,
      broadcasts,
      announcements,
      announcer: this.announcer,
      links,
    });
    this.lifecycle = new Lifecycle(context, {
      open: () => this.binding.bind(),
      // Peers that joined while the node was starting get what later joiners get at once.
      opened: () => {
        this.membership.greetAll();
        this.reachability.update(this.membership.connected.size);
      },
      close: () => this.teardown(),
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
    return this.context.localId;
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
    return this.context.node;
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
    return this.context.node?.getMultiaddrs() ?? [];
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
    return this.lifecycle.open(options.signal);
  }

  /**
   * {@inheritDoc @baton/core#Transport.start}
   *
   * `voters` (which `LeaderElection` passes) are remembered: from then on, leader announcements on the gossip
   * topic are accepted from voters only; one from any other peer is ignored and counted as dropped
   * (`not-a-voter`). An empty list leaves what this transport knew of the voters unchanged. `configuration`
   * (the one this node holds) is what every HELLO from now on says; `configurationChanged()` keeps both
   * current.
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
    if (options.configuration !== undefined) this.context.holds(options.configuration);
    if (options.voters !== undefined && options.voters.length > 0) this.membership.knowVoters(options.voters);
    await this.open({ signal: options.signal });
    const { delivery } = this.context;
    if (delivery.attached) return;
    delivery.attach(handlers);
    for (const peer of this.membership.connected) delivery.peerConnected(peer);
  }

  /**
   * {@inheritDoc @baton/core#Transport.configurationChanged}
   *
   * The new voters replace the ones this transport trusts for leader announcements (a removed voter's no
   * longer count; a new voter is redialled for ever), and the HELLO of every stream opened from now on says the
   * new configuration (the first configuration this node holds is also told at once to every connected peer).
   * When the voters change, this node dials the peers it needs now and closes the links it no longer needs
   * (an observer keeps the voters only: see the README's "Who connects to whom"). `LeaderElection` calls it;
   * call it yourself only for a transport you drive.
   *
   * @example
   * ```ts
   * import { libp2pTransport } from '@baton/transport-libp2p';
   * const transport = libp2pTransport({ clusterId: 'jobs' });
   * await transport.open();
   * transport.configurationChanged({ term: 4, version: 2, voters: [transport.localId] });
   * ```
   */
  configurationChanged(configuration: Configuration): void {
    const before = this.context.configuration;
    const votersBefore = this.votersHeld;
    this.context.holds(configuration);
    if (configuration.voters.length > 0) this.membership.knowVoters(configuration.voters);
    this.votersHeld = configuration.voters.join();
    if (this.context.state !== 'open') return;
    // Peers learn from a HELLO that this node holds a configuration now (an observer that found the voters
    // may be let go). Only the first one: a new leader re-stamps the configuration with its term, and a HELLO
    // from every node to every peer at each election would come just when the new leader needs its acks.
    if (before.version === 0 && configuration.version > 0) this.membership.helloAll();
    if (this.votersHeld === votersBefore && before.version > 0) return;
    // The voters changed: dial whoever this node needs now and is not connected to (a new voter; every
    // member when this node became a voter), and close what it no longer needs (another observer).
    for (const member of this.membership.knownMembers) {
      if (member !== this.context.id && !this.membership.connected.has(member) && this.links.wants(member)) {
        this.redials.keep(member, 0);
      }
    }
    this.links.prune();
  }

  /** {@inheritDoc @baton/core#Transport.stop} Stops the node only when Baton created it. */
  async stop(): Promise<void> {
    // What the election sent in this task (a handover's timeout-now) is queued before LEAVE.
    this.batches.flush();
    return this.lifecycle.stop();
  }

  /**
   * {@inheritDoc @baton/core#Transport.flush}
   *
   * Messages sent in one task leave together at its end (one batch and one socket write per peer); this
   * encodes and writes what is queued now, on the streams that are open (a stream still opening takes its
   * frames when it opens).
   */
  flush(): void {
    if (this.context.state !== 'open') return;
    this.batches.flush();
    this.channels.flushNow();
  }

  /**
   * {@inheritDoc @baton/core#Transport.send}
   *
   * A heartbeat also tells the transport that this node leads the heartbeat's term (only a leader sends
   * heartbeats): it then announces the leader on the gossip topic, at the first heartbeat of a term and
   * every `leaderAnnounceInterval` after (see {@link Libp2pTransport.onLeaderAnnouncement}).
   */
  send(message: ElectionMessage): void {
    const { context } = this;
    if (context.state !== 'open' || message.to === context.id) return;
    // The seam between the election and leader announcements: termLedBy states the rule (a heartbeat of
    // term T is sent only by the leader of T), the announcer decides when an announcement is due.
    const led = termLedBy(message);
    if (led !== null) this.announcer.leads(led);
    if (message.group !== undefined && !this.groupPeers.has(message.to)) {
      // An older peer would read the message as one of the default group: the group waits for its upgrade.
      if (!this.groupless.has(message.to)) {
        this.groupless.add(message.to);
        context.log.warn(
          'a peer does not understand election groups (an older version): no group message goes to it',
          {
            peer: message.to,
            group: message.group,
          },
        );
      }
      return;
    }
    if (this.batches.has(message.to)) {
      this.batches.add(message);
      return;
    }
    let frame: Uint8Array;
    try {
      frame = lengthPrefixed(encodeElectionMessage(message));
    } catch (error) {
      context.log.error('cannot encode an election message; not sent', {
        type: message.type,
        to: message.to,
        error,
      });
      return;
    }
    this.channels.enqueue(message.to, frame);
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
    if (this.context.state !== 'open') return;
    this.broadcasts.send(payload, options.to);
  }

  /** {@inheritDoc @baton/core#Transport.peers} */
  peers(): readonly NodeId[] {
    return [...this.membership.connected].sort();
  }

  /**
   * Forms the cluster's first voter set, or finds that a cluster exists already; for the first formation
   * only. It waits until either:
   *
   * - a cluster shows itself: a leader announcement is heard, or a connected member's HELLO says it holds a
   *   voter configuration (version > 0). Resolves `{ outcome: 'join', voters: [] }` at once, with the `reason`
   *   and the `peer`: start `LeaderElection` without voters, this node joins as an observer and the leader's
   *   autopilot promotes it. It never forms a set beside an existing cluster;
   * - or `expect` fresh members (this node included) have found each other and each locked this very set:
   *   `{ outcome: 'formed', voters }`, their peer ids sorted, the same on every member. With `expect` ≥ 2 a
   *   node locks one set once in its life (saved in `dataDir` as `formation-lock-<clusterId>.json` before
   *   any peer hears of it, and told on every HELLO) and forms only a set every member of which said it
   *   locked it, so two formed sets that share a member are equal (see formation.ts). With `dataDir` the
   *   formed set is saved (`voters-<clusterId>.json`), and later calls resolve `{ outcome: 'saved', voters }`
   *   at once, so a restarted node neither waits nor forms another set.
   *
   * The caller checks first whether this node holds a configuration already (`FileStateStore.read(dataDir)`
   * of `@baton/core` shows one with `version > 0`, or the `voters` are configured): then it must not call
   * this at all, but start `LeaderElection` as it is. A node that holds a configuration never forms again.
   *
   * Caveat (as Consul's `bootstrap_expect`): start exactly `expect` fresh nodes for the first formation. With
   * more, different nodes may lock different sets: then no two different sets that share a member form, but
   * a node whose locked set can never form throws {@link FormationConflictError}, and one that sees more
   * fresh members than `expect` and nothing to lock or join (for 2 × `dialTimeout`) throws
   * {@link ExpectMismatchError}. A saved set or lock that cannot be read is a {@link VotersFileError}; a
   * `stop()` while waiting rejects with {@link TransportNotOpenError}.
   *
   * @example
   * ```ts
   * import { FileStateStore, LeaderElection } from '@baton/core';
   * import { libp2pTransport } from '@baton/transport-libp2p';
   * const dataDir = './data';
   * const transport = libp2pTransport({ clusterId: 'jobs', bootstrap: ['/dns4/jobs-headless/tcp/4001'], dataDir });
   * const state = await FileStateStore.read(dataDir);
   * let voters: readonly string[] = [];
   * if (state === null || state.configuration.version === 0) {
   *   const found = await transport.discoverVoters({ expect: 3, signal: AbortSignal.timeout(120_000) });
   *   voters = found.voters; // empty when found.outcome === 'join': this node joins as an observer
   * }
   * const election = new LeaderElection({ clusterId: 'jobs', transport, voters, dataDir });
   * await election.start();
   * ```
   */
  async discoverVoters(options: DiscoverVotersOptions): Promise<VoterDiscovery> {
    const expect = checkExpect(options?.expect);
    await this.open({ signal: options.signal });
    return discoverVoters(this.context, this.membership, this.announcements, expect, options.signal);
  }

  /**
   * The voter configuration each connected cluster peer holds, as it said in its HELLO (and since, in its
   * election messages): version 0 for a peer that holds none yet (a new node, not in a cluster). A peer whose
   * HELLO has not arrived yet is missing.
   *
   * @example
   * ```ts
   * import { libp2pTransport } from '@baton/transport-libp2p';
   * const transport = libp2pTransport({ clusterId: 'jobs', mdns: true });
   * await transport.open();
   * for (const [peer, { term, version }] of transport.peerConfigurations()) console.log(peer, `v${version}@t${term}`);
   * ```
   */
  peerConfigurations(): ReadonlyMap<NodeId, ConfigurationId> {
    const configurations = new Map<NodeId, ConfigurationId>();
    for (const peer of [...this.membership.connected].sort()) {
      const configuration = this.membership.configurationOf(peer);
      if (configuration !== undefined) configurations.set(peer, configuration);
    }
    return configurations;
  }

  /**
   * Whether this node reaches any peer, and what became of every address it dials: the bootstrap addresses,
   * the addresses their DNS names resolved to (and the lookups themselves), peers found by mDNS and members
   * redialled. For a health endpoint or a CLI; the transport also logs a warning naming each failing address
   * when no peer has been reachable for `2 × dialTimeout` (then at doubling intervals, up to a minute).
   *
   * @example
   * ```ts
   * import { libp2pTransport } from '@baton/transport-libp2p';
   * const transport = libp2pTransport({ clusterId: 'jobs', bootstrap: ['/dns4/jobs-headless/tcp/4001'] });
   * await transport.open();
   * const { peers, addresses } = transport.diagnostics();
   * if (peers === 0) for (const a of addresses) console.log(a.address, a.error ?? 'ok', a.attempts);
   * ```
   */
  diagnostics(): TransportDiagnostics {
    return {
      peers: this.membership.connected.size,
      noPeerSince: this.reachability.noPeerSince,
      addresses: this.status.snapshot(this.membership.connected),
    };
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
   * re-announces every `leaderAnnounceInterval` (10 s by default), so an old one may name a leader that is
   * gone. A new leader announces at once, so a change of leader does not wait for the interval.
   *
   * @example
   * ```ts
   * import { libp2pTransport } from '@baton/transport-libp2p';
   * const transport = libp2pTransport({ clusterId: 'jobs', mdns: true });
   * await transport.open();
   * const latest = transport.leaderAnnouncement();
   * if (latest && performance.now() - latest.receivedAt < 20_000) console.log(latest.leader);
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
    return this.context.counters.snapshot({
      peers: this.membership.connected.size,
      redialsPending: this.redials.pending + this.bootstrapAddresses.pending,
    });
  }

  /** Undoes an opening, whatever part of it was done; what outlives it (members, voters, counters) stays. */
  private async teardown(): Promise<void> {
    const { context } = this;
    context.delivery.detach();
    await this.membership.leave();
    context.end();
    this.membership.stopWaiting();
    this.reachability.stop();
    this.bootstrapAddresses.stop();
    this.redials.stop();
    this.channels.closeAll();
    this.inbound.abortAll();
    await this.binding.unbind();
    this.membership.clear();
    this.exchange.clear();
    this.redials.clear();
    this.links.clear();
    this.status.clear();
    this.announcements.reset();
    this.announcer.reset();
  }
}
