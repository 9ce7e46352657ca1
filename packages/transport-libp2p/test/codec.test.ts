import { ELECTION_MESSAGE_TYPES, type ElectionMessage } from '@baton/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  encodeBatchFrames,
  encodeBroadcastFrame,
  encodeElectionMessage,
  encodeHelloFrame,
  encodePeersFrame,
} from '../src/codec.js';
import { FrameReader, lengthPrefixed } from '../src/framing.js';
import { decodeGossip, encodeGossipBroadcast, encodeLeaderAnnouncement } from '../src/gossip-codec.js';
import { ElectionFrame } from '../src/protocol/frames.js';
import { configurationId, electionMessage, lockedSet, PEER_IDS } from './arbitraries.js';

const context = { clusterId: 'jobs', localId: 'b', remoteId: 'a' };

/** The messages the frames decode to, in order (a plain election frame is one, a BATCH several). */
function decodeAll(frames: readonly Uint8Array[]): ElectionMessage[] {
  return frames.flatMap((bytes) => {
    const verdict = decodeFrame(bytes, context);
    if (verdict.kind === 'election') return [verdict.message];
    if (verdict.kind === 'batch') return [...verdict.messages];
    throw new Error(`a frame came out as ${JSON.stringify(verdict)}`);
  });
}

describe("a group's placement fields", () => {
  it('asked only on an acknowledgement of a group, preferred only with asked; both round-trip', () => {
    const ack = {
      kind: ElectionFrame.Kind.HEARTBEAT_RESPONSE,
      cluster: 'jobs',
      from: 'a',
      to: 'b',
      term: 4,
      round: 2,
      ok: true,
      group: 'billing',
    };
    const verdict = decodeFrame(ElectionFrame.encode({ ...ack, asked: true, preferred: true }), context);
    expect(verdict).toMatchObject({ kind: 'election', message: { asked: true, preferred: true } });
    expect(decodeFrame(ElectionFrame.encode({ ...ack, preferred: true }), context)).toMatchObject({
      kind: 'dropped',
      detail: 'preferred travels only with asked',
    });
    expect(decodeFrame(ElectionFrame.encode({ ...ack, group: '', asked: true }), context)).toMatchObject({
      kind: 'dropped',
      detail: 'asked travels only on a heartbeat response of a group',
    });
  });
});

describe('a quiet heartbeat', () => {
  it('round-trips quiet, and a frame of another kind that says quiet is dropped', () => {
    const configuration = { term: 1, version: 1 };
    const heartbeat: ElectionMessage = {
      type: 'heartbeat',
      cluster: 'jobs',
      from: 'a',
      to: 'b',
      term: 3,
      round: 7,
      configuration,
      quiet: true,
    };
    expect(decodeFrame(encodeElectionMessage(heartbeat), context)).toEqual({
      kind: 'election',
      message: heartbeat,
    });
    const { quiet: _, ...asked } = heartbeat;
    expect(decodeFrame(encodeElectionMessage(asked), context)).toEqual({ kind: 'election', message: asked });
    const ack = { kind: ElectionFrame.Kind.HEARTBEAT_RESPONSE, cluster: 'jobs', from: 'a', to: 'b', term: 3 };
    expect(
      decodeFrame(ElectionFrame.encode({ ...ack, round: 7, ok: true, quiet: true }), context),
    ).toMatchObject({
      kind: 'dropped',
      reason: 'invalid',
      detail: 'quiet travels only on a heartbeat',
    });
  });
});

describe('BATCH frames', () => {
  it('round-trip any election messages, in order, in frames no larger than asked', () => {
    fc.assert(
      fc.property(
        fc.array(electionMessage, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 64, max: 4096 }),
        (messages, maxBytes) => {
          const frames = encodeBatchFrames(messages, maxBytes);
          expect(decodeAll(frames)).toEqual(messages);
          for (const frame of frames) {
            const kind = ElectionFrame.decode(frame).kind;
            // A frame over the limit holds one message too large on its own, as a plain frame.
            if (frame.length > maxBytes) expect(kind).not.toBe(ElectionFrame.Kind.BATCH);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('carry a hundred heartbeats of groups in one frame of a few kilobytes, one envelope for all', () => {
    const configuration = { term: 4, version: 2 };
    const heartbeats: ElectionMessage[] = Array.from({ length: 100 }, (_, i) => ({
      type: 'heartbeat',
      cluster: 'jobs',
      from: 'a',
      to: 'b',
      term: 1000 + i,
      round: 5000 + i,
      configuration,
      group: `job-${i}`,
    }));
    const frames = encodeBatchFrames(heartbeats, 16_384);
    expect(frames).toHaveLength(1);
    const one = heartbeats.reduce((sum, message) => sum + encodeElectionMessage(message).length, 0);
    expect((frames[0] as Uint8Array).length).toBeLessThan(one);
    expect(decodeAll(frames)).toEqual(heartbeats);
  });

  it('are plain election frames for a single message (what an older receiver reads too)', () => {
    const message: ElectionMessage = { type: 'timeout-now', cluster: 'jobs', from: 'a', to: 'b', term: 2 };
    expect(encodeBatchFrames([message], 16_384)).toEqual([encodeElectionMessage(message)]);
    expect(encodeBatchFrames([], 16_384)).toEqual([]);
  });

  it('refuse messages of different envelopes (a caller bug)', () => {
    const message: ElectionMessage = { type: 'timeout-now', cluster: 'jobs', from: 'a', to: 'b', term: 2 };
    expect(() => encodeBatchFrames([message, { ...message, to: 'c' }], 16_384)).toThrow(RangeError);
  });

  it('are dropped whole, naming the entry, when one entry is bad; batch fields elsewhere are dropped', () => {
    const good = ElectionFrame.encode({ kind: ElectionFrame.Kind.TIMEOUT_NOW, term: 3 });
    const batch = (entries: Uint8Array[]) =>
      ElectionFrame.encode({
        kind: ElectionFrame.Kind.BATCH,
        cluster: 'jobs',
        from: 'a',
        to: 'b',
        batch: entries as Uint8Array<ArrayBuffer>[],
      });
    const timeoutNow = { type: 'timeout-now', cluster: 'jobs', from: 'a', to: 'b', term: 3 };
    expect(decodeFrame(batch([good, good]), context)).toEqual({
      kind: 'batch',
      messages: [timeoutNow, timeoutNow],
    });
    const cases: [Uint8Array[], string][] = [
      [[], 'a batch holds 1 to 4096 messages, not 0'],
      [
        [good, encodeElectionMessage(timeoutNow as ElectionMessage)],
        'batch entry 1 carries an envelope of its own',
      ],
      [
        [ElectionFrame.encode({ kind: ElectionFrame.Kind.HELLO })],
        'batch entry 0 is not an election message',
      ],
      [
        [ElectionFrame.encode({ kind: ElectionFrame.Kind.BATCH, batch: [good] })],
        'batch entry 0 is not an election message',
      ],
      [
        [good, ElectionFrame.encode({ kind: ElectionFrame.Kind.HEARTBEAT, group: 'default' })],
        'batch entry 1: group "default" is not a group name',
      ],
      [[new Uint8Array([0xff, 0xff])], 'batch entry 0: frame does not decode'],
    ];
    for (const [entries, detail] of cases) {
      const verdict = decodeFrame(batch(entries), context);
      expect(verdict).toMatchObject({ kind: 'dropped', reason: 'invalid' });
      expect(verdict.kind === 'dropped' && verdict.detail).toContain(detail);
    }
    // The batch's envelope is checked as any frame's.
    expect(
      decodeFrame(ElectionFrame.encode({ ...ElectionFrame.decode(batch([good])), from: 'c' }), context),
    ).toMatchObject({ kind: 'dropped', reason: 'invalid' });
    expect(
      decodeFrame(ElectionFrame.encode({ ...ElectionFrame.decode(batch([good])), to: 'c' }), context),
    ).toMatchObject({ kind: 'dropped', reason: 'misaddressed' });
    // Entries on another kind, and the capability anywhere but on a HELLO.
    const onHeartbeat = ElectionFrame.encode({
      kind: ElectionFrame.Kind.HEARTBEAT,
      cluster: 'jobs',
      from: 'a',
      to: 'b',
      batch: [good],
    });
    expect(decodeFrame(onHeartbeat, context)).toMatchObject({
      kind: 'dropped',
      detail: 'batch entries travel only on a BATCH frame',
    });
    const flagged = ElectionFrame.encode({
      kind: ElectionFrame.Kind.TIMEOUT_NOW,
      cluster: 'jobs',
      from: 'a',
      to: 'b',
      batches: true,
    });
    expect(decodeFrame(flagged, context)).toMatchObject({
      kind: 'dropped',
      detail: 'batches travels only on a HELLO',
    });
  });
});

describe('election frame codec', () => {
  it('round-trips every message type with any field values', () => {
    fc.assert(
      fc.property(electionMessage, (message) => {
        const verdict = decodeFrame(encodeElectionMessage(message), context);
        expect(verdict).toEqual({ kind: 'election', message });
      }),
      { numRuns: 2000 },
    );
  });

  it('covers every message type of the state machine', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(electionMessage, (message) => {
        seen.add(message.type);
      }),
      { numRuns: 500 },
    );
    expect([...seen].sort()).toEqual([...ELECTION_MESSAGE_TYPES].sort());
  });

  it('round-trips a direct broadcast', () => {
    const payload = new TextEncoder().encode('{"job":"reindex"}');
    const verdict = decodeFrame(
      encodeBroadcastFrame({ cluster: 'jobs', from: 'a', to: 'b', payload, seq: 42 }),
      context,
    );
    expect(verdict).toEqual({ kind: 'broadcast', from: 'a', payload, seq: 42 });
  });

  it('round-trips the configuration a HELLO says its sender holds; a HELLO without one says version 0', () => {
    fc.assert(
      fc.property(configurationId, (configuration) => {
        const verdict = decodeFrame(
          encodeHelloFrame({ cluster: 'jobs', from: 'a', to: 'b', configuration }),
          context,
        );
        expect(verdict).toEqual({ kind: 'hello', from: 'a', configuration, groups: true, batches: true });
      }),
      { numRuns: 500 },
    );
    const bare = ElectionFrame.encode({
      kind: ElectionFrame.Kind.HELLO,
      cluster: 'jobs',
      from: 'a',
      to: 'b',
    });
    expect(decodeFrame(bare, context)).toEqual({
      kind: 'hello',
      from: 'a',
      configuration: { term: 0, version: 0 },
      groups: false, // an older sender: no election group goes to it
      batches: false, // nor a BATCH frame
    });
  });

  it('round-trips the set a HELLO says its sender locked for the formation', () => {
    fc.assert(
      fc.property(configurationId, lockedSet, (configuration, locked) => {
        const verdict = decodeFrame(
          encodeHelloFrame({ cluster: 'jobs', from: 'a', to: 'b', configuration, locked }),
          context,
        );
        expect(verdict).toEqual({
          kind: 'hello',
          from: 'a',
          configuration,
          locked,
          groups: true,
          batches: true,
        });
      }),
      { numRuns: 300 },
    );
  });

  it('drops a locked set that is not 2 to 1001 sorted, distinct peer ids naming the sender, or not on a HELLO', () => {
    const [p, q] = PEER_IDS;
    const hello = (locked: string[]) =>
      ElectionFrame.encode({ kind: ElectionFrame.Kind.HELLO, cluster: 'jobs', from: 'a', to: 'b', locked });
    const cases: [string[], RegExp][] = [
      [['a'], /must have 2 to 1001 members, not 1/],
      [['a', p, q].reverse(), /sorted, distinct/],
      [[p, p, 'a'], /sorted, distinct/],
      [[p, q], /must name its sender/],
      [[p, 'a', 'zz'], /"zz", not a peer id/],
      [[p, 'a', 'b'], /"b", not a peer id/],
    ];
    for (const [locked, reason] of cases) {
      const verdict = decodeFrame(hello(locked), context);
      expect(verdict).toMatchObject({ kind: 'dropped', reason: 'invalid' });
      if (verdict.kind === 'dropped') expect(verdict.detail).toMatch(reason);
    }
    // More than 1001 (the largest expect, and one more for a refusal): the decoder refuses it.
    const tooMany = Array.from({ length: 1002 }, (_, i) => `${String(i).padStart(4, '0')}`);
    expect(decodeFrame(hello(tooMany), context)).toMatchObject({ kind: 'dropped', reason: 'invalid' });
    const heartbeat = ElectionFrame.decode(
      encodeElectionMessage({
        type: 'heartbeat',
        cluster: 'jobs',
        from: 'a',
        to: 'b',
        term: 1,
        round: 1,
        configuration: { term: 1, version: 1 },
      }),
    );
    const misplaced = decodeFrame(ElectionFrame.encode({ ...heartbeat, locked: ['a', p] }), context);
    expect(misplaced).toMatchObject({ kind: 'dropped', reason: 'invalid' });
  });

  it('drops a held configuration on anything but a HELLO, and one beyond 2^53', () => {
    const envelope = { cluster: 'jobs', from: 'a', to: 'b', configuration: { term: 1, version: 1 } };
    for (const kind of [ElectionFrame.Kind.HEARTBEAT, ElectionFrame.Kind.LEAVE, ElectionFrame.Kind.PEERS]) {
      expect(decodeFrame(ElectionFrame.encode({ ...envelope, kind }), context)).toMatchObject({
        kind: 'dropped',
        reason: 'invalid',
      });
    }
    const hello = ElectionFrame.encode({
      kind: ElectionFrame.Kind.HELLO,
      cluster: 'jobs',
      from: 'a',
      to: 'b',
    });
    // configuration (field 17, 12 bytes) = { term: 2^63 - 1, version: 1 }
    const inner = [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x10, 0x01];
    const huge = new Uint8Array([...hello, 0x8a, 0x01, inner.length, ...inner]);
    expect(decodeFrame(huge, context)).toMatchObject({ kind: 'dropped', reason: 'invalid' });
  });

  it('round-trips a PEERS frame and caps it at 64 peers of 16 addresses', () => {
    const peers = Array.from({ length: 70 }, (_, i) => ({
      id: `peer-${i}`,
      addrs: Array.from({ length: 20 }, (_, j) => new Uint8Array([i, j])),
    }));
    const verdict = decodeFrame(encodePeersFrame({ cluster: 'jobs', from: 'a', to: 'b', peers }), context);
    expect(verdict.kind).toBe('peers');
    if (verdict.kind !== 'peers') return;
    expect(verdict.peers.length).toBe(64);
    expect(verdict.peers[3]!.id).toBe('peer-3');
    expect(verdict.peers[3]!.addrs.length).toBe(16);
    expect([...verdict.peers[3]!.addrs[5]!]).toEqual([3, 5]);
  });

  it('drops a configuration whose voters repeat an id, or voters sent on anything but a heartbeat', () => {
    const base = {
      kind: ElectionFrame.Kind.HEARTBEAT,
      cluster: 'jobs',
      from: 'a',
      to: 'b',
      term: 3,
      round: 1,
    };
    const repeated = ElectionFrame.encode({
      ...base,
      configTerm: 3,
      configVersion: 2,
      voters: ['a', 'b', 'a'],
    });
    expect(decodeFrame(repeated, context)).toMatchObject({ kind: 'dropped', reason: 'invalid' });
    const onVote = ElectionFrame.encode({
      ...base,
      kind: ElectionFrame.Kind.VOTE,
      configVersion: 2,
      voters: ['a'],
    });
    expect(decodeFrame(onVote, context)).toMatchObject({ kind: 'dropped', reason: 'invalid' });
    const versionZero = ElectionFrame.encode({ ...base, configVersion: 0, voters: ['a'] });
    expect(decodeFrame(versionZero, context)).toMatchObject({ kind: 'dropped', reason: 'invalid' });
    // Delivered intact, in the order sent (the compliance suite of @baton/core asks it).
    const unsorted = ElectionFrame.encode({ ...base, configTerm: 3, configVersion: 2, voters: ['c', 'a'] });
    expect(decodeFrame(unsorted, context)).toMatchObject({
      kind: 'election',
      message: { configuration: { term: 3, version: 2, voters: ['c', 'a'] } },
    });
  });

  it("carries election groups: the group of any election message, a heartbeat's group term floor, an acknowledgement's highest group term", () => {
    const configuration = { term: 4, version: 2, voters: ['a', 'b', 'c'], groupTermFloor: 19 };
    const messages: ElectionMessage[] = [
      {
        type: 'vote',
        cluster: 'jobs',
        from: 'a',
        to: 'b',
        term: 20,
        configuration: { term: 4, version: 2 },
        transfer: false,
        group: 'billing',
      },
      { type: 'heartbeat', cluster: 'jobs', from: 'a', to: 'b', term: 5, round: 3, configuration },
      {
        type: 'heartbeat-response',
        cluster: 'jobs',
        from: 'a',
        to: 'b',
        term: 5,
        round: 3,
        ok: true,
        configuration: { term: 4, version: 2 },
        leaving: false,
        steady: 10,
        maxGroupTerm: 21,
      },
      { type: 'timeout-now', cluster: 'jobs', from: 'a', to: 'b', term: 20, group: 'reports.daily' },
    ];
    for (const message of messages) {
      expect(decodeFrame(encodeElectionMessage(message), context)).toEqual({ kind: 'election', message });
    }
  });

  it('drops a frame whose group is not a group name, is the default one, or rides on anything but an election message', () => {
    const frame = (fields: Partial<ElectionFrame>) =>
      ElectionFrame.encode({
        kind: ElectionFrame.Kind.TIMEOUT_NOW,
        cluster: 'jobs',
        from: 'a',
        to: 'b',
        term: 1,
        ...fields,
      });
    for (const group of ['Billing', 'default', '-x', 'a'.repeat(64)]) {
      expect(decodeFrame(frame({ group }), context)).toMatchObject({ kind: 'dropped', reason: 'invalid' });
    }
    expect(decodeFrame(frame({ kind: ElectionFrame.Kind.HELLO, group: 'billing' }), context)).toMatchObject({
      kind: 'dropped',
      detail: 'a group travels only on an election message',
    });
    expect(decodeFrame(frame({ groupTermFloor: 3 }), context)).toMatchObject({
      kind: 'dropped',
      reason: 'invalid',
    });
    expect(decodeFrame(frame({ maxGroupTerm: 3 }), context)).toMatchObject({
      kind: 'dropped',
      reason: 'invalid',
    });
  });

  it('drops a frame for another cluster', () => {
    const bytes = encodeElectionMessage({
      type: 'timeout-now',
      cluster: 'other',
      from: 'a',
      to: 'b',
      term: 1,
    });
    expect(decodeFrame(bytes, context)).toMatchObject({ kind: 'dropped', reason: 'wrong-cluster' });
  });

  it('drops a frame whose `from` is not the remote peer of the stream', () => {
    const bytes = encodeElectionMessage({
      type: 'timeout-now',
      cluster: 'jobs',
      from: 'mallory',
      to: 'b',
      term: 1,
    });
    expect(decodeFrame(bytes, context)).toMatchObject({ kind: 'dropped', reason: 'invalid' });
  });

  it('drops a frame addressed to another node', () => {
    const bytes = encodeElectionMessage({
      type: 'timeout-now',
      cluster: 'jobs',
      from: 'a',
      to: 'c',
      term: 1,
    });
    expect(decodeFrame(bytes, context)).toMatchObject({ kind: 'dropped', reason: 'misaddressed' });
  });

  it('drops unknown and missing message types', () => {
    const missing = ElectionFrame.encode({ cluster: 'jobs', from: 'a', to: 'b', term: 1 });
    expect(decodeFrame(missing, context)).toMatchObject({
      kind: 'dropped',
      reason: 'invalid',
      detail: 'unknown message type',
    });
    // field 1 (kind), varint 99: a type a newer version might send
    const unknown = new Uint8Array([...[0x08, 99], ...missing]);
    expect(decodeFrame(unknown, context)).toMatchObject({
      kind: 'dropped',
      reason: 'invalid',
      detail: 'unknown message type',
    });
  });

  it('drops bytes that do not decode, and numbers beyond 2^53', () => {
    expect(decodeFrame(new Uint8Array([0xff, 0xff, 0xff]), context)).toMatchObject({
      kind: 'dropped',
      reason: 'invalid',
    });
    const huge = ElectionFrame.encode({
      kind: ElectionFrame.Kind.HEARTBEAT,
      cluster: 'jobs',
      from: 'a',
      to: 'b',
    });
    // term (field 5) = 2^63 - 1
    const withHugeTerm = new Uint8Array([
      ...huge,
      0x28,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0x7f,
    ]);
    expect(decodeFrame(withHugeTerm, context)).toMatchObject({ kind: 'dropped', reason: 'invalid' });
  });
});

describe('gossip codec', () => {
  it('round-trips broadcasts and leader announcements', () => {
    const payload = new Uint8Array([1, 2, 3]);
    expect(
      decodeGossip(encodeGossipBroadcast('jobs', payload, 9), { clusterId: 'jobs', maxSize: 1024 }),
    ).toEqual({
      kind: 'broadcast',
      payload,
      seq: 9,
    });
    expect(decodeGossip(encodeLeaderAnnouncement('jobs', 4), { clusterId: 'jobs', maxSize: 1024 })).toEqual({
      kind: 'leader-announcement',
      term: 4,
    });
  });

  it('drops another cluster, oversized messages, garbage and term-less announcements', () => {
    const ctx = { clusterId: 'jobs', maxSize: 64 };
    expect(decodeGossip(encodeLeaderAnnouncement('other', 4), ctx)).toMatchObject({
      reason: 'wrong-cluster',
    });
    expect(decodeGossip(encodeGossipBroadcast('jobs', new Uint8Array(100), 1), ctx)).toMatchObject({
      reason: 'invalid',
    });
    expect(decodeGossip(new Uint8Array([0xff, 0xff]), ctx)).toMatchObject({ reason: 'invalid' });
    expect(decodeGossip(encodeLeaderAnnouncement('jobs', 0), ctx)).toMatchObject({ reason: 'invalid' });
  });
});

describe('FrameReader', () => {
  const collect = (reader: FrameReader, chunks: Uint8Array[]) => {
    const out = { frames: [] as number[][], oversized: [] as number[], unreadable: 0 };
    for (const chunk of chunks) {
      reader.push(chunk, {
        frame: (bytes) => out.frames.push([...bytes]),
        oversized: (length) => out.oversized.push(length),
        unreadable: () => out.unreadable++,
      });
    }
    return out;
  };

  it('reassembles frames split anywhere and skips oversized ones without losing the next', () => {
    const stream = new Uint8Array([
      ...lengthPrefixed(new Uint8Array([1, 2, 3])),
      ...lengthPrefixed(new Uint8Array(300).fill(7)),
      ...lengthPrefixed(new Uint8Array([])),
      ...lengthPrefixed(new Uint8Array([4])),
    ]);
    for (let split = 0; split <= stream.length; split++) {
      const out = collect(new FrameReader(256), [stream.subarray(0, split), stream.subarray(split)]);
      expect(out).toEqual({ frames: [[1, 2, 3], [], [4]], oversized: [300], unreadable: 0 });
    }
  });

  it('stops at a length prefix no real frame has, once', () => {
    const reader = new FrameReader(256);
    const out = collect(reader, [new Uint8Array(10).fill(0xff), lengthPrefixed(new Uint8Array([1]))]);
    expect(out).toEqual({ frames: [], oversized: [], unreadable: 1 });
    expect(reader.stopped).toBe(true);
  });

  it('encodes lengths as unsigned varints', () => {
    expect([...lengthPrefixed(new Uint8Array(300)).subarray(0, 2)]).toEqual([0xac, 0x02]);
    expect([...lengthPrefixed(new Uint8Array(127)).subarray(0, 1)]).toEqual([0x7f]);
  });
});
