import type { ElectionMessage, NodeId } from '@baton/core';
import { encodeBatchFrames } from './codec.js';
import { lengthPrefixed } from './framing.js';

/** Where {@link OutboundBatches} hands the frames it encoded. */
export interface OutboundBatchesHost {
  /** Queues a length-prefixed frame for `peer`. */
  enqueue(peer: NodeId, frame: Uint8Array): void;
  /** Frames of more messages could not be encoded (a bug; logged by the host). */
  failed(peer: NodeId, messages: number, error: unknown): void;
}

/**
 * The largest BATCH frame written by default (the transport passes the smaller of this and its own
 * `maxFrameSize`, which the members of a cluster share): a hundred heartbeats of groups fit in one.
 */
export const DEFAULT_BATCH_BYTES = 16_384;

/**
 * Coalesces the election messages sent to one peer in one task (the runtime hands a step's messages over
 * together: every group's heartbeat of a round, their acknowledgements, a campaign's requests) into BATCH
 * frames, as CockroachDB coalesces the heartbeats of its ranges: one envelope, one frame, one decode and one
 * step of the receiver's election for all of them. Only for peers whose HELLO said they understand batches;
 * the others get one frame per message. Messages are flushed at the end of the task (a microtask), before
 * the peer's channel writes (it also waits for a microtask), or at once by {@link OutboundBatches.flush}.
 *
 * @example
 * ```ts
 * import { OutboundBatches } from './outbound-batches.js';
 * const batches = new OutboundBatches({ enqueue: (peer, frame) => console.log(peer, frame.length), failed() {} });
 * batches.capable('b', true);
 * const heartbeat = { type: 'heartbeat', cluster: 'jobs', from: 'a', to: 'b', term: 3, round: 7, configuration: { term: 3, version: 1 } } as const;
 * batches.add(heartbeat);
 * batches.add({ ...heartbeat, group: 'billing', term: 9 });
 * batches.flush(); // b, one frame
 * ```
 */
export class OutboundBatches {
  private readonly peers = new Set<NodeId>();
  private readonly pending = new Map<NodeId, ElectionMessage[]>();
  private scheduled = false;

  constructor(
    private readonly host: OutboundBatchesHost,
    private readonly maxBatchBytes = DEFAULT_BATCH_BYTES,
  ) {}

  /** What `peer`'s latest HELLO said: whether it understands BATCH frames. */
  capable(peer: NodeId, batches: boolean): void {
    if (batches) this.peers.add(peer);
    else this.forget(peer);
  }

  /** Whether messages to `peer` are coalesced. */
  has(peer: NodeId): boolean {
    return this.peers.has(peer);
  }

  /** `peer` left: it is no longer known to understand batches, and what waits for it is dropped. */
  forget(peer: NodeId): void {
    this.peers.delete(peer);
    this.pending.delete(peer);
  }

  /** Queues `message` for its addressee (which must be {@link OutboundBatches.has | capable}). */
  add(message: ElectionMessage): void {
    const queued = this.pending.get(message.to);
    if (queued === undefined) this.pending.set(message.to, [message]);
    else queued.push(message);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.flush());
  }

  /** Encodes and queues everything pending, one peer after another, in the order the messages were sent. */
  flush(): void {
    this.scheduled = false;
    for (const [peer, messages] of this.pending) {
      this.pending.delete(peer);
      let frames: Uint8Array[];
      try {
        frames = encodeBatchFrames(messages, this.maxBatchBytes);
      } catch (error) {
        this.host.failed(peer, messages.length, error);
        continue;
      }
      for (const frame of frames) this.host.enqueue(peer, lengthPrefixed(frame));
    }
  }
}
