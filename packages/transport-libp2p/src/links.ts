import type { NodeId } from '@baton/core';
import { peerIdFromString } from '@libp2p/peer-id';
import type { TransportContext } from './context.js';
import type { Membership } from './membership.js';
import { peerIdOfAddress } from './voters.js';

/**
 * Which peers this node keeps a connection to. Voters need every member (the leader heartbeats observers,
 * and any voter may lead); an observer needs the voters only. So once this node holds a configuration
 * (version > 0) and is not one of its voters, it dials only voters and bootstrap peers, and it closes a
 * connection to another observer once that observer said (HELLO) it holds a configuration too: it has found
 * the voters. With 5 voters and 45 observers that is 235 connections instead of 1,225, and a joining
 * observer performs 5 handshakes, not 49.
 *
 * Before it holds a configuration, a node keeps every connection (the first formation needs them all, and a
 * new node learns the voters through its peers). A new node told which listed peers are voters (PEERS frames
 * mark them) dials those only. Broadcasts still reach every member: gossip relays them to members this node
 * is not connected to (see `broadcasts.ts`).
 */
export class Links {
  /** Peers that a PEERS frame marked as voters, while this node holds no configuration. */
  private readonly hinted = new Set<NodeId>();
  private readonly bootstrapPeers: ReadonlySet<NodeId>;

  constructor(
    private readonly context: Pick<TransportContext, 'id' | 'configuration' | 'options' | 'node' | 'log'>,
    private readonly membership: Pick<
      Membership,
      'isVoter' | 'votersKnown' | 'configurationOf' | 'connected'
    >,
    /** Whether Baton created the libp2p node: a node given by the user keeps the connections it has. */
    private readonly ownsNode: () => boolean,
  ) {
    this.bootstrapPeers = new Set(
      context.options.bootstrapPeers.map((address) => peerIdOfAddress(address) as NodeId),
    );
  }

  /** Whether this node is an observer of a configuration it holds (the only case with fewer links). */
  private get observing(): boolean {
    const { id, configuration } = this.context;
    return (
      id !== null && configuration.version > 0 && this.membership.votersKnown && !this.membership.isVoter(id)
    );
  }

  /** Whether this node keeps (dials, redials) a connection to `peer`. */
  wants(peer: NodeId): boolean {
    if (this.bootstrapPeers.has(peer) || this.membership.isVoter(peer)) return true;
    if (this.observing) return false;
    if (this.context.configuration.version > 0) return true;
    return this.hinted.size === 0 || this.hinted.has(peer);
  }

  /**
   * Whether the connection to `peer` may be closed: this node does not want it, and `peer` holds a
   * configuration (it found the voters; it does not need this node to find them).
   */
  prunable(peer: NodeId): boolean {
    return this.observing && !this.wants(peer) && (this.membership.configurationOf(peer)?.version ?? 0) > 0;
  }

  /**
   * Closes the connections to `peers` (every connected peer by default) that are {@link prunable}, when
   * Baton owns the libp2p node. Closing is not leaving: the peer stays a member, and a voter (or a peer that
   * becomes one) is dialled again.
   */
  prune(peers: Iterable<NodeId> = this.membership.connected): void {
    const { node } = this.context;
    if (node === null || !this.ownsNode()) return;
    for (const peer of [...peers]) {
      if (!this.prunable(peer)) continue;
      this.context.log.debug('closing the connection to another observer: observers need only the voters', {
        peer,
      });
      void node.hangUp(peerIdFromString(peer)).catch(() => {});
    }
  }

  /** A PEERS frame marked `peer` as a voter (kept only while this node holds no configuration). */
  hint(peer: NodeId): void {
    if (this.context.configuration.version === 0) this.hinted.add(peer);
  }

  /** The node forgets what it was told (it stops). */
  clear(): void {
    this.hinted.clear();
  }
}
