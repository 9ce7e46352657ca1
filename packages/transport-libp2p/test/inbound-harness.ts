import type { ConfigurationId, DropReason, ElectionMessage } from '@baton/core';
import type { Connection, Stream } from '@libp2p/interface';
import { TransportCounters } from '../src/counters.js';
import { Delivery } from '../src/delivery.js';
import { InboundStreams } from '../src/inbound.js';
import type { Libp2pTransportStats } from '../src/types.js';
import { quietLogger } from './helpers.js';

/** What became of one frame on the inbound path. */
export type InboundOutcome =
  | { readonly kind: 'election'; readonly message: ElectionMessage }
  | {
      readonly kind: 'hello';
      readonly configuration: ConfigurationId;
      /** The set the sender locked for the formation, when its HELLO carried one. */
      readonly locked?: readonly string[];
      /** Whether the HELLO said the sender understands election groups. */
      readonly groups?: boolean;
      /** Whether the HELLO said the sender understands BATCH frames. */
      readonly batches?: boolean;
    }
  | { readonly kind: 'batch'; readonly messages: readonly ElectionMessage[] }
  | { readonly kind: 'broadcast' | 'peers' | 'leave' }
  | { readonly kind: 'dropped'; readonly reason: DropReason };

/** One inbound election stream read by the transport's own {@link InboundStreams}, with what came out. */
export interface InboundHarness {
  /** Feeds the next chunk of the stream. */
  push(chunk: Uint8Array): void;
  /** One outcome per frame, in order. */
  readonly outcomes: readonly InboundOutcome[];
  /** Whether the transport closed the stream (a length prefix no real frame has). */
  readonly aborted: number;
  stats(): Libp2pTransportStats;
}

/**
 * The inbound path exactly as the transport wires it (framing, decoding, checks against the stream, the
 * counters and `onDropped`), on a stream from `remoteId` to `localId`, without libp2p underneath.
 */
export function inboundHarness(options: {
  clusterId: string;
  localId: string;
  remoteId: string;
  maxFrameSize: number;
}): InboundHarness {
  const counters = new TransportCounters();
  const delivery = new Delivery(quietLogger, counters);
  const outcomes: (
    | InboundOutcome
    | {
        kind: 'joined';
        configuration?: ConfigurationId;
        locked?: readonly string[];
        groups?: boolean;
        batches?: boolean;
      }
  )[] = [];
  const last = () => outcomes[outcomes.length - 1];
  // Every valid frame but LEAVE reports the peer joined first; what follows (synchronously) says which it was.
  delivery.attach({
    onMessage: (message) => outcomes.splice(outcomes.length - 1, 1, { kind: 'election', message }),
    onMessages: (messages) => outcomes.splice(outcomes.length - 1, 1, { kind: 'batch', messages }),
    onBroadcast: () => {},
    onPeerConnected: () => {},
    onPeerDisconnected: () => {},
    onDropped: (reason) => outcomes.push({ kind: 'dropped', reason }),
  });
  const inbound = new InboundStreams(
    {
      clusterId: options.clusterId,
      options: { maxFrameSize: options.maxFrameSize } as never,
      counters,
      delivery,
      running: true,
      id: options.localId,
    },
    {
      joined: () => outcomes.push({ kind: 'joined' }),
      configurationHeard: (_peer, configuration) => {
        const frame = last();
        if (frame?.kind === 'joined') frame.configuration = configuration;
      },
      lockHeard: (_peer, locked) => {
        const frame = last();
        if (frame?.kind === 'joined') frame.locked = locked;
      },
      groupsHeard: (_peer, groups) => {
        const frame = last();
        if (frame?.kind === 'joined') frame.groups = groups;
      },
      batchesHeard: (_peer, batches) => {
        const frame = last();
        if (frame?.kind === 'joined') frame.batches = batches;
      },
      leaving: () => outcomes.push({ kind: 'leave' }),
      peersListed: () => outcomes.splice(outcomes.length - 1, 1, { kind: 'peers' }),
      broadcastReceived: () => outcomes.splice(outcomes.length - 1, 1, { kind: 'broadcast' }),
    },
  );
  const listeners: ((event: { data: Uint8Array }) => void)[] = [];
  let aborted = 0;
  const stream = {
    addEventListener: (type: string, listener: (event: { data: Uint8Array }) => void) => {
      if (type === 'message') listeners.push(listener);
    },
    abort: () => aborted++,
  } as unknown as Stream;
  const connection = { remotePeer: { toString: () => options.remoteId } } as unknown as Connection;
  inbound.handle(stream, connection);
  return {
    push: (chunk) => {
      for (const listener of listeners) listener({ data: chunk });
    },
    get outcomes() {
      return outcomes.map((outcome) =>
        outcome.kind === 'joined'
          ? {
              kind: 'hello' as const,
              configuration: outcome.configuration ?? { term: -1, version: -1 },
              ...(outcome.locked === undefined ? {} : { locked: outcome.locked }),
              ...(outcome.groups === undefined ? {} : { groups: outcome.groups }),
              ...(outcome.batches === undefined ? {} : { batches: outcome.batches }),
            }
          : outcome,
      );
    },
    get aborted() {
      return aborted;
    },
    stats: () => counters.snapshot({ peers: 0, redialsPending: 0 }),
  };
}
