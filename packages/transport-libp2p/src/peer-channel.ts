import type { Stream } from '@libp2p/interface';

/** What a {@link PeerChannel} needs from the transport. */
export interface PeerChannelHost {
  /** Opens the election stream to `peer` (dialling it if needed), within the dial timeout. */
  openStream(peer: string): Promise<Stream>;
  /** The frame that opens every stream (HELLO). */
  greeting(peer: string): Uint8Array;
  /** The stream opened: the peer speaks the cluster's protocol. */
  streamOpened(peer: string): void;
  /** A frame was not sent. */
  frameDropped(peer: string, why: 'queue-full' | 'unreachable' | 'stream-error'): void;
  /**
   * The peer wrote `bytes` bytes back on the outbound stream, where nothing is expected; they were discarded.
   * `first` is true for the first such bytes on a stream.
   */
  unexpectedData(peer: string, bytes: number, first: boolean): void;
  /** The peer did not read for `drainTimeout` ms: its stream was aborted, and will be reopened. */
  stalled(peer: string): void;
  readonly maxQueuedFrames: number;
  readonly maxRedialDelay: number;
  /** How long a full stream may wait for the peer to read, in ms, before it is aborted and reopened. */
  readonly drainTimeout: number;
}

/** The first wait before reopening a broken stream, in ms (it doubles at every failure). */
const FIRST_RETRY_DELAY = 25;

/**
 * The outbound side of one peer: ONE long-lived stream reused for every frame, and a bounded queue for the
 * frames that arrive while the stream opens or drains. `enqueue` never blocks and never throws.
 *
 * A stream that breaks is reopened with exponential backoff (25 ms doubling up to `maxRedialDelay`, with
 * jitter). When opening fails, the queued frames are discarded and counted as `unreachable`: election
 * messages are repeated by the protocol, and stale ones would only arrive late.
 *
 * The stream is write-only: whatever the peer writes back on it is read and discarded at once (and
 * reported), because libp2p buffers unread bytes and aborts the stream when its read buffer is full.
 *
 * A full stream waits at most `drainTimeout` for the peer to read: a peer that stops reading would otherwise
 * stall the channel for good. The stream is then aborted (what it still held is lost) and reopened.
 */
export class PeerChannel {
  private readonly queue: Uint8Array[] = [];
  private stream: Stream | null = null;
  private opening = false;
  private draining = false;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  /** A flush of the queue is scheduled for the end of the current task. */
  private flushScheduled = false;
  /** Grows at every reset: an opening that was started before a reset must not install its stream. */
  private generation = 0;
  /** Streams opened over this channel's life (1 + reopenings). */
  streamsOpened = 0;

  constructor(
    readonly peer: string,
    private readonly host: PeerChannelHost,
  ) {}

  /** Whether a stream is open now. */
  get isOpen(): boolean {
    return this.stream !== null;
  }

  /** Queues a length-prefixed frame and sends what it can. */
  enqueue(frame: Uint8Array): void {
    if (this.closed) return;
    // The bound is for frames that wait for a stream (or for a peer to read); a burst onto an open stream
    // leaves whole at the end of this task.
    const waiting = this.stream === null || this.draining;
    if (waiting && this.queue.length >= this.host.maxQueuedFrames) {
      this.queue.shift();
      this.host.frameDropped(this.peer, 'queue-full');
    }
    this.queue.push(frame);
    this.pump();
  }

  /** Opens the stream now if it is not open (a peer that joined gets its stream before the first message). */
  connect(): void {
    if (this.closed || this.stream !== null || this.opening || this.retryTimer !== null) return;
    void this.open();
  }

  /**
   * Sends a last frame and closes the stream gracefully, opening one if needed; gives up when `signal`
   * aborts. Never throws. The channel is closed afterwards.
   */
  async finish(frame: Uint8Array, signal: AbortSignal): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    this.clearRetry();
    this.queue.length = 0;
    let stream = this.stream;
    this.stream = null;
    try {
      if (stream === null) {
        stream = await this.host.openStream(this.peer);
        stream.send(this.host.greeting(this.peer));
      }
      stream.send(frame);
      await stream.close({ signal });
    } catch {
      stream?.abort(new Error('transport stopped'));
    }
  }

  /** Closes the stream and discards queued frames; a later `enqueue` starts afresh. */
  reset(): void {
    this.generation++;
    this.clearRetry();
    const stream = this.stream;
    this.stream = null;
    this.failures = 0;
    this.queue.length = 0;
    stream?.abort(new Error('peer disconnected'));
  }

  /** Closes for good. */
  close(): void {
    this.closed = true;
    this.reset();
  }

  /** Sends now what waits for the end of the task (see `pump`); nothing when no flush is scheduled. */
  flushNow(): void {
    if (!this.flushScheduled) return;
    this.flushScheduled = false;
    this.flush();
  }

  /**
   * Sends what is queued, or opens the stream first. Frames queued in one go (the messages of an election
   * step, the heartbeats and acknowledgements of every election group for this peer) leave together at the
   * end of the current task, as one write of up to BATCH_BYTES: one yamux frame, one noise message and one
   * socket write instead of one per message, which is where the CPU of a small message goes.
   */
  private pump(): void {
    if (this.closed || this.draining) return;
    if (this.stream === null) {
      if (!this.opening && this.retryTimer === null) void this.open();
      return;
    }
    if (this.flushScheduled || this.queue.length === 0) return;
    this.flushScheduled = true;
    queueMicrotask(() => this.flushNow());
  }

  private flush(): void {
    const stream = this.stream;
    if (this.closed || this.draining || stream === null) return;
    while (this.queue.length > 0) {
      if (stream.writableNeedsDrain) {
        this.draining = true;
        nextDrain(stream, this.host.drainTimeout).then(
          () => {
            this.draining = false;
            this.pump();
          },
          () => {
            this.draining = false;
            if (this.stream === stream && stream.status === 'open') this.host.stalled(this.peer);
            this.broken(stream);
          },
        );
        return;
      }
      // Small frames together, up to BATCH_BYTES; a large one alone (a full stream is then noticed between
      // writes, as before frames were sent together).
      let count = 1;
      let bytes = (this.queue[0] as Uint8Array).length;
      while (count < this.queue.length && bytes + (this.queue[count] as Uint8Array).length <= BATCH_BYTES) {
        bytes += (this.queue[count] as Uint8Array).length;
        count++;
      }
      const frames = this.queue.splice(0, count);
      try {
        stream.send(count === 1 ? (frames[0] as Uint8Array) : concatenate(frames));
      } catch {
        for (let i = 0; i < count; i++) this.host.frameDropped(this.peer, 'stream-error');
        this.broken(stream);
        return;
      }
    }
  }

  private async open(): Promise<void> {
    this.opening = true;
    const generation = this.generation;
    let stream: Stream;
    try {
      stream = await this.host.openStream(this.peer);
    } catch {
      this.opening = false;
      if (this.closed || generation !== this.generation) return;
      this.failures++;
      for (let i = 0; i < this.queue.length; i++) this.host.frameDropped(this.peer, 'unreachable');
      this.queue.length = 0;
      this.scheduleRetry();
      return;
    }
    this.opening = false;
    if (this.closed || generation !== this.generation) {
      stream.abort(new Error(this.closed ? 'transport stopped' : 'peer disconnected'));
      if (!this.closed && this.queue.length > 0) this.pump();
      return;
    }
    try {
      stream.send(this.host.greeting(this.peer));
    } catch {
      stream.abort(new Error('stream failed'));
      this.failures++;
      this.scheduleRetry();
      return;
    }
    this.failures = 0;
    this.stream = stream;
    this.streamsOpened++;
    let reported = false;
    stream.addEventListener('message', (event) => {
      this.host.unexpectedData(this.peer, event.data.byteLength, !reported);
      reported = true;
    });
    stream.addEventListener('close', () => this.broken(stream), { once: true });
    this.host.streamOpened(this.peer);
    this.pump();
  }

  private broken(stream: Stream): void {
    if (this.stream !== stream) return;
    this.stream = null;
    if (stream.status === 'open') stream.abort(new Error('stream broken'));
    if (this.closed) return;
    this.failures++;
    this.scheduleRetry();
  }

  /** Waits before the next opening; a retry only happens when there is something to send. */
  private scheduleRetry(): void {
    if (this.retryTimer !== null || this.closed) return;
    const ceiling = Math.min(
      this.host.maxRedialDelay,
      FIRST_RETRY_DELAY * 2 ** Math.min(this.failures - 1, 16),
    );
    const delay = ceiling / 2 + (Math.random() * ceiling) / 2;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.queue.length > 0) this.pump();
    }, delay);
    this.retryTimer.unref?.();
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}

/**
 * Resolves at `stream`'s next `drain` event; rejects when it closes first, or after `timeout` ms.
 *
 * Not `stream.onDrain()`: in `@libp2p/utils` 7.4 that promise, once a drain resolved it, is kept and handed
 * back resolved to every later call, so the wait for a second full stream would end at once while the stream
 * is still full, and `flush` would loop in microtasks without end (the event loop starved, the election with
 * it). That happens with a peer that is slow to read twice, and with any stream that reports itself full
 * after each write (QUIC's).
 */
function nextDrain(stream: Stream, timeout: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const end = (error?: Error): void => {
      clearTimeout(timer);
      stream.removeEventListener('drain', onDrain);
      stream.removeEventListener('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = (): void => end();
    const onClose = (): void => end(new Error('the stream closed while full'));
    const timer = setTimeout(() => end(new Error(`the peer did not read for ${timeout} ms`)), timeout);
    timer.unref?.(); // as AbortSignal.timeout's: a wait never keeps the process alive
    stream.addEventListener('drain', onDrain);
    stream.addEventListener('close', onClose);
  });
}

/** The most bytes of frames sent together in one write. */
const BATCH_BYTES = 16 * 1024;

/** The frames, already length-prefixed, back to back in one buffer (the reader splits them again). */
function concatenate(frames: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const frame of frames) length += frame.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const frame of frames) {
    out.set(frame, offset);
    offset += frame.length;
  }
  return out;
}
