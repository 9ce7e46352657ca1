import type { ElectionMessage, NodeId } from '../machine/types.js';
import type { Transport, TransportHandlers } from '../transport/types.js';

/**
 * The matchers the compliance suite uses; vitest's and jest's `expect` fit.
 *
 * @example
 * ```ts
 * import { expect } from 'vitest';
 * import type { ComplianceMatchers } from '@baton/core/testing';
 * const matchers: ComplianceMatchers = expect(1);
 * ```
 */
export interface ComplianceMatchers {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
}

/**
 * The parts of a test framework the compliance suite needs, passed in by the caller.
 *
 * @example
 * ```ts
 * import { afterEach, beforeEach, describe, expect, it } from 'vitest';
 * import type { ComplianceTestApi } from '@baton/core/testing';
 * const api: ComplianceTestApi = { describe, it, expect, beforeEach, afterEach };
 * ```
 */
export interface ComplianceTestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>, timeout?: number): void;
  expect(actual: unknown): ComplianceMatchers;
  beforeEach(body: () => Promise<void> | void): void;
  afterEach(body: () => Promise<void> | void): void;
}

/**
 * How the suite gets transports to test.
 *
 * @example
 * ```ts
 * import { MemoryNetwork, type TransportHarness } from '@baton/core/testing';
 * const harness: TransportHarness = {
 *   async create(count) {
 *     const network = new MemoryNetwork();
 *     return Array.from({ length: count }, (_, i) => network.transport(`n${i}`));
 *   },
 * };
 * ```
 */
export interface TransportHarness {
  /** A name for the `describe` block. */
  readonly name?: string;
  /** `count` new, unstarted transports that can reach each other once started (one cluster). */
  create(count: number): Promise<Transport[]>;
  /** Releases what `create` made (the suite has already stopped the transports). */
  teardown?(): Promise<void>;
  /** How long to wait for something that must happen (a delivery, a connection). @default 5000 */
  timeout?: number;
  /**
   * How long to wait, after a later message on another link arrived, before concluding that something that
   * must not happen did not. @default 50
   */
  settleDelay?: number;
}

/** Everything a transport reported to one node, in order. */
class Recorder implements TransportHandlers {
  readonly log: string[] = [];
  readonly messages: ElectionMessage[] = [];
  readonly broadcasts: { from: NodeId; payload: Uint8Array }[] = [];
  readonly connected: NodeId[] = [];
  readonly disconnected: NodeId[] = [];
  /** Calls received after `stop()` resolved: must stay 0. */
  callsAfterStop = 0;
  stopped = false;

  onMessage(message: ElectionMessage): void {
    this.note(`message:${message.from}`);
    this.messages.push(message);
  }
  onBroadcast(from: NodeId, payload: Uint8Array): void {
    this.note(`broadcast:${from}`);
    this.broadcasts.push({ from, payload: new Uint8Array(payload) });
  }
  onPeerConnected(peer: NodeId): void {
    this.note(`connected:${peer}`);
    this.connected.push(peer);
  }
  onPeerDisconnected(peer: NodeId): void {
    this.note(`disconnected:${peer}`);
    this.disconnected.push(peer);
  }
  private note(entry: string): void {
    if (this.stopped) this.callsAfterStop += 1;
    this.log.push(entry);
  }
}

/**
 * The compliance suite of the {@link Transport} contract. Every transport runs it, with the test framework
 * of its package and a harness that makes transports.
 *
 * What it checks: `start()` and `stop()` are idempotent; each peer is reported connected once, before any
 * of its messages; a message reaches its addressee only, intact, for every message type; `broadcast` reaches
 * every connected peer (or only `to`), never the sender; sending to an unknown peer or before start does not
 * throw; a stopped transport reports the peer gone to the others, receives nothing and calls no handler.
 *
 * @example
 * ```ts
 * // test/transport.compliance.test.ts
 * import { afterEach, beforeEach, describe, expect, it } from 'vitest';
 * import { MemoryNetwork, transportComplianceTests } from '@baton/core/testing';
 *
 * transportComplianceTests({ describe, it, expect, beforeEach, afterEach }, {
 *   name: 'MemoryTransport',
 *   async create(count) {
 *     const network = new MemoryNetwork();
 *     return Array.from({ length: count }, (_, i) => network.transport(`node-${i}`));
 *   },
 * });
 * ```
 */
export function transportComplianceTests(api: ComplianceTestApi, harness: TransportHarness): void {
  const { describe, it, expect, beforeEach, afterEach } = api;
  const timeout = harness.timeout ?? 5_000;
  const settleDelay = harness.settleDelay ?? 50;
  const testTimeout = timeout * 4;
  let created: Transport[] = [];

  const waitFor = async (condition: () => boolean, what: string): Promise<void> => {
    const deadline = performance.now() + timeout;
    while (!condition()) {
      if (performance.now() > deadline)
        throw new Error(`transport compliance: timed out waiting for ${what}`);
      await sleep(5);
    }
  };

  /** Transports started, each peer connected to every other. */
  const cluster = async (count: number) => {
    const transports = await harness.create(count);
    created.push(...transports);
    const recorders = transports.map(() => new Recorder());
    await Promise.all(transports.map((transport, i) => transport.start(recorders[i]!)));
    const ids = transports.map((transport) => transport.localId);
    await waitFor(
      () => transports.every((t, i) => ids.every((id, j) => i === j || t.peers().includes(id))),
      'every transport to list every other as a peer',
    );
    await waitFor(
      () => recorders.every((r, i) => ids.every((id, j) => i === j || r.connected.includes(id))),
      'every peer to be reported connected',
    );
    return { transports, recorders, ids };
  };

  /** Waits until a marker sent after the traffic under test reached `via`, then `settleDelay` more. */
  const barrier = async (from: Transport, via: { transport: Transport; recorder: Recorder }, tag: number) => {
    const marker = heartbeat(from.localId, via.transport.localId, 1_000_000 + tag);
    from.send(marker);
    await waitFor(() => via.recorder.messages.some((m) => m.term === marker.term), 'a marker message');
    await sleep(settleDelay);
  };

  describe(`transport compliance${harness.name ? `: ${harness.name}` : ''}`, () => {
    beforeEach(() => {
      created = [];
    });
    afterEach(async () => {
      await Promise.all(created.map((transport) => transport.stop().catch(() => undefined)));
      await harness.teardown?.();
    });

    it(
      'start() is idempotent and each peer is reported connected once',
      async () => {
        const { transports, recorders, ids } = await cluster(3);
        await Promise.all(transports.map((transport, i) => transport.start(recorders[i]!)));
        await sleep(settleDelay);
        expect(new Set(ids).size).toBe(3);
        for (const [i, recorder] of recorders.entries()) {
          expect([...recorder.connected].sort()).toEqual(ids.filter((_, j) => j !== i).sort());
          expect([...transports[i]!.peers()].sort()).toEqual(ids.filter((_, j) => j !== i).sort());
        }
      },
      testTimeout,
    );

    it(
      'a message reaches its addressee only, intact, for every message type',
      async () => {
        const { transports, recorders, ids } = await cluster(3);
        const [a, b] = transports as [Transport, Transport, Transport];
        const sent = everyMessageType(ids[0]!, ids[1]!);
        for (const message of sent) a.send(message);
        await waitFor(() => recorders[1]!.messages.length >= sent.length, 'every message to arrive');
        await barrier(b, { transport: transports[2]!, recorder: recorders[2]! }, 1);
        expect(sortMessages(recorders[1]!.messages)).toEqual(sortMessages(sent));
        expect(recorders[0]!.messages.length).toBe(0);
        expect(recorders[2]!.messages.filter((m) => m.from === ids[0]).length).toBe(0);
      },
      testTimeout,
    );

    it(
      'flush(), where the transport has it, never throws and loses nothing: what was sent before it arrives once',
      async () => {
        const { transports, recorders, ids } = await cluster(2);
        const [a, b] = transports as [Transport, Transport];
        const sent = [1, 2, 3].map((round) => heartbeat(ids[0]!, ids[1]!, round));
        for (const message of sent) a.send(message);
        a.flush?.();
        a.flush?.(); // nothing queued
        await waitFor(() => recorders[1]!.messages.length >= sent.length, 'every message to arrive');
        await barrier(a, { transport: b, recorder: recorders[1]! }, 3);
        expect(sortMessages(recorders[1]!.messages.filter((m) => m.term < 1_000_000))).toEqual(
          sortMessages(sent),
        );
      },
      testTimeout,
    );

    it(
      'a peer is reported connected before any of its messages',
      async () => {
        const { transports, recorders, ids } = await cluster(2);
        transports[0]!.send(heartbeat(ids[0]!, ids[1]!, 1));
        await waitFor(() => recorders[1]!.messages.length > 0, 'the message');
        const log = recorders[1]!.log;
        expect(log.indexOf(`connected:${ids[0]}`) < log.indexOf(`message:${ids[0]}`)).toBe(true);
      },
      testTimeout,
    );

    it(
      'broadcast reaches every connected peer, not the sender',
      async () => {
        const { transports, recorders, ids } = await cluster(3);
        const payload = new TextEncoder().encode('{"hello":"cluster"}');
        transports[0]!.broadcast(payload);
        await waitFor(
          () => recorders[1]!.broadcasts.length > 0 && recorders[2]!.broadcasts.length > 0,
          'broadcasts',
        );
        await barrier(transports[1]!, { transport: transports[0]!, recorder: recorders[0]! }, 2);
        for (const recorder of [recorders[1]!, recorders[2]!]) {
          expect(recorder.broadcasts.length).toBe(1);
          expect(recorder.broadcasts[0]!.from).toBe(ids[0]);
          expect([...recorder.broadcasts[0]!.payload]).toEqual([...payload]);
        }
        expect(recorders[0]!.broadcasts.length).toBe(0);
      },
      testTimeout,
    );

    it(
      'broadcast with `to` reaches only the listed peers',
      async () => {
        const { transports, recorders, ids } = await cluster(3);
        transports[0]!.broadcast(new Uint8Array([1, 2, 3]), { to: [ids[2]!] });
        await waitFor(() => recorders[2]!.broadcasts.length > 0, 'the broadcast to the listed peer');
        await barrier(transports[0]!, { transport: transports[1]!, recorder: recorders[1]! }, 3);
        expect(recorders[1]!.broadcasts.length).toBe(0);
        expect([...recorders[2]!.broadcasts[0]!.payload]).toEqual([1, 2, 3]);
      },
      testTimeout,
    );

    it(
      'sending to an unknown peer, or before start, does not throw',
      async () => {
        const [idle] = await harness.create(1);
        created.push(idle!);
        let threw: unknown = null;
        try {
          idle!.send(heartbeat('nobody-a', 'nobody-b', 1));
          idle!.broadcast(new Uint8Array([1]));
        } catch (error) {
          threw = error;
        }
        expect(threw).toBe(null);
        const { transports, ids } = await cluster(2);
        try {
          transports[0]!.send(heartbeat(ids[0]!, 'no-such-peer', 1));
          transports[0]!.broadcast(new Uint8Array([1]), { to: ['no-such-peer'] });
        } catch (error) {
          threw = error;
        }
        expect(threw).toBe(null);
      },
      testTimeout,
    );

    it(
      'stop() is idempotent, tells the others, and nothing reaches a stopped transport',
      async () => {
        const { transports, recorders, ids } = await cluster(3);
        const [a, b, c] = transports as [Transport, Transport, Transport];
        await Promise.all([b.stop(), b.stop()]);
        await b.stop();
        recorders[1]!.stopped = true;
        await waitFor(
          () => recorders[0]!.disconnected.includes(ids[1]!) && recorders[2]!.disconnected.includes(ids[1]!),
          'the others to see the stopped peer disconnect',
        );
        await waitFor(
          () => !a.peers().includes(ids[1]!) && !c.peers().includes(ids[1]!),
          'peers() to drop it',
        );
        a.send(heartbeat(ids[0]!, ids[1]!, 5));
        a.broadcast(new Uint8Array([9]));
        b.send(heartbeat(ids[1]!, ids[0]!, 6));
        await barrier(a, { transport: c, recorder: recorders[2]! }, 4);
        expect(recorders[1]!.callsAfterStop).toBe(0);
        expect(recorders[0]!.messages.filter((m) => m.from === ids[1]).length).toBe(0);
        expect([...b.peers()]).toEqual([]);
      },
      testTimeout,
    );

    it(
      'stop() before start() is harmless',
      async () => {
        const [idle] = await harness.create(1);
        created.push(idle!);
        await idle!.stop();
        await idle!.stop();
        expect(true).toBe(true);
      },
      testTimeout,
    );
  });
}

const CLUSTER = 'compliance';

function heartbeat(from: NodeId, to: NodeId, term: number): ElectionMessage {
  return {
    type: 'heartbeat',
    cluster: CLUSTER,
    from,
    to,
    term,
    round: 1,
    configuration: { term: 0, version: 1 },
  };
}

function everyMessageType(from: NodeId, to: NodeId): ElectionMessage[] {
  const envelope = { cluster: CLUSTER, from, to };
  return [
    { ...envelope, type: 'pre-vote', term: 2, configuration: { term: 1, version: 1 } },
    { ...envelope, type: 'pre-vote-response', term: 3, granted: true },
    { ...envelope, type: 'vote', term: 4, configuration: { term: 3, version: 2 }, transfer: false },
    { ...envelope, type: 'vote-response', term: 5, granted: false },
    {
      ...envelope,
      type: 'heartbeat',
      term: 6,
      round: 7,
      configuration: { term: 6, version: 3, voters: [from, to] },
    },
    { ...envelope, type: 'heartbeat', term: 7, round: 8, configuration: { term: 6, version: 3 } },
    {
      ...envelope,
      type: 'heartbeat-response',
      term: 8,
      round: 7,
      ok: true,
      configuration: { term: 6, version: 3 },
      leaving: true,
      steady: 1_250,
    },
    { ...envelope, type: 'timeout-now', term: 9 },
  ];
}

function sortMessages(messages: readonly ElectionMessage[]): ElectionMessage[] {
  return [...messages].sort((x, y) => x.term - y.term);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
