import {
  type Configuration,
  type ConfigurationId,
  DEFAULT_GROUP,
  type DropReason,
  type ElectionMessage,
  type ElectionMessageType,
  isGroupName,
  type NodeId,
} from '@baton/core';
import { peerIdFromString } from '@libp2p/peer-id';
import { ElectionFrame } from './protocol/frames.js';

/*
 * The codec of the election stream: Baton's election messages, and the frames of the transport's own
 * (broadcast, HELLO, LEAVE, PEERS), to and from the `ElectionFrame` of `frames.proto`; gossip messages are in
 * gossip-codec.ts.
 * Decoding never throws: every input ends as a message or as a drop verdict with a reason, because a
 * frame is untrusted input from the network and one bad frame must cost one counter, nothing more.
 */

const KIND_OF_TYPE: Readonly<Record<ElectionMessageType, ElectionFrame.Kind>> = {
  'pre-vote': ElectionFrame.Kind.PRE_VOTE,
  'pre-vote-response': ElectionFrame.Kind.PRE_VOTE_RESPONSE,
  vote: ElectionFrame.Kind.VOTE,
  'vote-response': ElectionFrame.Kind.VOTE_RESPONSE,
  heartbeat: ElectionFrame.Kind.HEARTBEAT,
  'heartbeat-response': ElectionFrame.Kind.HEARTBEAT_RESPONSE,
  'timeout-now': ElectionFrame.Kind.TIMEOUT_NOW,
};

/**
 * Who a frame must come from and be addressed to, for a frame read from one stream.
 *
 * @example
 * ```ts
 * import { type FrameContext, decodeFrame } from './codec.js';
 * const context: FrameContext = { clusterId: 'jobs', localId: 'b', remoteId: 'a' };
 * decodeFrame(new Uint8Array(), context); // { kind: 'dropped', reason: 'wrong-cluster', … }
 * ```
 */
export interface FrameContext {
  /** The cluster of the protocol the stream was opened on. */
  readonly clusterId: string;
  /** This node's peer id: the only valid `to`. */
  readonly localId: NodeId;
  /** The authenticated peer id of the remote end of the stream: the only valid `from`. */
  readonly remoteId: NodeId;
}

/**
 * A frame that was dropped, with the reason counted in `inspect()` and a detail for logs.
 *
 * @example
 * ```ts
 * import { type DroppedFrame, decodeFrame } from './codec.js';
 * const verdict = decodeFrame(new Uint8Array([0xff]), { clusterId: 'jobs', localId: 'b', remoteId: 'a' });
 * if (verdict.kind === 'dropped') console.log((verdict as DroppedFrame).reason); // 'invalid'
 * ```
 */
export interface DroppedFrame {
  readonly kind: 'dropped';
  readonly reason: DropReason;
  readonly detail: string;
}

/**
 * What one frame of the election stream decodes to: an election message, a direct broadcast, the sender's
 * HELLO or LEAVE, or a drop.
 *
 * @example
 * ```ts
 * import { type FrameVerdict, decodeFrame, encodeElectionMessage } from './codec.js';
 * const configuration = { term: 3, version: 1 };
 * const bytes = encodeElectionMessage({ type: 'heartbeat', cluster: 'jobs', from: 'a', to: 'b', term: 3, round: 7, configuration });
 * const verdict: FrameVerdict = decodeFrame(bytes, { clusterId: 'jobs', localId: 'b', remoteId: 'a' });
 * if (verdict.kind === 'election') console.log(verdict.message.type); // 'heartbeat'
 * ```
 */
export type FrameVerdict =
  | { readonly kind: 'election'; readonly message: ElectionMessage }
  /** A BATCH frame: election messages of one sender to this node, sent in one step (never empty). */
  | { readonly kind: 'batch'; readonly messages: readonly ElectionMessage[] }
  | {
      readonly kind: 'broadcast';
      readonly from: NodeId;
      readonly payload: Uint8Array;
      readonly seq: number;
    }
  | { readonly kind: 'leave'; readonly from: NodeId }
  | {
      readonly kind: 'hello';
      readonly from: NodeId;
      readonly configuration: ConfigurationId;
      /** The first voter set the sender locked (see formation.ts); absent when it locked none. */
      readonly locked?: readonly NodeId[];
      /** The sender understands election groups (its HELLO set `groups`). */
      readonly groups: boolean;
      /** The sender understands BATCH frames (its HELLO set `batches`). */
      readonly batches: boolean;
    }
  | { readonly kind: 'peers'; readonly from: NodeId; readonly peers: readonly PeerAddresses[] }
  | DroppedFrame;

/**
 * A peer and its binary multiaddrs, as a PEERS frame lists them (not yet checked: ids and addresses are
 * parsed by the receiver, which dials them only with a timeout).
 *
 * @example
 * ```ts
 * import { type PeerAddresses, encodePeersFrame } from './codec.js';
 * import { multiaddr } from '@multiformats/multiaddr';
 * const peers: PeerAddresses[] = [
 *   { id: '12D3KooWMcHyiT8oV8F7QWMQgNU87mcNUacxCwQPBdsLvi9gXPxF', addrs: [multiaddr('/ip4/10.0.0.2/tcp/4001').bytes] },
 * ];
 * encodePeersFrame({ cluster: 'jobs', from: 'a', to: 'b', peers });
 * ```
 */
export interface PeerAddresses {
  readonly id: string;
  readonly addrs: readonly Uint8Array[];
  /** The sender knows this peer to be a voter (a new node dials those first; observers need only them). */
  readonly voter?: boolean;
}

/** A drop verdict. */
export function dropped(reason: DropReason, detail: string): DroppedFrame {
  return { kind: 'dropped', reason, detail };
}

/**
 * Encodes an election message as a protobuf frame (without its length prefix).
 *
 * @example
 * ```ts
 * import { encodeElectionMessage } from './codec.js';
 * const bytes = encodeElectionMessage({
 *   type: 'heartbeat', cluster: 'jobs', from: 'a', to: 'b', term: 3, round: 7,
 *   configuration: { term: 3, version: 2, voters: ['a', 'b', 'c'] },
 * });
 * ```
 */
export function encodeElectionMessage(message: ElectionMessage): Uint8Array {
  return ElectionFrame.encode(electionFields(message, true));
}

/**
 * The most election messages one BATCH frame carries (the receiver drops a frame with more as invalid).
 *
 * @example
 * ```ts
 * import { MAX_BATCH } from './codec.js';
 * console.log(MAX_BATCH); // 4096
 * ```
 */
export const MAX_BATCH = 4096;

/**
 * Encodes election messages of one sender to one peer in as few frames as fit in `maxBytes` each (without
 * their length prefixes): a BATCH frame with one envelope (cluster, sender, addressee) and each message as an
 * entry without it, or a plain election frame where a frame holds one message. Only for a peer whose HELLO
 * said it understands batches. All messages must share cluster, sender and addressee (a `RangeError`
 * otherwise: a bug of the caller). A message larger than `maxBytes` on its own gets a frame of its own.
 *
 * @example
 * ```ts
 * import { encodeBatchFrames } from './codec.js';
 * const configuration = { term: 3, version: 1 };
 * const heartbeat = { type: 'heartbeat', cluster: 'jobs', from: 'a', to: 'b', term: 3, round: 7, configuration } as const;
 * const frames = encodeBatchFrames([heartbeat, { ...heartbeat, group: 'billing', term: 12 }], 16_384);
 * console.log(frames.length); // 1
 * ```
 */
export function encodeBatchFrames(messages: readonly ElectionMessage[], maxBytes: number): Uint8Array[] {
  const first = messages[0];
  if (first === undefined) return [];
  const frames: Uint8Array[] = [];
  let chunk: { message: ElectionMessage; entry: Uint8Array }[] = [];
  // The envelope, and each entry's tag and length prefix (at most 5 bytes for these sizes).
  const envelope = first.cluster.length + first.from.length + first.to.length + 16;
  let bytes = envelope;
  const close = () => {
    if (chunk.length === 1)
      frames.push(encodeElectionMessage((chunk[0] as { message: ElectionMessage }).message));
    else if (chunk.length > 1) {
      frames.push(
        ElectionFrame.encode({
          kind: ElectionFrame.Kind.BATCH,
          cluster: first.cluster,
          from: first.from,
          to: first.to,
          batch: chunk.map(({ entry }) => entry as Uint8Array<ArrayBuffer>),
        }),
      );
    }
    chunk = [];
    bytes = envelope;
  };
  for (const message of messages) {
    if (message.cluster !== first.cluster || message.from !== first.from || message.to !== first.to) {
      throw new RangeError('the messages of a batch share their cluster, sender and addressee');
    }
    const entry = ElectionFrame.encode(electionFields(message, false));
    if (chunk.length > 0 && (bytes + entry.length + 5 > maxBytes || chunk.length === MAX_BATCH)) close();
    chunk.push({ message, entry });
    bytes += entry.length + 5;
  }
  close();
  return frames;
}

/** The frame fields of an election message; without the envelope (cluster, from, to) for a batch entry. */
function electionFields(message: ElectionMessage, envelope: boolean): Partial<ElectionFrame> {
  const frame: Partial<ElectionFrame> = {
    kind: KIND_OF_TYPE[message.type],
    ...(envelope ? { cluster: message.cluster, from: message.from, to: message.to } : {}),
    term: message.term,
    ...(message.group === undefined ? {} : { group: message.group }),
  };
  switch (message.type) {
    case 'pre-vote':
      setConfiguration(frame, message.configuration);
      break;
    case 'vote':
      setConfiguration(frame, message.configuration);
      frame.transfer = message.transfer;
      break;
    case 'pre-vote-response':
    case 'vote-response':
      frame.granted = message.granted;
      break;
    case 'heartbeat':
      frame.round = message.round;
      frame.quiet = message.quiet === true;
      setConfiguration(frame, message.configuration);
      if ('voters' in message.configuration) {
        frame.voters = [...message.configuration.voters];
        frame.groupTermFloor = message.configuration.groupTermFloor ?? 0;
      }
      break;
    case 'heartbeat-response':
      frame.round = message.round;
      frame.ok = message.ok;
      frame.leaving = message.leaving;
      frame.steady = Math.max(0, Math.floor(message.steady ?? 0));
      frame.maxGroupTerm = message.maxGroupTerm ?? 0;
      frame.asked = message.asked === true;
      frame.preferred = message.preferred === true;
      setConfiguration(frame, message.configuration);
      break;
    case 'timeout-now':
      break;
  }
  return frame;
}

function setConfiguration(frame: Partial<ElectionFrame>, configuration: ConfigurationId): void {
  frame.configTerm = configuration.term;
  frame.configVersion = configuration.version;
}

/**
 * Fields of an application broadcast sent over a direct stream.
 *
 * @example
 * ```ts
 * import { type BroadcastFrameFields, encodeBroadcastFrame } from './codec.js';
 * const fields: BroadcastFrameFields = { cluster: 'jobs', from: 'a', to: 'b', payload: new Uint8Array([1]), seq: 1 };
 * encodeBroadcastFrame(fields);
 * ```
 */
export interface BroadcastFrameFields {
  readonly cluster: string;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly payload: Uint8Array;
  readonly seq: number;
}

/**
 * Encodes an application broadcast for a direct stream (without its length prefix).
 *
 * @example
 * ```ts
 * import { encodeBroadcastFrame } from './codec.js';
 * const bytes = encodeBroadcastFrame({ cluster: 'jobs', from: 'a', to: 'b', payload: new Uint8Array([1]), seq: 1 });
 * ```
 */
export function encodeBroadcastFrame(fields: BroadcastFrameFields): Uint8Array {
  return ElectionFrame.encode({
    kind: ElectionFrame.Kind.BROADCAST,
    cluster: fields.cluster,
    from: fields.from,
    to: fields.to,
    payload: fields.payload as Uint8Array<ArrayBuffer>,
    seq: fields.seq,
  });
}

/** Whether a decoded number is a count: a safe, non-negative integer (protobuf uint64s can exceed 2^53). */
export function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/**
 * Decodes one frame of the election stream and checks it against the stream it came on. Never throws.
 *
 * Dropped, with the reason: `invalid` for bytes that do not decode, an unknown or missing message type,
 * a number out of range, a `from` that is not the remote peer, voters anywhere but on a heartbeat, a held
 * configuration or a locked set anywhere but on a HELLO, or a locked set that is not 2 to 1001 sorted, distinct
 * peer ids naming the sender (see {@link checkLocked}); `wrong-cluster` for another cluster;
 * `misaddressed` for a `to` that is not this node.
 *
 * @example
 * ```ts
 * import { decodeFrame, encodeElectionMessage } from './codec.js';
 * const bytes = encodeElectionMessage({ type: 'timeout-now', cluster: 'jobs', from: 'a', to: 'b', term: 2 });
 * const verdict = decodeFrame(bytes, { clusterId: 'jobs', localId: 'b', remoteId: 'a' });
 * console.log(verdict.kind); // 'election'
 * ```
 */
export function decodeFrame(bytes: Uint8Array, context: FrameContext): FrameVerdict {
  const frame = decodeProtobuf(bytes);
  if ('reason' in frame) return frame;
  const verdict = checkFrame(frame, context);
  return verdict.kind === 'batch' ? decodeBatch(frame, context) : verdict;
}

function decodeProtobuf(bytes: Uint8Array): ElectionFrame | DroppedFrame {
  try {
    return ElectionFrame.decode(bytes);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return /enum/i.test(text)
      ? dropped('invalid', 'unknown message type')
      : dropped('invalid', `frame does not decode: ${text}`);
  }
}

/**
 * The election messages of a BATCH frame whose envelope was checked: every entry decodes, is an election
 * message without an envelope of its own, and passes the checks of a frame with the batch's envelope.
 * One bad entry drops the whole frame (a sender that follows the protocol never sends one).
 */
function decodeBatch(frame: ElectionFrame, context: FrameContext): FrameVerdict {
  const messages: ElectionMessage[] = [];
  for (let i = 0; i < frame.batch.length; i++) {
    const entry = decodeProtobuf(frame.batch[i] as Uint8Array);
    if ('reason' in entry) return dropped('invalid', `batch entry ${i}: ${entry.detail}`);
    if (entry.cluster !== '' || entry.from !== '' || entry.to !== '') {
      return dropped('invalid', `batch entry ${i} carries an envelope of its own`);
    }
    if (!ELECTION_KINDS.has(entry.kind)) {
      return dropped('invalid', `batch entry ${i} is not an election message`);
    }
    // The batch's envelope applies to the entry (set in place: the entry is this function's own object).
    entry.cluster = frame.cluster;
    entry.from = frame.from;
    entry.to = frame.to;
    const verdict = checkFrame(entry, context);
    if (verdict.kind !== 'election') {
      return dropped(
        'invalid',
        `batch entry ${i}: ${verdict.kind === 'dropped' ? verdict.detail : verdict.kind}`,
      );
    }
    messages.push(verdict.message);
  }
  return { kind: 'batch', messages };
}

/** The checks of one decoded frame against its stream; a BATCH frame's entries are left to decodeBatch. */
function checkFrame(frame: ElectionFrame, context: FrameContext): FrameVerdict {
  if (frame.cluster !== context.clusterId) {
    return dropped('wrong-cluster', `frame for cluster ${JSON.stringify(frame.cluster)}`);
  }
  if (frame.from !== context.remoteId) {
    return dropped(
      'invalid',
      `frame from ${JSON.stringify(frame.from)} arrived from peer ${context.remoteId}`,
    );
  }
  if (frame.to !== context.localId)
    return dropped('misaddressed', `frame addressed to ${JSON.stringify(frame.to)}`);
  const held = frame.configuration;
  if (
    !isCount(frame.term) ||
    !isCount(frame.configVersion) ||
    !isCount(frame.configTerm) ||
    !isCount(frame.round) ||
    !isCount(frame.seq) ||
    !isCount(frame.steady) ||
    !isCount(frame.groupTermFloor) ||
    !isCount(frame.maxGroupTerm) ||
    (held !== undefined && (!isCount(held.term) || !isCount(held.version)))
  ) {
    return dropped('invalid', 'a number field is out of range');
  }
  if (held !== undefined && frame.kind !== ElectionFrame.Kind.HELLO) {
    return dropped('invalid', "the sender's held configuration travels only on a HELLO");
  }
  if (frame.locked.length > 0) {
    if (frame.kind !== ElectionFrame.Kind.HELLO) {
      return dropped('invalid', 'a locked voter set travels only on a HELLO');
    }
    const problem = checkLocked(frame.locked, frame.from);
    if (problem !== null) return dropped('invalid', `the locked voter set ${problem}`);
  }
  if (frame.group !== '') {
    if (!ELECTION_KINDS.has(frame.kind)) {
      return dropped('invalid', 'a group travels only on an election message');
    }
    if (frame.group === DEFAULT_GROUP || !isGroupName(frame.group)) {
      return dropped('invalid', `group ${JSON.stringify(frame.group.slice(0, 80))} is not a group name`);
    }
  }
  if (frame.batch.length > 0 && frame.kind !== ElectionFrame.Kind.BATCH) {
    return dropped('invalid', 'batch entries travel only on a BATCH frame');
  }
  if (frame.batches && frame.kind !== ElectionFrame.Kind.HELLO) {
    return dropped('invalid', 'batches travels only on a HELLO');
  }
  if (frame.groupTermFloor > 0 && frame.voters.length === 0) {
    return dropped('invalid', 'a group term floor travels only with the voters of a configuration');
  }
  if (frame.maxGroupTerm > 0 && frame.kind !== ElectionFrame.Kind.HEARTBEAT_RESPONSE) {
    return dropped('invalid', 'maxGroupTerm travels only on a heartbeat response');
  }
  if (frame.asked && (frame.kind !== ElectionFrame.Kind.HEARTBEAT_RESPONSE || frame.group === '')) {
    return dropped('invalid', 'asked travels only on a heartbeat response of a group');
  }
  if (frame.preferred && !frame.asked) {
    return dropped('invalid', 'preferred travels only with asked');
  }
  if (frame.quiet && frame.kind !== ElectionFrame.Kind.HEARTBEAT) {
    return dropped('invalid', 'quiet travels only on a heartbeat');
  }
  if (frame.voters.length > 0) {
    if (new Set(frame.voters).size !== frame.voters.length || frame.voters.some((voter) => voter === '')) {
      return dropped('invalid', 'the voters of a configuration must be distinct, non-empty ids');
    }
    if (frame.kind !== ElectionFrame.Kind.HEARTBEAT || frame.configVersion === 0) {
      return dropped('invalid', 'voters travel only on a heartbeat, with a configuration version above 0');
    }
  }
  if (ELECTION_KINDS.has(frame.kind)) return { kind: 'election', message: electionMessage(frame) };
  switch (frame.kind) {
    case ElectionFrame.Kind.BROADCAST:
      return { kind: 'broadcast', from: frame.from, payload: frame.payload, seq: frame.seq };
    case ElectionFrame.Kind.LEAVE:
      return { kind: 'leave', from: frame.from };
    case ElectionFrame.Kind.HELLO:
      return {
        kind: 'hello',
        from: frame.from,
        configuration: { term: held?.term ?? 0, version: held?.version ?? 0 },
        ...(frame.locked.length > 0 ? { locked: frame.locked } : {}),
        groups: frame.groups,
        batches: frame.batches,
      };
    case ElectionFrame.Kind.PEERS:
      return { kind: 'peers', from: frame.from, peers: frame.peers };
    case ElectionFrame.Kind.BATCH:
      if (frame.batch.length === 0 || frame.batch.length > MAX_BATCH) {
        return dropped('invalid', `a batch holds 1 to ${MAX_BATCH} messages, not ${frame.batch.length}`);
      }
      // The entries are decoded by decodeBatch, once this envelope passed.
      return { kind: 'batch', messages: [] };
    default:
      return dropped('invalid', 'unknown message type');
  }
}

/** A mutable election message being built (the group, and the fields of a few messages, are set when present). */
type Building = { -readonly [K in keyof ElectionMessage]: ElectionMessage[K] } & Record<string, unknown>;

/**
 * The election message of a checked frame of kind PRE_VOTE ... TIMEOUT_NOW. Built as plain object literals of
 * one shape per type, then the optional fields set: this is the receiver's hottest path with many groups
 * (every group's heartbeat and acknowledgement), where object spreads cost most of the decoding.
 */
function electionMessage(frame: ElectionFrame): ElectionMessage {
  const { cluster, from, to, term } = frame;
  const configuration: ConfigurationId = { term: frame.configTerm, version: frame.configVersion };
  let message: Building;
  switch (frame.kind) {
    case ElectionFrame.Kind.PRE_VOTE:
      message = { type: 'pre-vote', cluster, from, to, term, configuration };
      break;
    case ElectionFrame.Kind.PRE_VOTE_RESPONSE:
      message = { type: 'pre-vote-response', cluster, from, to, term, granted: frame.granted };
      break;
    case ElectionFrame.Kind.VOTE:
      message = { type: 'vote', cluster, from, to, term, configuration, transfer: frame.transfer };
      break;
    case ElectionFrame.Kind.VOTE_RESPONSE:
      message = { type: 'vote-response', cluster, from, to, term, granted: frame.granted };
      break;
    case ElectionFrame.Kind.HEARTBEAT: {
      const full: Configuration | null =
        frame.voters.length === 0
          ? null
          : frame.groupTermFloor > 0
            ? { ...configuration, voters: frame.voters, groupTermFloor: frame.groupTermFloor }
            : { ...configuration, voters: frame.voters };
      message = {
        type: 'heartbeat',
        cluster,
        from,
        to,
        term,
        round: frame.round,
        configuration: full ?? configuration,
      };
      if (frame.quiet) message.quiet = true;
      break;
    }
    case ElectionFrame.Kind.HEARTBEAT_RESPONSE:
      message = {
        type: 'heartbeat-response',
        cluster,
        from,
        to,
        term,
        round: frame.round,
        ok: frame.ok,
        configuration,
        leaving: frame.leaving,
        steady: frame.steady,
      };
      if (frame.maxGroupTerm > 0) message.maxGroupTerm = frame.maxGroupTerm;
      if (frame.asked) message.asked = true;
      if (frame.preferred) message.preferred = true;
      break;
    default:
      message = { type: 'timeout-now', cluster, from, to, term };
  }
  if (frame.group !== '') message.group = frame.group;
  return message as ElectionMessage;
}

/**
 * The most members a locked voter set may have: `discoverVoters`' largest `expect` (1000), plus one for a
 * refusal (a node that found more fresh members than `expect` locks `expect` + 1 of them, see formation.ts).
 */
export const MAX_LOCKED = 1001;

/**
 * Why a locked voter set from a HELLO is not one, or null when it is: 2 to {@link MAX_LOCKED} peer ids, sorted
 * and distinct (so every node compares them as they are), `from` among them (a node locks only a set it
 * belongs to). `from` itself is the stream's authenticated peer, so only the others are parsed.
 *
 * @example
 * ```ts
 * import { checkLocked } from './codec.js';
 * console.log(checkLocked(['a'], 'a')); // 'must have 2 to 1001 members, not 1'
 * ```
 */
export function checkLocked(locked: readonly string[], from: NodeId): string | null {
  if (locked.length < 2 || locked.length > MAX_LOCKED) {
    return `must have 2 to ${MAX_LOCKED} members, not ${locked.length}`;
  }
  for (let i = 1; i < locked.length; i++) {
    if ((locked[i - 1] as string) >= (locked[i] as string)) return 'must be sorted, distinct peer ids';
  }
  if (!locked.includes(from)) return 'must name its sender';
  for (const member of locked) {
    if (member === from) continue;
    try {
      peerIdFromString(member);
    } catch {
      return `holds ${JSON.stringify(member.slice(0, 80))}, not a peer id`;
    }
  }
  return null;
}

/**
 * Encodes the notice that this node's transport stops, sent to each connected peer on the way out.
 *
 * @example
 * ```ts
 * import { encodeLeaveFrame } from './codec.js';
 * const bytes = encodeLeaveFrame({ cluster: 'jobs', from: 'a', to: 'b' });
 * ```
 */
export function encodeLeaveFrame(fields: { cluster: string; from: NodeId; to: NodeId }): Uint8Array {
  return ElectionFrame.encode({
    kind: ElectionFrame.Kind.LEAVE,
    cluster: fields.cluster,
    from: fields.from,
    to: fields.to,
  });
}

/**
 * Encodes the greeting that opens every election stream (and is sent again when the sender locks a set): the
 * receiver reports the sender joined, and learns which voter configuration the sender holds (version 0: none
 * yet) and which first voter set it locked, if any (`locked`, sorted).
 *
 * @example
 * ```ts
 * import { encodeHelloFrame } from './codec.js';
 * const bytes = encodeHelloFrame({ cluster: 'jobs', from: 'a', to: 'b', configuration: { term: 4, version: 2 } });
 * ```
 */
export function encodeHelloFrame(fields: {
  cluster: string;
  from: NodeId;
  to: NodeId;
  configuration: ConfigurationId;
  locked?: readonly NodeId[] | null;
}): Uint8Array {
  return ElectionFrame.encode({
    kind: ElectionFrame.Kind.HELLO,
    cluster: fields.cluster,
    from: fields.from,
    to: fields.to,
    configuration: { term: fields.configuration.term, version: fields.configuration.version },
    locked: fields.locked ? [...fields.locked] : [],
    groups: true,
    batches: true,
  });
}

/**
 * Encodes the list of this node's other peers (at most 64, each with at most 16 addresses), sent to a peer
 * that just joined so that it can connect to them.
 *
 * @example
 * ```ts
 * import { encodePeersFrame } from './codec.js';
 * const bytes = encodePeersFrame({ cluster: 'jobs', from: 'a', to: 'b', peers: [] });
 * ```
 */
export function encodePeersFrame(fields: {
  cluster: string;
  from: NodeId;
  to: NodeId;
  peers: readonly PeerAddresses[];
}): Uint8Array {
  return ElectionFrame.encode({
    kind: ElectionFrame.Kind.PEERS,
    cluster: fields.cluster,
    from: fields.from,
    to: fields.to,
    peers: fields.peers.slice(0, 64).map((peer) => ({
      id: peer.id,
      addrs: peer.addrs.slice(0, 16) as Uint8Array<ArrayBuffer>[],
      voter: peer.voter === true,
    })),
  });
}

/** The kinds of frame that carry an election message (and may carry its group). */
const ELECTION_KINDS: ReadonlySet<ElectionFrame.Kind> = new Set(Object.values(KIND_OF_TYPE));
