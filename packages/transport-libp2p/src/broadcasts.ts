import { randomInt } from 'node:crypto';
import type { NodeId } from '@baton/core';
import type { Channels } from './channels.js';
import { encodeBroadcastFrame } from './codec.js';
import type { TransportContext } from './context.js';
import { lengthPrefixed } from './framing.js';
import { encodeGossipBroadcast } from './gossip-codec.js';
import type { Membership } from './membership.js';
import { RecentSet } from './recent-set.js';

/**
 * Application broadcasts: sent over the direct stream to each peer, and also published on the gossip topic
 * when some known member is not connected to this node (gossip relays it there); received once, however
 * many ways a copy arrives (de-duplicated by sender and sequence number).
 */
export class Broadcasts {
  private readonly seen = new RecentSet(4096);
  private nextSeq = randomInt(2 ** 40);

  constructor(
    private readonly context: Pick<
      TransportContext,
      'clusterId' | 'options' | 'log' | 'counters' | 'delivery' | 'id' | 'localId' | 'gossip' | 'publish'
    >,
    private readonly membership: Pick<Membership, 'connected' | 'someMemberUnreachable'>,
    private readonly channels: Pick<Channels, 'enqueue'>,
  ) {}

  /** Sends `payload` to `to`, over direct streams only, or to every peer of the cluster (see `broadcast()`). */
  send(payload: Uint8Array, to: readonly NodeId[] | undefined): void {
    const seq = this.nextSeq++;
    for (const peer of to ? new Set(to) : this.membership.connected) {
      if (peer === this.context.id) continue;
      this.context.counters.broadcastSentDirect();
      this.sendDirect(peer, payload, seq);
    }
    if (to || this.context.gossip === null || !this.membership.someMemberUnreachable()) return;
    const data = encodeGossipBroadcast(this.context.clusterId, payload, seq);
    if (data.byteLength > this.context.options.maxFrameSize) {
      this.context.log.warn(`broadcast of ${payload.byteLength} bytes exceeds maxFrameSize; not published`);
      return;
    }
    this.context.publish(data);
  }

  /** A broadcast arrived (over a direct stream or by gossip): delivered unless a copy was already. */
  received(from: NodeId, payload: Uint8Array, seq: number): void {
    if (!this.seen.add(`${from}/${seq}`)) {
      this.context.counters.duplicateBroadcast();
      return;
    }
    this.context.delivery.broadcast(from, payload);
  }

  private sendDirect(peer: NodeId, payload: Uint8Array, seq: number): void {
    const frame = encodeBroadcastFrame({
      cluster: this.context.clusterId,
      from: this.context.localId,
      to: peer,
      payload,
      seq,
    });
    if (frame.byteLength > this.context.options.maxFrameSize) {
      this.context.log.warn(
        `broadcast of ${payload.byteLength} bytes exceeds maxFrameSize; not sent to ${peer}`,
      );
      return;
    }
    this.channels.enqueue(peer, lengthPrefixed(frame));
  }
}
