import { writeFileSync } from 'node:fs';
import type { DropReason, ElectionMessage } from '@baton/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeBatchFrames, encodeElectionMessage, encodeHelloFrame } from '../src/codec.js';
import { lengthPrefixed } from '../src/framing.js';
import { ElectionFrame } from '../src/protocol/frames.js';
import { configurationId, electionMessage, FROM, lockedSet, TO } from './arbitraries.js';
import { type InboundOutcome, inboundHarness } from './inbound-harness.js';

/*
 * Fuzz of the inbound path of the election stream, as the transport wires it (InboundStreams: the
 * length-prefix reader, the frame decoder, the checks against the stream, the counters and onDropped). No
 * exception may escape, every frame must end delivered or counted as dropped, and the drop counters must
 * add up to the frames dropped.
 *
 * BATON_FUZZ_FRAMES sets how many frames to feed (120,000 by default; scripts/fuzz-long.mjs runs
 * millions), BATON_FUZZ_REPORT a file to write the counts to as JSON.
 */

const MAX_FRAME = 512;
const TARGET_FRAMES = Number(process.env.BATON_FUZZ_FRAMES ?? 120_000);
const harnessOptions = { clusterId: 'jobs', localId: TO, remoteId: FROM, maxFrameSize: MAX_FRAME };
const totals = {
  frames: 0,
  delivered: { election: 0, batch: 0, hello: 0, broadcast: 0, peers: 0, leave: 0 },
  /** HELLOs delivered with a formation lock. */
  locked: 0,
  dropped: {} as Partial<Record<DropReason, number>>,
  streamsClosed: 0,
  failures: 0,
};

afterAll(() => {
  const dropped = Object.values(totals.dropped).reduce((sum, n) => sum + (n ?? 0), 0);
  console.log(
    `fuzz: ${totals.frames} frames through the inbound path; delivered ${JSON.stringify(totals.delivered)}; ` +
      `dropped ${dropped} ${JSON.stringify(totals.dropped)}; HELLOs with a lock ${totals.locked}; streams closed (unreadable prefix) ${totals.streamsClosed}`,
  );
  if (process.env.BATON_FUZZ_REPORT) {
    writeFileSync(process.env.BATON_FUZZ_REPORT, `${JSON.stringify(totals, null, 2)}\n`);
  }
});

function tally(outcomes: readonly InboundOutcome[]): void {
  for (const outcome of outcomes) {
    if (outcome.kind === 'dropped')
      totals.dropped[outcome.reason] = (totals.dropped[outcome.reason] ?? 0) + 1;
    else totals.delivered[outcome.kind]++;
    if (outcome.kind === 'hello' && outcome.locked !== undefined) totals.locked++;
  }
}

type Expected =
  | { readonly expect: 'valid'; readonly outcome: InboundOutcome }
  | { readonly expect: 'invalid' | 'either' };
type FuzzFrame = { readonly bytes: Uint8Array } & Expected;

/** Well-formed frames of the two kinds that carry a configuration: election messages, and HELLOs (locked too). */
const wellFormed: fc.Arbitrary<{ bytes: Uint8Array; outcome: InboundOutcome }> = fc.oneof(
  electionMessage.map((message) => ({
    bytes: encodeElectionMessage(message),
    outcome: { kind: 'election' as const, message },
  })),
  // A BATCH of two or three election messages (that fits in a frame).
  fc
    .array(electionMessage, { minLength: 2, maxLength: 3 })
    .map((messages) => ({
      bytes: encodeBatchFrames(messages, Number.MAX_SAFE_INTEGER)[0] as Uint8Array,
      outcome: { kind: 'batch' as const, messages },
    }))
    .filter(({ bytes }) => bytes.length <= MAX_FRAME),
  configurationId.map((configuration) => ({
    bytes: encodeHelloFrame({ cluster: 'jobs', from: FROM, to: TO, configuration }),
    outcome: { kind: 'hello' as const, configuration, groups: true, batches: true },
  })),
  fc.tuple(configurationId, lockedSet).map(([configuration, locked]) => ({
    bytes: encodeHelloFrame({ cluster: 'jobs', from: FROM, to: TO, configuration, locked }),
    outcome: { kind: 'hello' as const, configuration, locked, groups: true, batches: true },
  })),
);

const valid = wellFormed.map(({ bytes, outcome }): FuzzFrame => ({ bytes, expect: 'valid', outcome }));
const wrongField = fc
  .tuple(electionMessage, fc.constantFrom('cluster', 'from', 'to'), fc.string({ maxLength: 20 }))
  .filter(([message, field, value]) => message[field as keyof ElectionMessage] !== value)
  .map(
    ([message, field, value]): FuzzFrame => ({
      bytes: encodeElectionMessage({ ...message, [field]: value }),
      expect: 'invalid',
    }),
  );
/** A held configuration (field 17) on anything but a HELLO. */
const misplacedConfiguration = fc.tuple(electionMessage, configurationId).map(
  ([message, configuration]): FuzzFrame => ({
    bytes: ElectionFrame.encode({ ...ElectionFrame.decode(encodeElectionMessage(message)), configuration }),
    expect: 'invalid',
  }),
);
/** A locked set that is not one (see checkLocked), on a HELLO, or a good one on anything but a HELLO. */
const badLock = fc
  .tuple(
    configurationId,
    lockedSet,
    fc.constantFrom('alone', 'unsorted', 'twice', 'no-sender', 'not-a-peer-id'),
  )
  .map(([configuration, locked, flaw]): FuzzFrame => {
    const others = locked.filter((id) => id !== FROM);
    const bad =
      flaw === 'alone'
        ? [FROM]
        : flaw === 'unsorted'
          ? [...locked].reverse()
          : flaw === 'twice'
            ? [...locked, FROM].sort()
            : flaw === 'no-sender'
              ? others.length > 1
                ? others
                : [...others, 'z'].sort()
              : [...locked, 'zz-not-a-peer-id'].sort();
    return {
      bytes: ElectionFrame.encode({
        ...ElectionFrame.decode(encodeHelloFrame({ cluster: 'jobs', from: FROM, to: TO, configuration })),
        locked: bad,
      }),
      expect: 'invalid',
    };
  });
const misplacedLock = fc.tuple(electionMessage, lockedSet).map(
  ([message, locked]): FuzzFrame => ({
    bytes: ElectionFrame.encode({ ...ElectionFrame.decode(encodeElectionMessage(message)), locked }),
    expect: 'invalid',
  }),
);
/** A BATCH whose entries are not election messages without an envelope, or that is empty. */
const badBatch = fc
  .tuple(
    fc.array(electionMessage, { minLength: 1, maxLength: 3 }),
    fc.constantFrom('envelope', 'hello', 'nested', 'empty', 'garbage'),
  )
  .map(([messages, flaw]): FuzzFrame => {
    const entries = messages.map((message) => {
      const frame = ElectionFrame.decode(encodeElectionMessage(message));
      return ElectionFrame.encode({ ...frame, cluster: '', from: '', to: '' });
    });
    const bad =
      flaw === 'envelope'
        ? [...entries, encodeElectionMessage(messages[0] as ElectionMessage)]
        : flaw === 'hello'
          ? [...entries, ElectionFrame.encode({ kind: ElectionFrame.Kind.HELLO })]
          : flaw === 'nested'
            ? [...entries, ElectionFrame.encode({ kind: ElectionFrame.Kind.BATCH, batch: entries })]
            : flaw === 'empty'
              ? []
              : [...entries, new Uint8Array([0xff, 0xff])];
    return {
      bytes: ElectionFrame.encode({
        kind: ElectionFrame.Kind.BATCH,
        cluster: 'jobs',
        from: FROM,
        to: TO,
        batch: bad as Uint8Array<ArrayBuffer>[],
      }),
      expect: 'invalid',
    };
  });
const unknownType = fc
  .tuple(wellFormed, fc.integer({ min: 13, max: 2 ** 31 - 1 }))
  .map(([frame, kind]): FuzzFrame => {
    const tag = [0x08];
    let k = kind;
    while (k >= 0x80) {
      tag.push((k & 0x7f) | 0x80);
      k >>>= 7;
    }
    tag.push(k);
    return { bytes: new Uint8Array([...frame.bytes, ...tag]), expect: 'invalid' };
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
/** Byte edits of a well-formed frame: they land in the new fields too (a HELLO is mostly envelope and them). */
const mutated = fc
  .tuple(
    wellFormed,
    fc.array(
      fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'insert', 'delete')),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([frame, edits]): FuzzFrame => {
    const bytes = [...frame.bytes];
    for (const [position, value, edit] of edits) {
      const at = bytes.length === 0 ? 0 : position % bytes.length;
      if (edit === 'flip') bytes[at] = value;
      else if (edit === 'insert') bytes.splice(at, 0, value);
      else bytes.splice(at, 1);
    }
    return { bytes: new Uint8Array(bytes), expect: 'either' };
  });
const truncated = fc.tuple(wellFormed, fc.nat()).map(([frame, cut]): FuzzFrame => {
  const { bytes } = frame;
  return { bytes: bytes.subarray(0, cut % Math.max(bytes.length, 1)), expect: 'either' };
});

const anyFrame = fc.oneof(
  valid,
  valid,
  wrongField,
  misplacedConfiguration,
  badLock,
  misplacedLock,
  badBatch,
  unknownType,
  missingType,
  garbage,
  oversized,
  mutated,
  mutated,
  truncated,
);

/**
 * Checks `property` in batches of 1000 runs (each batch from a new seed) until `frames` more frames went
 * through, so the count does not depend on the size of the arrays fast-check draws.
 */
/** JSON with every object's keys sorted: two outcomes are the same whatever order their fields were set in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, field) =>
    field !== null && typeof field === 'object' && !Array.isArray(field) && !ArrayBuffer.isView(field)
      ? Object.fromEntries(Object.entries(field).sort(([a], [b]) => (a < b ? -1 : 1)))
      : field,
  );
}

function assertUntil(frames: number, property: fc.IProperty<unknown>): void {
  const goal = totals.frames + frames;
  while (totals.frames < goal) fc.assert(property, { numRuns: 1000 });
}

/** Feeds `stream` to the inbound path in the given chunk sizes. */
function runInbound(stream: Uint8Array, chunkSizes: readonly number[]) {
  const harness = inboundHarness(harnessOptions);
  let offset = 0;
  let i = 0;
  while (offset < stream.length) {
    const size = Math.max(1, chunkSizes[i++ % chunkSizes.length] ?? stream.length);
    harness.push(stream.subarray(offset, offset + size));
    offset += size;
  }
  const { outcomes } = harness;
  const stats = harness.stats();
  const countedDrops = Object.values(stats.dropped).reduce((sum, n) => sum + n, 0);
  const drops = outcomes.filter((outcome) => outcome.kind === 'dropped').length;
  if (countedDrops !== drops) throw new Error(`${drops} frames dropped, ${countedDrops} counted`);
  tally(outcomes);
  totals.streamsClosed += harness.aborted;
  return { outcomes, aborted: harness.aborted };
}

function check(run: () => void): void {
  try {
    run();
  } catch (error) {
    totals.failures++;
    throw error;
  }
}

describe('fuzz: inbound frames', () => {
  it('every well-framed frame is delivered or counted as dropped, and the stream goes on', () => {
    assertUntil(
      TARGET_FRAMES * 0.8,
      fc.property(
        fc.array(anyFrame, { minLength: 10, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }),
        (frames, chunkSizes) =>
          check(() => {
            totals.frames += frames.length;
            const stream = new Uint8Array(frames.flatMap((frame) => [...lengthPrefixed(frame.bytes)]));
            const { outcomes, aborted } = runInbound(stream, chunkSizes);
            if (aborted !== 0) throw new Error('a well-framed stream was declared unreadable');
            if (outcomes.length !== frames.length) {
              throw new Error(`${frames.length} frames in, ${outcomes.length} delivered or dropped`);
            }
            frames.forEach((frame, index) => {
              const outcome = outcomes[index];
              if (frame.expect === 'valid' && canonical(outcome) !== canonical(frame.outcome)) {
                throw new Error(
                  `valid frame ${index} came out as ${JSON.stringify(outcome)}, not ${JSON.stringify(frame.outcome)}`,
                );
              }
              if (frame.expect === 'invalid' && outcome?.kind !== 'dropped') {
                throw new Error(`invalid frame ${index} came out as ${JSON.stringify(outcome)}`);
              }
            });
          }),
      ),
    );
  });

  it('raw random byte streams never throw; the stream is closed at most once', () => {
    assertUntil(
      TARGET_FRAMES * 0.2,
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 4096 }),
        fc.array(fc.integer({ min: 1, max: 512 }), { minLength: 1, maxLength: 8 }),
        (stream, chunkSizes) =>
          check(() => {
            const { outcomes, aborted } = runInbound(stream, chunkSizes);
            totals.frames += outcomes.length + aborted;
            if (aborted > 1) throw new Error('the stream was closed twice');
            if (outcomes.length > stream.length) throw new Error('more frames than bytes');
          }),
      ),
    );
  });

  it(`ran at least ${Math.min(TARGET_FRAMES, 100_000)} frames, HELLOs with configurations and locks among them`, () => {
    expect(totals.frames).toBeGreaterThanOrEqual(Math.min(TARGET_FRAMES, 100_000));
    expect(totals.delivered.hello).toBeGreaterThan(0);
    expect(totals.locked).toBeGreaterThan(0);
    expect(totals.dropped.invalid ?? 0).toBeGreaterThan(0);
  });
});
