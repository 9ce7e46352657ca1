import type { NodeId } from '@baton/core';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Multiaddr } from '@multiformats/multiaddr';
import { dialsFirst, YIELD_LEVEL } from './connection-order.js';
import type { TransportContext } from './context.js';
import type { DialStatus } from './dial-status.js';
import type { Links } from './links.js';
import type { Membership } from './membership.js';
import { Redialer } from './redialer.js';
import { peerIdOfAddress } from './voters.js';

/**
 * Which peers this node keeps connected, and the redials that do it (with the {@link Redialer}'s backoff):
 * bootstrap peers and voters for ever, any other member that joined up to `maxRedialAttempts` dials, and not
 * a peer that said it leaves (LEAVE) unless the cluster needs it. Each dial's outcome goes to the
 * {@link DialStatus}: under the bootstrap address for a bootstrap peer, under `/p2p/<id>` for the others.
 */
export class Redials {
  /** Peers to redial when they disconnect. */
  private readonly targets = new Set<NodeId>();
  /** The peer ids named by `bootstrap`, and the address that names each. */
  private readonly bootstrapPeers: ReadonlyMap<NodeId, string>;
  private readonly redialer: Redialer;

  constructor(
    private readonly context: Pick<
      TransportContext,
      'options' | 'log' | 'counters' | 'state' | 'running' | 'node' | 'id' | 'ended' | 'dialSignal'
    >,
    private readonly membership: Pick<Membership, 'connected' | 'isVoter'>,
    private readonly status: Pick<DialStatus, 'attempt' | 'succeeded' | 'failed' | 'remove'>,
    private readonly links: Pick<Links, 'wants'>,
  ) {
    const { options, log, counters } = context;
    this.bootstrapPeers = new Map(
      options.bootstrapPeers.map((address: Multiaddr) => [
        peerIdOfAddress(address) as NodeId,
        address.toString(),
      ]),
    );
    this.redialer = new Redialer({
      redial: (peer) => this.redialOnce(peer),
      active: () => this.context.running,
      failed: (peer, error) => {
        if (!this.context.ended) this.status.failed(this.statusKey(peer), error);
        log.debug('a redial failed', { peer, error });
      },
      maxAttempts: (peer) => (this.keepsForever(peer) ? Number.POSITIVE_INFINITY : options.maxRedialAttempts),
      gaveUp: (peer) => {
        counters.redialAbandoned();
        log.debug('gave up redialling a peer', { peer });
        if (!this.keepsForever(peer)) {
          this.targets.delete(peer);
          this.status.remove(this.statusKey(peer));
        }
      },
      maxDelay: options.maxRedialDelay,
    });
  }

  /** Peers being redialled now. */
  get pending(): number {
    return this.redialer.size;
  }

  /** `peer` joined: redial it should it disconnect. */
  target(peer: NodeId): void {
    this.targets.add(peer);
  }

  /**
   * Redials `peer` with backoff while it is not connected, `level` failures deep in the backoff (0: at
   * once): for ever for a bootstrap peer or a voter, up to `maxRedialAttempts` dials for any other. A peer
   * with a smaller id is given time to dial first (see `connection-order.ts`).
   */
  keep(peer: NodeId, level: number): void {
    this.targets.add(peer);
    if (!this.links.wants(peer)) return;
    const { id } = this.context;
    const yields = id !== null && !dialsFirst(id, peer);
    this.redialer.schedule(peer, yields ? Math.max(level, YIELD_LEVEL) : level);
  }

  /** The last connection to `peer` closed: if it is one to keep, redial it. */
  disconnected(peer: NodeId): void {
    if (this.targets.has(peer) && this.context.state === 'open') this.keep(peer, 1);
  }

  /** A peer that said it leaves is not redialled, unless the cluster needs it (it will come back). */
  forget(peer: NodeId): void {
    if (this.keepsForever(peer)) return;
    this.targets.delete(peer);
    this.redialer.cancel(peer);
    this.status.remove(this.statusKey(peer));
  }

  /** Cancels every pending redial (the transport stops). */
  stop(): void {
    this.redialer.clear();
  }

  /** Forgets the peers to redial (the node is gone). */
  clear(): void {
    this.targets.clear();
  }

  /** Bootstrap peers and voters: the peers a cluster needs, however long they are away. */
  private keepsForever(peer: NodeId): boolean {
    return this.bootstrapPeers.has(peer) || this.membership.isVoter(peer);
  }

  /** One redial: nothing to do when the peer is connected; throws when the dial fails. */
  private async redialOnce(peer: NodeId): Promise<'done' | 'dialled'> {
    const { node } = this.context;
    if (node === null || this.context.ended || this.membership.connected.has(peer)) return 'done';
    // An observer that no longer needs `peer` (both are observers): not redialled until it becomes a voter.
    if (!this.links.wants(peer)) return 'done';
    const peerId = peerIdFromString(peer);
    if (node.getConnections(peerId).length > 0) return 'done';
    const key = this.statusKey(peer);
    this.status.attempt(key, this.bootstrapPeers.has(peer) ? 'bootstrap' : 'member', peer);
    await node.dial(peerId, { signal: this.context.dialSignal() });
    this.status.succeeded(key, peer);
    return 'dialled';
  }

  /** Where a peer's dials are reported: its bootstrap address, or `/p2p/<id>`. */
  private statusKey(peer: NodeId): string {
    return this.bootstrapPeers.get(peer) ?? `/p2p/${peer}`;
  }
}
