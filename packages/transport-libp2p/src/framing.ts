import { Uint8ArrayList } from 'uint8arraylist';

/*
 * Length-prefixed framing (unsigned LEB128 varint length, then the frame), as libp2p's lpStream writes
 * it. The reader is written by hand rather than taken from lpStream because an oversized frame must be
 * skipped and counted, not end the stream: one peer's bad frame must not cut a healthy stream.
 */

/** A varint that does not end within this many bytes (49 bits of length) cannot be a real frame length. */
const MAX_PREFIX_BYTES = 7;

/**
 * Prefixes a frame with its length as an unsigned varint.
 *
 * @example
 * ```ts
 * import { lengthPrefixed } from './framing.js';
 * console.log(lengthPrefixed(new Uint8Array(300)).subarray(0, 2)); // Uint8Array [172, 2]
 * ```
 */
export function lengthPrefixed(frame: Uint8Array): Uint8Array {
  let length = frame.byteLength;
  const prefix: number[] = [];
  while (length >= 0x80) {
    prefix.push((length % 0x80) | 0x80);
    length = Math.floor(length / 0x80);
  }
  prefix.push(length);
  const out = new Uint8Array(prefix.length + frame.byteLength);
  out.set(prefix, 0);
  out.set(frame, prefix.length);
  return out;
}

/**
 * What a {@link FrameReader} hands out while it reads.
 *
 * @example
 * ```ts
 * import type { FrameSink } from './framing.js';
 * const sink: FrameSink = {
 *   frame: (bytes) => console.log('frame of', bytes.byteLength),
 *   oversized: (length) => console.log('skipped', length),
 *   unreadable: (detail) => console.log('closing the stream:', detail),
 * };
 * ```
 */
export interface FrameSink {
  /** A complete frame within the size limit (its bytes are a copy the sink may keep). */
  frame(bytes: Uint8Array): void;
  /** A frame announced `length` bytes, over the limit; its bytes are skipped as they arrive. */
  oversized(length: number): void;
  /**
   * The length prefix cannot be read (longer than any real frame length); the stream cannot be resynchronised,
   * so the reader stops and the caller should close the stream. Called at most once.
   */
  unreadable(detail: string): void;
}

/**
 * Splits a byte stream into length-prefixed frames, skipping (and reporting) frames over `maxFrameSize`.
 * Memory held is bounded by `maxFrameSize` plus one chunk.
 *
 * @example
 * ```ts
 * import { FrameReader, lengthPrefixed } from './framing.js';
 * const reader = new FrameReader(1024);
 * reader.push(lengthPrefixed(new Uint8Array([1, 2, 3])), {
 *   frame: (bytes) => console.log(bytes), // Uint8Array [1, 2, 3]
 *   oversized: (length) => console.log('too large', length),
 *   unreadable: (detail) => console.log(detail),
 * });
 * ```
 */
export class FrameReader {
  private readonly buffer = new Uint8ArrayList();
  /** Bytes of an oversized frame still to discard. */
  private skipping = 0;
  private broken = false;

  constructor(readonly maxFrameSize: number) {}

  /** Whether an unreadable length prefix stopped the reader. */
  get stopped(): boolean {
    return this.broken;
  }

  /** Bytes buffered for an incomplete frame. */
  get buffered(): number {
    return this.buffer.byteLength;
  }

  /** Feeds the next chunk of the stream; calls `sink` for everything it completes. */
  push(chunk: Uint8Array | Uint8ArrayList, sink: FrameSink): void {
    if (this.broken) return;
    this.buffer.append(chunk);
    while (!this.broken) {
      if (this.skipping > 0) {
        const n = Math.min(this.skipping, this.buffer.byteLength);
        this.buffer.consume(n);
        this.skipping -= n;
        if (this.skipping > 0) return;
      }
      const prefix = this.readPrefix();
      if (prefix === 'incomplete') return;
      if (prefix === 'unreadable') {
        this.broken = true;
        this.buffer.consume(this.buffer.byteLength);
        sink.unreadable(`length prefix longer than ${MAX_PREFIX_BYTES} bytes`);
        return;
      }
      const { length, prefixBytes } = prefix;
      if (length > this.maxFrameSize) {
        this.buffer.consume(prefixBytes);
        this.skipping = length;
        sink.oversized(length);
        continue;
      }
      if (this.buffer.byteLength < prefixBytes + length) return;
      const frame = this.buffer.slice(prefixBytes, prefixBytes + length);
      this.buffer.consume(prefixBytes + length);
      sink.frame(frame);
    }
  }

  private readPrefix(): { length: number; prefixBytes: number } | 'incomplete' | 'unreadable' {
    let length = 0;
    let scale = 1;
    const available = Math.min(this.buffer.byteLength, MAX_PREFIX_BYTES);
    for (let i = 0; i < available; i++) {
      const byte = this.buffer.get(i);
      length += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return { length, prefixBytes: i + 1 };
      scale *= 0x80;
    }
    return this.buffer.byteLength >= MAX_PREFIX_BYTES ? 'unreadable' : 'incomplete';
  }
}
