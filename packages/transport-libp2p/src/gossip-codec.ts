import { type DroppedFrame, dropped, isCount } from './codec.js';
import { GossipMessage } from './protocol/frames.js';

/*
 * The codec of the gossip topic: application broadcasts and leader announcements, to and from the
 * `GossipMessage` of `frames.proto`. Decoding never throws, as on the election stream.
 */

/**
 * What one message of the gossip topic decodes to.
 *
 * @example
 * ```ts
 * import { type GossipVerdict, decodeGossip, encodeGossipBroadcast } from './gossip-codec.js';
 * const data = encodeGossipBroadcast('jobs', new TextEncoder().encode('hello'), 1);
 * const verdict: GossipVerdict = decodeGossip(data, { clusterId: 'jobs', maxSize: 65536 });
 * if (verdict.kind === 'broadcast') console.log(new TextDecoder().decode(verdict.payload)); // 'hello'
 * ```
 */
export type GossipVerdict =
  | { readonly kind: 'broadcast'; readonly payload: Uint8Array; readonly seq: number }
  | { readonly kind: 'leader-announcement'; readonly term: number }
  | DroppedFrame;

/**
 * Encodes an application broadcast for the gossip topic.
 *
 * @example
 * ```ts
 * import { encodeGossipBroadcast } from './gossip-codec.js';
 * const bytes = encodeGossipBroadcast('jobs', new TextEncoder().encode('hello'), 1);
 * ```
 */
export function encodeGossipBroadcast(clusterId: string, payload: Uint8Array, seq: number): Uint8Array {
  return GossipMessage.encode({
    kind: GossipMessage.Kind.BROADCAST,
    cluster: clusterId,
    payload: payload as Uint8Array<ArrayBuffer>,
    seq,
  });
}

/**
 * Encodes a leader announcement for the gossip topic: the (signed) sender leads in `term`.
 *
 * @example
 * ```ts
 * import { encodeLeaderAnnouncement } from './gossip-codec.js';
 * const bytes = encodeLeaderAnnouncement('jobs', 4);
 * ```
 */
export function encodeLeaderAnnouncement(clusterId: string, term: number): Uint8Array {
  return GossipMessage.encode({ kind: GossipMessage.Kind.LEADER_ANNOUNCEMENT, cluster: clusterId, term });
}

/**
 * Decodes one gossip message and checks its cluster and size. Never throws.
 *
 * @example
 * ```ts
 * import { decodeGossip, encodeLeaderAnnouncement } from './gossip-codec.js';
 * const verdict = decodeGossip(encodeLeaderAnnouncement('jobs', 4), { clusterId: 'jobs', maxSize: 65536 });
 * console.log(verdict); // { kind: 'leader-announcement', term: 4 }
 * ```
 */
export function decodeGossip(
  bytes: Uint8Array,
  context: { readonly clusterId: string; readonly maxSize: number },
): GossipVerdict {
  if (bytes.byteLength > context.maxSize) {
    return dropped('invalid', `gossip message of ${bytes.byteLength} bytes exceeds ${context.maxSize}`);
  }
  let message: GossipMessage;
  try {
    message = GossipMessage.decode(bytes);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return /enum/i.test(text)
      ? dropped('invalid', 'unknown gossip message type')
      : dropped('invalid', `gossip message does not decode: ${text}`);
  }
  if (message.cluster !== context.clusterId) {
    return dropped('wrong-cluster', `gossip message for cluster ${JSON.stringify(message.cluster)}`);
  }
  if (!isCount(message.seq) || !isCount(message.term))
    return dropped('invalid', 'a number field is out of range');
  switch (message.kind) {
    case GossipMessage.Kind.BROADCAST:
      return { kind: 'broadcast', payload: message.payload, seq: message.seq };
    case GossipMessage.Kind.LEADER_ANNOUNCEMENT:
      return message.term > 0
        ? { kind: 'leader-announcement', term: message.term }
        : dropped('invalid', 'leader announcement without a term');
    default:
      return dropped('invalid', 'unknown gossip message type');
  }
}
