import type { DropReason } from '@baton/core';
import type { Libp2pTransportStats } from './types.js';

/** Why an outgoing frame was not sent (as a {@link PeerChannel} reports it). */
export type NotSentReason = 'queue-full' | 'unreachable' | 'stream-error';

function emptyDropCounts(): Record<DropReason, number> {
  return {
    'wrong-cluster': 0,
    misaddressed: 0,
    'stale-term': 0,
    'not-a-voter': 0,
    'leader-sticky': 0,
    unexpected: 0,
    invalid: 0,
  };
}

/**
 * The transport's counters since it was created, mutable inside, copied out by {@link snapshot} for
 * `stats()`. Counts only: what is true now (peers connected, redials pending) is read from the parts that
 * know it when the snapshot is taken.
 */
export class TransportCounters {
  private framesSent = 0;
  private framesReceived = 0;
  private readonly droppedFrames = emptyDropCounts();
  private readonly notSentFrames = { queueFull: 0, unreachable: 0, streamError: 0 };
  private streamsOpened = 0;
  private streamsStalled = 0;
  private gossipPublished = 0;
  private broadcastsDirect = 0;
  private duplicateBroadcasts = 0;
  private unexpectedBytes = 0;
  private redialsAbandoned = 0;

  /** A frame was queued for a peer's election stream. */
  frameSent(): void {
    this.framesSent++;
  }
  /** A frame arrived on an inbound election stream (valid or not). */
  frameReceived(): void {
    this.framesReceived++;
  }
  /** An incoming frame or gossip message was dropped. */
  dropped(reason: DropReason): void {
    this.droppedFrames[reason]++;
  }
  /** An outgoing frame was not sent. */
  notSent(reason: NotSentReason): void {
    if (reason === 'queue-full') this.notSentFrames.queueFull++;
    else if (reason === 'unreachable') this.notSentFrames.unreachable++;
    else this.notSentFrames.streamError++;
  }
  /** An outbound election stream opened (a first opening or a reopening). */
  streamOpened(): void {
    this.streamsOpened++;
  }
  /** An outbound election stream was aborted because its peer did not read it. */
  streamStalled(): void {
    this.streamsStalled++;
  }
  /** A message was published on the gossip topic (a broadcast or a leader announcement). */
  published(): void {
    this.gossipPublished++;
  }
  /** A broadcast copy went to one peer over its direct stream. */
  broadcastSentDirect(): void {
    this.broadcastsDirect++;
  }
  /** A broadcast arrived a second time (by the direct stream and by gossip) and was not delivered again. */
  duplicateBroadcast(): void {
    this.duplicateBroadcasts++;
  }
  /** A peer wrote `bytes` bytes back on an election stream this node opened; they were discarded. */
  unexpectedData(bytes: number): void {
    this.unexpectedBytes += bytes;
  }
  /** Redialling a peer stopped after its last allowed attempt. */
  redialAbandoned(): void {
    this.redialsAbandoned++;
  }

  /** The counters, with what is true now (`peers`, `redialsPending`), as `stats()` reports them. */
  snapshot(now: { readonly peers: number; readonly redialsPending: number }): Libp2pTransportStats {
    return {
      peers: now.peers,
      framesSent: this.framesSent,
      framesReceived: this.framesReceived,
      dropped: { ...this.droppedFrames },
      notSent: { ...this.notSentFrames },
      streamsOpened: this.streamsOpened,
      streamsStalled: this.streamsStalled,
      gossipPublished: this.gossipPublished,
      broadcastsDirect: this.broadcastsDirect,
      duplicateBroadcasts: this.duplicateBroadcasts,
      unexpectedBytes: this.unexpectedBytes,
      redialsPending: now.redialsPending,
      redialsAbandoned: this.redialsAbandoned,
    };
  }
}
