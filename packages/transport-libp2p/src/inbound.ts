import type { ConfigurationId, NodeId } from '@baton/core';
import type { Connection, Stream } from '@libp2p/interface';
import { decodeFrame, type FrameContext, type PeerAddresses } from './codec.js';
import type { TransportContext } from './context.js';
import { FrameReader, type FrameSink } from './framing.js';

/** What {@link InboundStreams} hands the frames it reads to. */
export interface InboundHost {
  /** A valid frame came from `peer` (HELLO opens every stream): it joined. */
  joined(peer: NodeId): void;
  /** `peer` said which voter configuration it holds (in its HELLO, or in an election message). */
  configurationHeard(peer: NodeId, configuration: ConfigurationId): void;
  /** `peer` said (in its HELLO) which first voter set it locked for the formation (see formation.ts). */
  lockHeard(peer: NodeId, locked: readonly NodeId[]): void;
  /** `peer` said (in its HELLO) whether it understands election groups. */
  groupsHeard(peer: NodeId, groups: boolean): void;
  /** `peer` said (in its HELLO) whether it understands BATCH frames. */
  batchesHeard(peer: NodeId, batches: boolean): void;
  /** `peer` sent LEAVE: its transport stops. */
  leaving(peer: NodeId): void;
  /** `peer` listed its other peers (a PEERS frame) on `connection`. */
  peersListed(peer: NodeId, peers: readonly PeerAddresses[], connection: Connection): void;
  /** A broadcast arrived over a direct stream. */
  broadcastReceived(from: NodeId, payload: Uint8Array, seq: number): void;
}

/**
 * The inbound side of the election protocol: every stream a peer opens is read as length-prefixed frames,
 * each frame decoded and checked against the stream (cluster, sender, addressee), then handed on; a bad one
 * is dropped and reported. Election messages go to the election's `onMessage`.
 */
export class InboundStreams {
  private readonly streams = new Set<Stream>();

  constructor(
    private readonly context: Pick<
      TransportContext,
      'clusterId' | 'options' | 'counters' | 'delivery' | 'running' | 'id'
    >,
    private readonly host: InboundHost,
  ) {}

  /** The protocol's stream handler (for `node.handle`). */
  readonly handle = (stream: Stream, connection: Connection): void => {
    const remote = connection.remotePeer.toString();
    const { context } = this;
    if (!context.running || context.id === null) {
      stream.abort(new Error('transport not open'));
      return;
    }
    this.streams.add(stream);
    stream.addEventListener('close', () => this.streams.delete(stream), { once: true });
    // The peer is reported joined at its first valid frame (HELLO opens every stream), not when the stream
    // opens: a stream that was opening while the peer left must not bring it back.
    const reader = new FrameReader(context.options.maxFrameSize);
    const frameContext: FrameContext = {
      clusterId: context.clusterId,
      localId: context.id,
      remoteId: remote,
    };
    const sink: FrameSink = {
      frame: (bytes) => this.frameReceived(bytes, frameContext, connection),
      oversized: (length) =>
        context.delivery.dropped(
          'invalid',
          `frame of ${length} bytes from ${remote} exceeds maxFrameSize ${reader.maxFrameSize}`,
        ),
      unreadable: (detail) => {
        context.delivery.dropped('invalid', `${detail} from ${remote}; its stream is closed`);
        stream.abort(new Error(detail));
      },
    };
    stream.addEventListener('message', (event) => reader.push(event.data, sink));
  };

  /** Aborts every inbound stream (the transport stops). */
  abortAll(): void {
    for (const stream of this.streams) stream.abort(new Error('transport stopped'));
    this.streams.clear();
  }

  private frameReceived(bytes: Uint8Array, frameContext: FrameContext, connection: Connection): void {
    this.context.counters.frameReceived();
    const verdict = decodeFrame(bytes, frameContext);
    const peer = frameContext.remoteId;
    switch (verdict.kind) {
      case 'dropped':
        this.context.delivery.dropped(verdict.reason, verdict.detail);
        return;
      case 'leave':
        this.host.leaving(peer);
        return;
      case 'peers':
        this.host.joined(peer);
        this.host.peersListed(peer, verdict.peers, connection);
        return;
      case 'hello':
        this.host.joined(peer);
        // The lock first: the formation reads a peer as heard once its configuration is, lock included.
        if (verdict.locked !== undefined) this.host.lockHeard(peer, verdict.locked);
        this.host.groupsHeard(peer, verdict.groups);
        this.host.batchesHeard(peer, verdict.batches);
        this.host.configurationHeard(peer, verdict.configuration);
        return;
      case 'broadcast':
        this.host.joined(peer);
        this.host.broadcastReceived(verdict.from, verdict.payload, verdict.seq);
        return;
      case 'election': {
        this.host.joined(peer);
        const { message } = verdict;
        if ('configuration' in message) this.host.configurationHeard(peer, message.configuration);
        this.context.delivery.message(message);
        return;
      }
      case 'batch': {
        this.host.joined(peer);
        // The messages of one step share the sender's configuration: told once per distinct one.
        let told: ConfigurationId | null = null;
        for (const message of verdict.messages) {
          if (!('configuration' in message)) continue;
          const { configuration } = message;
          if (told !== null && told.term === configuration.term && told.version === configuration.version)
            continue;
          told = configuration;
          this.host.configurationHeard(peer, configuration);
        }
        this.context.delivery.messages(verdict.messages);
        return;
      }
    }
  }
}
