import { createHash } from 'node:crypto';
import { type GossipSub, gossipsub } from '@libp2p/gossipsub';
import { identify, identifyPush } from '@libp2p/identify';
import type { ConnectionGater, Libp2p, PrivateKey } from '@libp2p/interface';
import { noise } from '@libp2p/noise';
import { ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import type { Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2pOptions } from 'libp2p';
import { ensurePromiseWithResolvers } from './polyfill.js';

/** The services of a node Baton creates. */
export type BatonServices = {
  identify: unknown;
  ping: unknown;
  pubsub: GossipSub;
};

/** What {@link createBatonNode} needs. */
export interface BatonNodeInit {
  readonly clusterId: string;
  readonly privateKey: PrivateKey;
  readonly listen: readonly Multiaddr[];
  readonly mdns: boolean;
  readonly preSharedKey: Uint8Array | undefined;
  readonly allow: ((peerId: string) => boolean) | undefined;
  readonly dialTimeout: number;
  readonly maxFrameSize: number;
  /** libp2p's metrics (`prometheusMetrics()` of `@libp2p/prometheus-metrics`), if any. */
  readonly metrics?: Libp2pOptions['metrics'];
}

/**
 * Bytes a gossipsub RPC may carry on top of one Baton gossip message of `maxFrameSize` bytes: the message's
 * envelope (sender, sequence number, topic, signature, and the key of a key type the peer id does not
 * embed: well under 1 KiB) and the control messages gossipsub piggybacks on it (IHAVE lists of message
 * ids, about 46 bytes each; GRAFT and PRUNE with peer records). The node Baton creates accepts RPCs of up
 * to `maxFrameSize + GOSSIP_ENVELOPE_MARGIN` bytes (gossipsub's `maxInboundDataLength`), so a broadcast that
 * passes the sender's `maxFrameSize` check is not refused by its receivers. Give your own node at least as
 * much.
 *
 * @example
 * ```ts
 * import { gossipsub } from '@libp2p/gossipsub';
 * import { GOSSIP_ENVELOPE_MARGIN, TRANSPORT_DEFAULTS } from '@baton/transport-libp2p';
 * const pubsub = gossipsub({ maxInboundDataLength: TRANSPORT_DEFAULTS.maxFrameSize + GOSSIP_ENVELOPE_MARGIN });
 * ```
 */
export const GOSSIP_ENVELOPE_MARGIN = 65_536;

/**
 * The mDNS service name of a cluster: nodes of other clusters (and other libp2p applications) on the same
 * network do not answer it, so Baton does not dial them.
 */
export function mdnsServiceTag(clusterId: string): string {
  const digest = createHash('sha256').update(clusterId).digest('hex').slice(0, 16);
  return `_baton-${digest}._udp.local`;
}

/**
 * Creates (but does not start) the libp2p node Baton owns: TCP, noise, yamux, identify, ping, gossipsub,
 * optionally mDNS, a private network and an allowlist gater. `@libp2p/mdns` and `@libp2p/pnet` are imported
 * only when used: a node without them does not load or hold them.
 *
 * Connections are pinged every 10 s (libp2p's default) and closed when a ping goes unanswered.
 *
 * Gossipsub is tuned for clusters of 2-10 nodes: the mesh degree is low (D = 4, Dlo = 2) so that even two
 * nodes form a mesh, and the publisher floods its own messages to every subscribed peer (floodPublish), so
 * a broadcast reaches directly connected peers in one hop whatever the mesh looks like.
 */
export async function createBatonNode(init: BatonNodeInit): Promise<Libp2p<BatonServices>> {
  ensurePromiseWithResolvers();
  const allow = init.allow;
  const gater: ConnectionGater | undefined = allow
    ? {
        denyDialPeer: (peerId) => !allow(peerId.toString()),
        denyInboundEncryptedConnection: (peerId) => !allow(peerId.toString()),
        denyOutboundEncryptedConnection: (peerId) => !allow(peerId.toString()),
      }
    : undefined;
  return createLibp2p({
    start: false,
    privateKey: init.privateKey,
    addresses: { listen: init.listen.map((address) => address.toString()) },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionProtector: init.preSharedKey
      ? (await import('@libp2p/pnet')).preSharedKey({ psk: init.preSharedKey })
      : undefined,
    connectionGater: gater,
    connectionManager: { dialTimeout: init.dialTimeout },
    metrics: init.metrics,
    // A peer that vanishes without closing its sockets (a pulled cable, a frozen VM) is detected by ping, at
    // libp2p's own 10 s interval: each ping opens a stream and writes the peer store, and pinging every 2 s
    // cost about 2 % of a core per node in an idle 5-node cluster. A closed connection (a crash, kill -9) is
    // reported left at once either way; the election itself never waits for this (heartbeats decide).
    connectionMonitor: { pingInterval: 10_000, pingTimeout: { minTimeout: 2000, maxTimeout: 10_000 } },
    peerDiscovery: init.mdns
      ? [(await import('@libp2p/mdns')).mdns({ serviceTag: mdnsServiceTag(init.clusterId) })]
      : [],
    services: {
      identify: identify(),
      // Tells peers at once when this node's protocols change, and lets it hear when theirs do: a peer whose
      // Baton transport stops while its node stays up is then reported left even if its LEAVE frame was lost.
      identifyPush: identifyPush(),
      ping: ping(),
      pubsub: gossipsub({
        D: 4,
        Dlo: 2,
        Dhi: 8,
        Dout: 1,
        floodPublish: true,
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        // The limit applies to the whole RPC, not to the payload that maxFrameSize bounds.
        maxInboundDataLength: init.maxFrameSize + GOSSIP_ENVELOPE_MARGIN,
      }),
    },
  });
}
