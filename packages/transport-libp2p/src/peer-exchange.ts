import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeId } from '@baton/core';
import type { Connection, PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import type { Channels } from './channels.js';
import { encodePeersFrame, type PeerAddresses } from './codec.js';
import { dialsFirst, yieldDelay } from './connection-order.js';
import type { TransportContext } from './context.js';
import type { DialStatus } from './dial-status.js';
import { lengthPrefixed } from './framing.js';
import type { Links } from './links.js';
import type { Membership } from './membership.js';

/**
 * PEERS frames, so that a cluster bootstrapped through one seed becomes fully connected: a peer that joins
 * is sent the addresses of this node's other peers (at most 64, of 16 addresses each; the voters marked),
 * and the peers of a list received are remembered with their addresses and dialled once, with the dial
 * timeout, as far as this node wants them (see `links.ts`: a new node told who the voters are dials those). Only the first list of each libp2p connection is used: a peer
 * cannot make this node dial over and over, not even by leaving and greeting again on the same connection.
 */
export class PeerExchange {
  /** Connections that delivered a PEERS frame (a LEAVE does not close the connection). */
  private listed = new WeakSet<Connection>();

  constructor(
    private readonly context: Pick<
      TransportContext,
      | 'clusterId'
      | 'options'
      | 'log'
      | 'delivery'
      | 'state'
      | 'node'
      | 'id'
      | 'localId'
      | 'dialSignal'
      | 'ended'
    >,
    private readonly membership: Pick<Membership, 'connected' | 'isVoter'>,
    private readonly channels: Pick<Channels, 'enqueue'>,
    private readonly status: Pick<DialStatus, 'attempt' | 'succeeded' | 'failed'>,
    private readonly links: Pick<Links, 'wants' | 'hint'>,
  ) {}

  /** Sends `peer` the addresses of this node's other connected peers, if there are any. */
  async share(peer: NodeId): Promise<void> {
    const { node } = this.context;
    const connected = this.membership.connected;
    const others = [...connected].filter((other) => other !== peer).slice(0, 64);
    if (node === null || others.length === 0) return;
    const peers: PeerAddresses[] = [];
    for (const other of others) {
      const record = await node.peerStore.get(peerIdFromString(other)).catch(() => null);
      const addrs = (record?.addresses ?? []).slice(0, 16).map(({ multiaddr }) => multiaddr.bytes);
      if (addrs.length > 0) peers.push({ id: other, addrs, voter: this.membership.isVoter(other) });
    }
    if (peers.length === 0 || this.context.state !== 'open' || !connected.has(peer)) return;
    const frame = encodePeersFrame({
      cluster: this.context.clusterId,
      from: this.context.localId,
      to: peer,
      peers,
    });
    this.channels.enqueue(peer, lengthPrefixed(frame));
  }

  /** A PEERS frame from `from` arrived on `connection`: dials the peers it lists, or drops a second list. */
  received(from: NodeId, peers: readonly PeerAddresses[], connection: Connection): void {
    if (this.listed.has(connection)) {
      this.context.delivery.dropped('unexpected', `a second PEERS frame from ${from} on one connection`);
      return;
    }
    this.listed.add(connection);
    this.dialListed(peers);
  }

  /** Forgets which connections delivered a list (the node is gone). */
  clear(): void {
    this.listed = new WeakSet();
  }

  /**
   * Dials, once and with the dial timeout, the listed peers this node is not connected to. They are not
   * members until they speak the protocol; bad ids and addresses are skipped.
   */
  private dialListed(peers: readonly PeerAddresses[]): void {
    const { node } = this.context;
    if (node === null || this.context.state !== 'open') return;
    for (const { id, voter } of peers) if (voter === true) this.links.hint(id);
    for (const { id, addrs } of peers) {
      if (id === this.context.id || this.membership.connected.has(id)) continue;
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
      // Remembered even when not dialled: an observer dials a peer later if it becomes a voter.
      const wanted = this.links.wants(id);
      // The listed peer may be dialling this node at once (it got a list too): the smaller id goes first.
      const self = this.context.id;
      const wait =
        self !== null && !dialsFirst(self, id) ? yieldDelay(this.context.options.maxRedialDelay) : 0;
      node.peerStore
        .merge(peerId, { multiaddrs: addresses })
        .then(() => (wanted && wait > 0 ? sleep(wait, undefined, { ref: false }) : undefined))
        .then(() => (wanted ? this.dial(peerId, id) : undefined));
    }
  }

  /** One dial of a listed peer, unless it connected meanwhile or the transport stopped. */
  private async dial(peerId: PeerId, id: NodeId): Promise<void> {
    const { node } = this.context;
    if (node === null || this.context.state !== 'open' || node.getConnections(peerId).length > 0) return;
    if (!this.links.wants(id)) return;
    const key = `/p2p/${id}`;
    this.status.attempt(key, 'member', id);
    try {
      await node.dial(peerId, { signal: this.context.dialSignal() });
      this.status.succeeded(key, id);
    } catch (error) {
      if (this.context.ended) return;
      this.status.failed(key, error);
      this.context.log.debug('dialling a listed peer failed', { peer: id, error });
    }
  }
}
