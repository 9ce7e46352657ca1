import type { Logger, Stream } from '@libp2p/interface';
import { AbstractStream } from '@libp2p/utils';
import type { Uint8ArrayList } from 'uint8arraylist';
import { describe, expect, it } from 'vitest';
import { PeerChannel, type PeerChannelHost } from '../src/peer-channel.js';
import { eventually } from './helpers.js';

/**
 * A stream double that records what is sent and can be broken. Setting `writableNeedsDrain` makes it full (a
 * peer that stopped reading) until the test dispatches `drain`.
 */
class FakeStream extends EventTarget {
  readonly sent: number[][] = [];
  status = 'open';
  writableNeedsDrain = false;
  send(data: Uint8Array): boolean {
    if (this.status !== 'open') throw new Error('stream closed');
    this.sent.push([...data]);
    return true;
  }
  async close(): Promise<void> {
    this.status = 'closed';
  }
  abort(): void {
    if (this.status !== 'open') return;
    this.status = 'aborted';
    this.dispatchEvent(new Event('close'));
  }
}

const silent: Logger = Object.assign(() => {}, {
  error: () => {},
  trace: () => {},
  enabled: false,
  newScope: () => silent,
});

/**
 * A stream of `@libp2p/utils` (the base of yamux's and QUIC's streams) whose every write fills it until it
 * drains a moment later, as a QUIC stream does; it counts the waits for a drain it was asked for.
 */
class FullAfterEachWrite extends AbstractStream {
  readonly written: number[] = [];
  onDrainCalls = 0;
  constructor() {
    super({ id: 's', log: silent, direction: 'outbound' });
  }
  override onDrain(options?: { signal?: AbortSignal }): Promise<void> {
    // @libp2p/utils 7.4 keeps the promise of the first drain and returns it, resolved, to every later call: a
    // caller that loops on it would never yield. Past 100 calls this double stops answering, so such a loop
    // ends (and the test fails) instead of hanging the test run.
    this.onDrainCalls++;
    if (this.onDrainCalls > 100) return new Promise(() => {});
    return super.onDrain(options);
  }
  sendData(data: Uint8ArrayList) {
    this.written.push(...data.subarray());
    setTimeout(() => this.safeDispatchEvent('drain'), 1);
    return { sentBytes: data.byteLength, canSendMore: false };
  }
  sendReset(): void {}
  async sendCloseWrite(): Promise<void> {}
  async sendCloseRead(): Promise<void> {}
  sendPause(): void {}
  sendResume(): void {}
}

function host(open: () => Promise<FakeStream>, maxQueuedFrames = 4) {
  const dropped: string[] = [];
  const opened: string[] = [];
  const unexpected: { bytes: number; first: boolean }[] = [];
  const stalled: string[] = [];
  const h: PeerChannelHost = {
    openStream: async () => (await open()) as unknown as Stream,
    greeting: () => new Uint8Array([0]),
    streamOpened: (peer) => opened.push(peer),
    frameDropped: (_peer, why) => dropped.push(why),
    unexpectedData: (_peer, bytes, first) => unexpected.push({ bytes, first }),
    stalled: (peer) => stalled.push(peer),
    maxQueuedFrames,
    maxRedialDelay: 20,
    drainTimeout: 30,
  };
  return { h, dropped, opened, unexpected, stalled };
}

/** A host that opens a new FakeStream each time, and the streams it opened. */
function hostOfNewStreams() {
  const streams: FakeStream[] = [];
  const recorded = host(async () => {
    const stream = new FakeStream();
    streams.push(stream);
    return stream;
  });
  return { streams, ...recorded };
}

/** A channel whose stream carried the HELLO and frame 1, and is now full: its peer stopped reading. */
async function channelOnFullStream() {
  const recorded = hostOfNewStreams();
  const channel = new PeerChannel('p', recorded.h);
  channel.enqueue(new Uint8Array([1]));
  await eventually(() => recorded.streams[0]?.sent.length === 2, 2000, 'the first frame');
  recorded.streams[0]!.writableNeedsDrain = true;
  return { ...recorded, channel };
}

describe('PeerChannel', () => {
  it('opens one stream, greets, and sends every frame on it in order', async () => {
    const { streams, h, opened } = hostOfNewStreams();
    const channel = new PeerChannel('p', h);
    for (let i = 1; i <= 3; i++) channel.enqueue(new Uint8Array([i]));
    await eventually(() => streams[0]?.sent.flat().length === 4, 2000, 'frames sent');
    expect(streams[0]!.sent.flat()).toEqual([0, 1, 2, 3]);
    channel.enqueue(new Uint8Array([4]));
    await eventually(() => streams[0]?.sent.flat().length === 5, 2000, 'the next frame');
    expect(streams.length).toBe(1);
    expect(streams[0]!.sent.at(-1)).toEqual([4]);
    expect(opened).toEqual(['p']);
  });

  it('frames queued in one go leave in one write, in order', async () => {
    const { streams, h } = hostOfNewStreams();
    const channel = new PeerChannel('p', h);
    channel.connect();
    await eventually(() => channel.isOpen, 2000, 'the stream');
    for (let i = 1; i <= 10; i++) channel.enqueue(new Uint8Array([i, i]));
    expect(streams[0]!.sent).toEqual([[0]]); // nothing yet: the batch leaves at the end of this task
    await Promise.resolve();
    expect(streams[0]!.sent).toEqual([[0], Array.from({ length: 10 }, (_, i) => [i + 1, i + 1]).flat()]);
  });

  it('flushNow writes what is queued at once, not at the end of the task', async () => {
    const { streams, h } = hostOfNewStreams();
    const channel = new PeerChannel('p', h);
    channel.connect();
    await eventually(() => streams[0]?.sent.length === 1, 2000, 'the stream to open');
    channel.enqueue(new Uint8Array([1]));
    channel.enqueue(new Uint8Array([2]));
    expect(streams[0]!.sent.length).toBe(1); // queued for the end of the task
    channel.flushNow();
    expect(streams[0]!.sent.flat()).toEqual([0, 1, 2]); // synchronously, in one write
    expect(streams[0]!.sent.length).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(streams[0]!.sent.length).toBe(2); // the flush scheduled for the end of the task found nothing
    channel.flushNow(); // nothing queued: nothing written
    expect(streams[0]!.sent.length).toBe(2);
  });

  it('drops the oldest frame when the queue is full, and counts it', async () => {
    let release: (stream: FakeStream) => void = () => {};
    const stream = new FakeStream();
    const { h, dropped } = host(() => new Promise((resolve) => (release = resolve)), 2);
    const channel = new PeerChannel('p', h);
    for (let i = 1; i <= 4; i++) channel.enqueue(new Uint8Array([i]));
    expect(dropped).toEqual(['queue-full', 'queue-full']);
    release(stream);
    await eventually(() => stream.sent.flat().length === 3, 2000, 'the queued frames');
    expect(stream.sent.flat()).toEqual([0, 3, 4]);
  });

  it('counts frames as unreachable when the stream cannot be opened, then retries with backoff', async () => {
    let attempts = 0;
    const stream = new FakeStream();
    const { h, dropped } = host(async () => {
      attempts++;
      if (attempts < 3) throw new Error('refused');
      return stream;
    });
    const channel = new PeerChannel('p', h);
    channel.enqueue(new Uint8Array([1]));
    await eventually(() => dropped.length === 1, 2000, 'the first failure');
    expect(dropped).toEqual(['unreachable']);
    await eventually(
      () => {
        channel.enqueue(new Uint8Array([2]));
        return stream.sent.some((frame) => frame[0] === 2);
      },
      5000,
      'a frame after the peer became reachable',
    );
    expect(attempts).toBe(3);
  });

  it('reopens a broken stream', async () => {
    const { streams, h } = hostOfNewStreams();
    const channel = new PeerChannel('p', h);
    channel.enqueue(new Uint8Array([1]));
    await eventually(() => streams[0]?.sent.length === 2, 2000, 'the first frame');
    streams[0]!.abort();
    await eventually(
      () => {
        channel.enqueue(new Uint8Array([2]));
        return streams[1]?.sent.some((frame) => frame[0] === 2) === true;
      },
      5000,
      'a frame on a new stream',
    );
    expect(channel.streamsOpened).toBe(2);
  });

  it('reads and reports what the peer writes back on the stream, and keeps the stream', async () => {
    const stream = new FakeStream();
    const { h, unexpected } = host(async () => stream);
    const channel = new PeerChannel('p', h);
    channel.connect();
    await eventually(() => channel.isOpen, 2000, 'the stream');
    for (const size of [3, 5]) {
      stream.dispatchEvent(Object.assign(new Event('message'), { data: new Uint8Array(size) }));
    }
    expect(unexpected).toEqual([
      { bytes: 3, first: true },
      { bytes: 5, first: false },
    ]);
    expect(channel.isOpen).toBe(true);
  });

  it('aborts and reopens a stream whose peer stopped reading, and sends the queued frames on the new one', async () => {
    const { streams, channel, stalled } = await channelOnFullStream();
    channel.enqueue(new Uint8Array([2]));
    channel.enqueue(new Uint8Array([3]));
    await eventually(
      () => streams[1]?.sent.flat().includes(3) === true,
      5000,
      'the queued frames on a new stream',
    );
    expect(streams[0]!.status).toBe('aborted');
    expect(streams[1]!.sent.flat()).toEqual([0, 2, 3]);
    expect(stalled).toEqual(['p']);
  });

  it('waits for each drain of a stream that is full after every write, and sends every frame in order', async () => {
    const stream = new FullAfterEachWrite();
    const { h, stalled } = host(async () => stream as unknown as FakeStream);
    const channel = new PeerChannel('p', h);
    // Frames queued in separate tasks: every flush after the first finds the stream full.
    for (let i = 1; i <= 20; i++) {
      channel.enqueue(new Uint8Array([i]));
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await eventually(() => stream.written.length === 21, 5000, 'every frame');
    expect(stream.written).toEqual([0, ...Array.from({ length: 20 }, (_, i) => i + 1)]);
    expect(stream.onDrainCalls).toBeLessThanOrEqual(100);
    expect(stream.status).toBe('open');
    expect(stalled).toEqual([]);
  });

  it('a full stream that drains before drainTimeout is kept', async () => {
    const { streams, channel, stalled } = await channelOnFullStream();
    channel.enqueue(new Uint8Array([2]));
    await new Promise((resolve) => setTimeout(resolve, 0)); // the end of the task: the flush found it full
    expect(streams[0]!.sent.length).toBe(2);
    // The peer reads again.
    streams[0]!.writableNeedsDrain = false;
    streams[0]!.dispatchEvent(new Event('drain'));
    await eventually(() => streams[0]?.sent.length === 3, 2000, 'the queued frame');
    expect(streams[0]!.sent.flat()).toEqual([0, 1, 2]);
    expect(streams.length).toBe(1);
    expect(stalled).toEqual([]);
  });

  it('a reset while a stream is opening does not install that stream', async () => {
    let release: (stream: FakeStream) => void = () => {};
    const stale = new FakeStream();
    const { h, opened } = host(() => new Promise((resolve) => (release = resolve)));
    const channel = new PeerChannel('p', h);
    channel.connect();
    channel.reset();
    release(stale);
    await eventually(() => stale.status === 'aborted', 2000, 'the stale stream to be aborted');
    expect(opened).toEqual([]);
    expect(channel.isOpen).toBe(false);
  });
});
