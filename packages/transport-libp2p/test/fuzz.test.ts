import type { ElectionMessage } from '@baton/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFrame, encodeElectionMessage } from '../src/codec.js';
import { FrameReader, lengthPrefixed } from '../src/framing.js';
import { ElectionFrame } from '../src/protocol/frames.js';
import { electionMessage, FROM, TO } from './arbitraries.js';

/*
 * Fuzz of the inbound path of the election stream: the length-prefix reader and the frame decoder, wired
 * as the transport wires them. No exception may escape, and every frame must end either delivered or
 * counted as dropped.
 */

const MAX_FRAME = 512;
const context = { clusterId: 'jobs', localId: TO, remoteId: FROM };
let framesFuzzed = 0;

afterAll(() => {
  console.log(`fuzz: ${framesFuzzed} frames fed to the frame reader and decoder`);
});

type Expectation = 'valid' | 'invalid' | 'either';
interface FuzzFrame {
  readonly bytes: Uint8Array;
  readonly expect: Expectation;
  readonly message?: ElectionMessage;
}

const valid = electionMessage.map(
  (message): FuzzFrame => ({ bytes: encodeElectionMessage(message), expect: 'valid', message }),
);
const wrongField = fc
  .tuple(electionMessage, fc.constantFrom('cluster', 'from', 'to'), fc.string({ maxLength: 20 }))
  .filter(([message, field, value]) => message[field as keyof ElectionMessage] !== value)
  .map(
    ([message, field, value]): FuzzFrame => ({
      bytes: encodeElectionMessage({ ...message, [field]: value }),
      expect: 'invalid',
    }),
  );
const unknownType = fc
  .tuple(electionMessage, fc.integer({ min: 12, max: 2 ** 31 - 1 }))
  .map(([message, kind]): FuzzFrame => {
    const body = encodeElectionMessage(message);
    const tag = [0x08];
    let k = kind;
    while (k >= 0x80) {
      tag.push((k & 0x7f) | 0x80);
      k >>>= 7;
    }
    tag.push(k);
    return { bytes: new Uint8Array([...body, ...tag]), expect: 'invalid' };
  });
const missingType = electionMessage.map(
  (message): FuzzFrame => ({
    bytes: ElectionFrame.encode({
      cluster: message.cluster,
      from: message.from,
      to: message.to,
      term: message.term,
    }),
    expect: 'invalid',
  }),
);
const garbage = fc
  .uint8Array({ maxLength: MAX_FRAME })
  .map((bytes): FuzzFrame => ({ bytes, expect: 'either' }));
const oversized = fc
  .integer({ min: MAX_FRAME + 1, max: MAX_FRAME * 4 })
  .map((length): FuzzFrame => ({ bytes: new Uint8Array(length).fill(0x5a), expect: 'invalid' }));
const mutated = fc
  .tuple(
    electionMessage,
    fc.array(
      fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'insert', 'delete')),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([message, edits]): FuzzFrame => {
    const bytes = [...encodeElectionMessage(message)];
    for (const [position, value, edit] of edits) {
      const at = bytes.length === 0 ? 0 : position % bytes.length;
      if (edit === 'flip') bytes[at] = value;
      else if (edit === 'insert') bytes.splice(at, 0, value);
      else bytes.splice(at, 1);
    }
    return { bytes: new Uint8Array(bytes), expect: 'either' };
  });
const truncated = fc.tuple(electionMessage, fc.nat()).map(([message, cut]): FuzzFrame => {
  const bytes = encodeElectionMessage(message);
  return { bytes: bytes.subarray(0, cut % Math.max(bytes.length, 1)), expect: 'either' };
});

const anyFrame = fc.oneof(
  valid,
  valid,
  wrongField,
  unknownType,
  missingType,
  garbage,
  oversized,
  mutated,
  mutated,
  truncated,
);

/** Feeds `stream` to a reader in the given chunk sizes and decodes what comes out, as the transport does. */
function runInbound(stream: Uint8Array, chunkSizes: readonly number[]) {
  const reader = new FrameReader(MAX_FRAME);
  const outcomes: (ElectionMessage | 'broadcast' | 'leave' | 'hello' | 'peers' | 'dropped')[] = [];
  let unreadable = 0;
  const sink = {
    frame: (bytes: Uint8Array) => {
      const verdict = decodeFrame(bytes, context);
      if (verdict.kind === 'election') outcomes.push(verdict.message);
      else if (
        verdict.kind === 'broadcast' ||
        verdict.kind === 'leave' ||
        verdict.kind === 'hello' ||
        verdict.kind === 'peers'
      ) {
        outcomes.push(verdict.kind);
      } else if (['invalid', 'wrong-cluster', 'misaddressed'].includes(verdict.reason))
        outcomes.push('dropped');
      else throw new Error(`unexpected drop reason ${verdict.reason}`);
    },
    oversized: () => outcomes.push('dropped'),
    unreadable: () => unreadable++,
  };
  let offset = 0;
  let i = 0;
  while (offset < stream.length) {
    const size = Math.max(1, chunkSizes[i++ % chunkSizes.length] ?? stream.length);
    reader.push(stream.subarray(offset, offset + size), sink);
    offset += size;
  }
  return { outcomes, unreadable };
}

describe('fuzz: inbound frames', () => {
  it('every well-framed frame is delivered or counted as dropped, and the stream goes on', () => {
    fc.assert(
      fc.property(
        fc.array(anyFrame, { minLength: 10, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }),
        (frames, chunkSizes) => {
          framesFuzzed += frames.length;
          const stream = new Uint8Array(frames.flatMap((frame) => [...lengthPrefixed(frame.bytes)]));
          const { outcomes, unreadable } = runInbound(stream, chunkSizes);
          if (unreadable !== 0) throw new Error('a well-framed stream was declared unreadable');
          if (outcomes.length !== frames.length) {
            throw new Error(`${frames.length} frames in, ${outcomes.length} delivered or dropped`);
          }
          frames.forEach((frame, index) => {
            const outcome = outcomes[index];
            if (frame.expect === 'valid' && JSON.stringify(outcome) !== JSON.stringify(frame.message)) {
              throw new Error(`valid frame ${index} came out as ${JSON.stringify(outcome)}`);
            }
            if (frame.expect === 'invalid' && outcome !== 'dropped') {
              throw new Error(`invalid frame ${index} came out as ${JSON.stringify(outcome)}`);
            }
          });
        },
      ),
      { numRuns: 6000 },
    );
  });

  it('raw random byte streams never throw; the reader stops at most once', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 4096 }),
        fc.array(fc.integer({ min: 1, max: 512 }), { minLength: 1, maxLength: 8 }),
        (stream, chunkSizes) => {
          const { outcomes, unreadable } = runInbound(stream, chunkSizes);
          framesFuzzed += outcomes.length + unreadable;
          if (unreadable > 1) throw new Error('the reader reported an unreadable stream twice');
          if (outcomes.length > stream.length) throw new Error('more frames than bytes');
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('ran at least 100,000 frames', () => {
    expect(framesFuzzed).toBeGreaterThanOrEqual(100_000);
  });
});
