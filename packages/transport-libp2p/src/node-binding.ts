import { generateKeyPair } from '@libp2p/crypto/keys';
import type { GossipSub } from '@libp2p/gossipsub';
import type { Connection, Libp2p, PeerId, PeerInfo, PeerUpdate, PrivateKey } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { LeaderAnnouncements } from './announcements.js';
import type { BootstrapAddresses } from './bootstrap-addresses.js';
import type { Broadcasts } from './broadcasts.js';
import { isDuplicate } from './connection-order.js';
import type { TransportContext } from './context.js';
import type { DialStatus } from './dial-status.js';
import { GossipChannel } from './gossip.js';
import { loadOrCreatePeerKey } from './identity.js';
import type { InboundStreams } from './inbound.js';
import type { LeaderAnnouncer } from './leader-announcer.js';
import type { Links } from './links.js';
import type { Membership } from './membership.js';
import { createBatonNode } from './node.js';
import type { Redials } from './redials.js';
import { peerIdOfAddress } from './voters.js';

const P2P_CODE = 421;

/** The parts of the transport that a {@link NodeBinding} connects the node's events to. */
export interface NodeBindingParts {
  readonly membership: Pick<Membership, 'joined' | 'left' | 'addMember' | 'isMember' | 'mayAnnounce'>;
  readonly redials: Pick<Redials, 'keep' | 'disconnected'>;
  readonly bootstrapAddresses: Pick<BootstrapAddresses, 'start' | 'disconnected'>;
  readonly status: Pick<DialStatus, 'attempt' | 'succeeded' | 'failed'>;
  readonly inbound: Pick<InboundStreams, 'handle'>;
  readonly broadcasts: Pick<Broadcasts, 'received'>;
  readonly announcements: Pick<LeaderAnnouncements, 'heard'>;
  /** Told when a peer subscribes to the cluster's topic (the leader then announces itself again). */
  readonly announcer: Pick<LeaderAnnouncer, 'subscribed'>;
  readonly links: Pick<Links, 'wants'>;
}

/**
 * What opening does to a libp2p node, and what stopping undoes: creates and starts Baton's own node (or
 * takes the user's), handles the election protocol, registers a topology, listens to the node's peer
 * events, subscribes to the gossip topic, and dials the bootstrap peers and addresses. Fills the context's
 * `node`, `id` and `gossip`. Only Baton's own node is stopped.
 */
export class NodeBinding {
  /** Without a data directory, the key lives as long as the transport: a stop() and start() keep the id. */
  private ephemeralKey: PrivateKey | null | undefined;
  private ownsNode = false;
  private handling = false;
  private topologyId: string | null = null;

  /** Whether Baton created the libp2p node (it stops it, and may close its connections). */
  get owns(): boolean {
    return this.ownsNode;
  }

  constructor(
    private readonly context: TransportContext,
    private readonly parts: NodeBindingParts,
  ) {}

  /** Binds to the node, step by step: {@link unbind} undoes whatever steps were done, should one fail. */
  async bind(): Promise<void> {
    const { context, parts } = this;
    const { options, protocol } = context;
    context.begin();
    const node = await this.obtainNode();
    context.node = node;
    context.id = node.peerId.toString();

    await node.handle(protocol, parts.inbound.handle, { maxInboundStreams: 8, maxOutboundStreams: 8 });
    this.handling = true;
    this.topologyId = await node.register(protocol, {
      onConnect: (peer) => parts.membership.joined(peer.toString()),
      onDisconnect: (peer) => parts.membership.left(peer.toString()),
    });
    // Before node.start(): this listener runs before identify's, so a duplicate is closed before any stream.
    if (this.ownsNode) node.addEventListener('connection:open', this.onConnectionOpen);
    node.addEventListener('peer:disconnect', this.onPeerDisconnect);
    node.addEventListener('peer:update', this.onPeerUpdate);
    if (this.ownsNode && options.mdns) node.addEventListener('peer:discovery', this.onPeerDiscovery);

    if (this.ownsNode) {
      await node.start();
    } else if (node.status !== 'started') {
      context.log.warn('the libp2p node given as `node` is not started: start it, Baton does not');
    }

    const pubsub = this.resolvePubsub(node);
    if (pubsub) {
      context.gossip = new GossipChannel(pubsub, context.topic, {
        clusterId: context.clusterId,
        maxFrameSize: options.maxFrameSize,
        isMember: (peer) => parts.membership.isMember(peer),
        mayAnnounce: (peer) => parts.membership.mayAnnounce(peer),
        broadcastReceived: (from, payload, seq) => parts.broadcasts.received(from, payload, seq),
        leaderAnnounced: (leader, term) => parts.announcements.heard(leader, term),
        subscribed: () => parts.announcer.subscribed(),
        drop: (reason, detail) => context.delivery.dropped(reason, detail),
      });
      context.gossip.start();
    }

    if (options.mdns && options.preSharedKey === undefined) {
      context.log.warn(
        'mDNS is on without a preSharedKey: any host on this network can find and connect to this node ' +
          '(it cannot vote unless it is a voter, but it can observe the cluster and send broadcasts); ' +
          'set preSharedKey or allow',
      );
    }

    for (const address of options.bootstrapPeers) {
      const peer = peerIdOfAddress(address) as string;
      if (peer === context.id) continue;
      parts.membership.addMember(peer);
      await node.peerStore.merge(peerIdFromString(peer), { multiaddrs: [address.decapsulateCode(P2P_CODE)] });
      parts.redials.keep(peer, 0);
    }
    parts.bootstrapAddresses.start();

    // A node given by the user may already be connected to cluster peers.
    for (const connection of node.getConnections()) {
      const peer = connection.remotePeer;
      const record = await node.peerStore.get(peer).catch(() => null);
      if (record?.protocols.includes(protocol)) parts.membership.joined(peer.toString());
    }
  }

  /** Leaves the gossip topic and the node as they were before {@link bind}; stops Baton's own node. */
  async unbind(): Promise<void> {
    const { context } = this;
    context.gossip?.stop();
    context.gossip = null;
    const node = context.node;
    if (node) {
      node.removeEventListener('connection:open', this.onConnectionOpen);
      node.removeEventListener('peer:disconnect', this.onPeerDisconnect);
      node.removeEventListener('peer:update', this.onPeerUpdate);
      node.removeEventListener('peer:discovery', this.onPeerDiscovery);
      if (this.topologyId !== null) node.unregister(this.topologyId);
      this.topologyId = null;
      // Only our own handler: if handle() failed (another transport of this cluster on the same node), the
      // protocol belongs to that one.
      if (this.handling) await node.unhandle(context.protocol).catch(() => {});
      this.handling = false;
      if (this.ownsNode) await node.stop();
    }
    context.node = null;
  }

  /** The user's node, or a new one of Baton's own (created, not started), with this node's key. */
  private async obtainNode(): Promise<Libp2p> {
    const { options, log } = this.context;
    if (options.node) {
      this.ownsNode = false;
      return options.node;
    }
    this.ephemeralKey ??= options.dataDir === undefined ? await generateKeyPair('Ed25519') : null;
    const privateKey =
      this.ephemeralKey ??
      (await loadOrCreatePeerKey(options.dataDir as string, (message) => log.warn(message)));
    const node = await createBatonNode({ ...options, privateKey });
    this.ownsNode = true;
    return node;
  }

  private resolvePubsub(node: Libp2p): GossipSub | null {
    const { options, log } = this.context;
    if (options.pubsub === false) return null;
    if (options.pubsub) return options.pubsub;
    const candidate = (node.services as Record<string, unknown> | undefined)?.pubsub as
      | Partial<GossipSub>
      | undefined;
    if (candidate && typeof candidate.publish === 'function' && candidate.topicValidators instanceof Map) {
      return candidate as GossipSub;
    }
    log.warn(
      'the libp2p node has no gossipsub service as services.pubsub: broadcasts reach directly connected peers only and leader announcements are off',
    );
    return null;
  }

  /**
   * Two nodes dialled each other at once: the connection dialled by the larger peer id is closed as it opens
   * when one dialled by the smaller is open (both sides decide alike; see `connection-order.ts`).
   */
  private readonly onConnectionOpen = (event: CustomEvent<Connection>): void => {
    const connection = event.detail;
    const { node, id } = this.context;
    if (node === null || id === null) return;
    if (!isDuplicate(id, connection, node.getConnections(connection.remotePeer))) return;
    this.context.log.debug('closing a second connection to a peer', {
      peer: connection.remotePeer.toString(),
    });
    connection.abort(new Error('duplicate connection'));
  };

  /** The last connection to a peer closed: it left, and if it is one to keep, it is redialled. */
  private readonly onPeerDisconnect = (event: CustomEvent<PeerId>): void => {
    const peer = event.detail.toString();
    this.parts.membership.left(peer);
    this.parts.redials.disconnected(peer);
    this.parts.bootstrapAddresses.disconnected(peer);
  };

  /** Identify-push: a connected peer started to speak the protocol after the connection was identified. */
  private readonly onPeerUpdate = (event: CustomEvent<PeerUpdate>): void => {
    const { peer, previous } = event.detail;
    const { node, protocol } = this.context;
    if (!peer.protocols.includes(protocol) || previous?.protocols.includes(protocol) || node === null) return;
    if (node.getConnections(peer.id).length > 0) this.parts.membership.joined(peer.id.toString());
  };

  /** libp2p 3 does not dial what mDNS finds: dial it here, with the timeout. */
  private readonly onPeerDiscovery = (event: CustomEvent<PeerInfo>): void => {
    const { id, multiaddrs } = event.detail;
    const { node, log } = this.context;
    if (node === null || id.equals(node.peerId) || node.getConnections(id).length > 0) return;
    const { status, links } = this.parts;
    const peer = id.toString();
    if (!links.wants(peer)) return;
    const key = `/p2p/${peer}`;
    status.attempt(key, 'mdns', peer);
    node.dial(multiaddrs.length > 0 ? multiaddrs : id, { signal: this.context.dialSignal() }).then(
      () => status.succeeded(key, peer),
      (error: unknown) => {
        if (this.context.ended) return;
        status.failed(key, error);
        log.debug('dialling a peer found by mDNS failed', { peer, error });
      },
    );
  };
}
