import type { NodeId } from '@baton/core';
import type { Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { encodeHelloFrame } from './codec.js';
import type { TransportContext } from './context.js';
import { lengthPrefixed } from './framing.js';
import { PeerChannel } from './peer-channel.js';

/** What {@link Channels} tells the rest of the transport. */
export interface ChannelsHost {
  /** A stream to `peer` opened: the peer speaks the cluster's protocol, so it joined. */
  streamOpened(peer: NodeId): void;
}

/**
 * The outbound side of the election protocol: one {@link PeerChannel} (one long-lived stream and a bounded
 * queue) per peer, created on first use, each stream opened with a HELLO frame.
 */
export class Channels {
  private readonly channels = new Map<NodeId, PeerChannel>();

  constructor(
    private readonly context: Pick<
      TransportContext,
      | 'clusterId'
      | 'configuration'
      | 'formationLock'
      | 'protocol'
      | 'options'
      | 'log'
      | 'counters'
      | 'delivery'
      | 'node'
      | 'localId'
      | 'ended'
      | 'dialSignal'
    >,
    private readonly host: ChannelsHost,
  ) {}

  /** Queues a length-prefixed frame for `peer`; counted as sent, or as not sent when `peer` is not a peer id. */
  enqueue(peer: NodeId, frame: Uint8Array): void {
    const channel = this.channel(peer);
    if (!channel) {
      this.context.counters.notSent('unreachable');
      return;
    }
    this.context.counters.frameSent();
    channel.enqueue(frame);
  }

  /** Sends `peer` this node's HELLO again (what it holds or locked changed); it opens the stream if needed. */
  hello(peer: NodeId): void {
    if (this.context.node === null) return;
    this.enqueue(peer, this.greeting(peer));
  }

  /** Opens the stream to `peer` now, if it is not open: a peer that joined learns about this node at once. */
  connect(peer: NodeId): void {
    this.channel(peer)?.connect();
  }

  /** Closes the stream to a peer that left, if there is one, and discards what was queued for it. */
  reset(peer: NodeId): void {
    this.channels.get(peer)?.reset();
  }

  /** Sends `peer` a last frame and closes its channel (see {@link PeerChannel.finish}); never throws. */
  async finish(peer: NodeId, frame: Uint8Array, signal: AbortSignal): Promise<void> {
    await this.channel(peer)?.finish(frame, signal);
  }

  /** Sends now the frames that wait for the end of the task on open streams (`Transport.flush`). */
  flushNow(): void {
    for (const channel of this.channels.values()) channel.flushNow();
  }

  /** Closes every channel for good (the transport stops). */
  closeAll(): void {
    for (const channel of this.channels.values()) channel.close();
    this.channels.clear();
  }

  /** The channel to `peer`, created on first use; undefined when `peer` is not a peer id. */
  private channel(peer: NodeId): PeerChannel | undefined {
    let channel = this.channels.get(peer);
    if (channel) return channel;
    try {
      peerIdFromString(peer);
    } catch {
      return undefined;
    }
    const { context } = this;
    const { counters, options } = context;
    channel = new PeerChannel(peer, {
      openStream: (to) => this.openStream(to),
      greeting: (to) => this.greeting(to),
      streamOpened: (to) => {
        counters.streamOpened();
        this.host.streamOpened(to);
      },
      frameDropped: (_to, why) => counters.notSent(why),
      unexpectedData: (from, bytes, first) => {
        counters.unexpectedData(bytes);
        if (first) {
          context.delivery.dropped(
            'unexpected',
            `${from} writes on an election stream this node opened; discarded`,
          );
        }
      },
      stalled: (to) => {
        counters.streamStalled();
        context.log.debug('a peer did not read its election stream: reopening it', {
          peer: to,
          waited: options.dialTimeout,
        });
      },
      maxQueuedFrames: options.maxQueuedFrames,
      maxRedialDelay: options.maxRedialDelay,
      drainTimeout: options.dialTimeout,
    });
    this.channels.set(peer, channel);
    return channel;
  }

  /** The HELLO to `peer`, length-prefixed: the configuration this node holds, and the set it locked. */
  private greeting(peer: NodeId): Uint8Array {
    const { context } = this;
    return lengthPrefixed(
      encodeHelloFrame({
        cluster: context.clusterId,
        from: context.localId,
        to: peer,
        configuration: context.configuration,
        locked: context.formationLock,
      }),
    );
  }

  private async openStream(peer: NodeId): Promise<Stream> {
    const { node } = this.context;
    if (node === null || this.context.ended) throw new Error('transport not open');
    return node.dialProtocol(peerIdFromString(peer), this.context.protocol, {
      signal: this.context.dialSignal(),
    });
  }
}
