import type { ElectionMessage, Transport, TransportHandlers } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { LeaseTracker } from '../src/leadership/lease-tracker.js';

// The tracker between a fake transport and a fake election, on a hand-driven clock (milliseconds, turned into
// the nanoseconds the records carry). What matters: the `lease` record of an acknowledgement is written
// before the election sees that acknowledgement, and is never earlier than the lease it can give.

const LEASE_MS = 900;
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const envelope = { cluster: 'c', from: 'a', to: 'b' } as const;
const heartbeat = (term: number, round: number, to = 'b'): ElectionMessage => ({
  ...envelope,
  to,
  type: 'heartbeat',
  term,
  round,
  configuration: { term, version: 1 },
});
const ack = (term: number, round: number, from = 'b', ok = true): ElectionMessage => ({
  ...envelope,
  from,
  to: 'a',
  type: 'heartbeat-response',
  term,
  round,
  ok,
  configuration: { term, version: 1 },
  leaving: false,
});

function cluster() {
  let nowMs = 0;
  let handlers: TransportHandlers | null = null;
  const seen: string[] = []; // records and deliveries, in the order they happened
  const inner: Transport = {
    localId: 'a',
    start: async (given) => {
      handlers = given;
    },
    stop: async () => {},
    send: () => {},
    broadcast: () => {},
    peers: () => ['b', 'c'],
  };
  const state = { leadingTerm: null as number | null, reportsTerm: null as number | null };
  const tracker = new LeaseTracker({ leaseDuration: LEASE_MS, now: () => ns(nowMs) });
  tracker.attach({
    leadingTerm: (group) => (group === undefined ? state.leadingTerm : state.reportsTerm),
    record: (group, term, until) =>
      seen.push(
        `lease ${group === undefined ? '' : `${group} `}term ${term} until ${Number(until / 1_000_000n)}`,
      ),
  });
  const transport = tracker.wrap(inner);
  const election: TransportHandlers = {
    onMessage: (message) =>
      seen.push(`election got ${message.type} ${message.term}/${'round' in message ? message.round : '-'}`),
    onMessages: (messages) => seen.push(`election got ${messages.length} messages`),
    onBroadcast: () => {},
    onPeerConnected: () => {},
    onPeerDisconnected: () => {},
  };
  return {
    state,
    seen,
    transport,
    at(ms: number) {
      nowMs = ms;
    },
    async start() {
      await transport.start(election);
    },
    deliver(message: ElectionMessage) {
      handlers?.onMessage(message);
    },
    deliverTogether(messages: ElectionMessage[]) {
      handlers?.onMessages?.(messages);
    },
  };
}

describe('LeaseTracker', () => {
  it('records sent(round) + lease before the acknowledgement that can extend the lease reaches the election', async () => {
    const c = cluster();
    await c.start();
    c.state.leadingTerm = 3;

    // Round 2 goes out at 1000 to both followers (the first send counts); b answers at 1004, c at 1006.
    c.at(1000);
    c.transport.send(heartbeat(3, 2, 'b'));
    c.at(1001);
    c.transport.send(heartbeat(3, 2, 'c'));
    c.at(1004);
    c.deliver(ack(3, 2, 'b'));
    c.at(1006);
    c.deliver(ack(3, 2, 'c')); // same round: nothing new to record

    // Round 3 at 1100; a late acknowledgement of round 2 arrives after round 3's.
    c.at(1100);
    c.transport.send(heartbeat(3, 3, 'b'));
    c.at(1102);
    c.deliver(ack(3, 3, 'b'));
    c.deliver(ack(3, 2, 'c'));

    expect(c.seen).toEqual([
      'lease term 3 until 1900',
      'election got heartbeat-response 3/2',
      'election got heartbeat-response 3/2',
      'lease term 3 until 2000',
      'election got heartbeat-response 3/3',
      'election got heartbeat-response 3/2',
    ]);
  });

  it('records nothing for refusals, for a term it does not lead, or once the lease is gone (a woken process)', async () => {
    const c = cluster();
    await c.start();
    c.at(1000);
    c.transport.send(heartbeat(5, 2));
    c.state.leadingTerm = 5;
    c.deliver(ack(6, 2, 'b', false)); // "there is a newer term"
    c.deliver(ack(4, 2)); // an acknowledgement of an older leadership
    c.state.leadingTerm = null; // frozen past the lease, then woken: isLeader() is false
    c.at(5000);
    c.deliver(ack(5, 2));

    expect(c.seen.filter((line) => line.startsWith('lease'))).toEqual([]);
    expect(c.seen).toHaveLength(3); // every message still reached the election
  });

  it('bounds a round it never saw go out by the oldest round it remembers, or by now', async () => {
    const c = cluster();
    await c.start();
    c.state.leadingTerm = 7;
    c.at(2000);
    c.deliver(ack(7, 9)); // nothing sent yet: the round started at the latest now
    c.at(2050);
    c.transport.send(heartbeat(7, 10));
    for (let round = 11; round <= 80; round += 1) {
      c.at(2050 + (round - 10) * 100);
      c.transport.send(heartbeat(7, round)); // rounds 10..16 fall out of the 64 kept
    }
    c.at(9100);
    c.deliver(ack(7, 12)); // sent at 2250, forgotten: bounded by round 17's send (2750), later than its own
    c.deliver(ack(7, 80));

    expect(c.seen.filter((line) => line.startsWith('lease'))).toEqual([
      'lease term 7 until 2900',
      'lease term 7 until 3650',
      'lease term 7 until 9950',
    ]);
  });

  it('keeps each election group apart: its rounds, its term, its records; acknowledgements delivered together are recorded before any reaches the election', async () => {
    const c = cluster();
    await c.start();
    c.state.leadingTerm = 3;
    c.state.reportsTerm = 40;
    const reports = (message: ElectionMessage): ElectionMessage => ({ ...message, group: 'reports' });
    c.at(1000);
    c.transport.send(heartbeat(3, 1));
    c.at(1010);
    c.transport.send(reports(heartbeat(40, 1))); // the same round number, another group
    c.at(1050);
    c.deliverTogether([reports(ack(40, 1)), ack(3, 1), reports(ack(3, 1))]);

    expect(c.seen).toEqual([
      'lease reports term 40 until 1910',
      'lease term 3 until 1900',
      // A reports acknowledgement of term 3: not the term this node leads reports in.
      'election got 3 messages',
    ]);
  });

  it('passes flush and configurationChanged on to the transport it wraps, and has neither when it has not', () => {
    const calls: string[] = [];
    const base: Transport = {
      localId: 'a',
      start: async () => {},
      stop: async () => {},
      send: () => {},
      broadcast: () => {},
      peers: () => [],
    };
    const tracker = new LeaseTracker({ leaseDuration: LEASE_MS, now: () => 0n });
    const full = tracker.wrap({
      ...base,
      flush: () => calls.push('flush'),
      configurationChanged: () => calls.push('configuration'),
    });
    full.flush?.();
    full.configurationChanged?.({ term: 1, version: 1, voters: ['a'] });
    expect(calls).toEqual(['flush', 'configuration']);
    const bare = tracker.wrap(base);
    expect(bare.flush).toBeUndefined();
    expect(bare.configurationChanged).toBeUndefined();
  });
});
