import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { HEARTBEAT_ROUND_TRIP_CHANNEL, type HeartbeatRoundTrip } from '../../src/index.js';
import type { ElectionMessage } from '../../src/machine/types.js';
import { HeartbeatRoundTrips } from '../../src/runtime/round-trips.js';

const configuration = { term: 1, version: 1 };
const heartbeat = (term: number, round: number, to = 'b'): ElectionMessage => ({
  type: 'heartbeat',
  cluster: 'jobs',
  from: 'a',
  to,
  term,
  round,
  configuration,
});
const ack = (term: number, round: number, from = 'b'): ElectionMessage => ({
  type: 'heartbeat-response',
  cluster: 'jobs',
  from,
  to: 'a',
  term,
  round,
  ok: true,
  configuration,
  leaving: false,
});

let listener: ((message: unknown) => void) | null = null;
afterEach(() => {
  if (listener) unsubscribe(HEARTBEAT_ROUND_TRIP_CHANNEL, listener);
  listener = null;
});

function listen(): HeartbeatRoundTrip[] {
  const seen: HeartbeatRoundTrip[] = [];
  listener = (message) => seen.push(message as HeartbeatRoundTrip);
  subscribe(HEARTBEAT_ROUND_TRIP_CHANNEL, listener);
  return seen;
}

describe('heartbeat round trips, timed by the runtime', () => {
  it('measures each acknowledgement of a round once, from the first send of that round', () => {
    let now = 100;
    const election = {};
    const trips = new HeartbeatRoundTrips(election, 'jobs', () => now);
    const seen = listen();
    trips.sent(heartbeat(3, 7, 'b'));
    now = 100.5;
    trips.sent(heartbeat(3, 7, 'c')); // the same round to another peer: still timed from 100
    now = 102;
    trips.received(ack(3, 7, 'b'));
    trips.received(ack(3, 7, 'b')); // a duplicate
    now = 104;
    trips.received(ack(3, 7, 'c'));
    trips.received(ack(2, 7, 'c')); // an older term's round 7 was never timed
    trips.received(ack(3, 8, 'c')); // nor a round never sent
    expect(seen).toEqual([
      { election, clusterId: 'jobs', peer: 'b', term: 3, round: 7, duration: 2 },
      { election, clusterId: 'jobs', peer: 'c', term: 3, round: 7, duration: 4 },
    ]);
  });

  it('measures nothing while nobody listens, and forgets old rounds', () => {
    let now = 0;
    const trips = new HeartbeatRoundTrips({}, 'jobs', () => now);
    trips.sent(heartbeat(1, 1));
    const seen = listen();
    now = 1;
    trips.received(ack(1, 1)); // sent while nobody listened: not timed
    for (let round = 2; round <= 20; round++) trips.sent(heartbeat(1, round));
    now = 5;
    trips.received(ack(1, 2)); // 18 rounds ago: forgotten
    trips.received(ack(1, 20));
    expect(seen.map(({ round, duration }) => ({ round, duration }))).toEqual([{ round: 20, duration: 4 }]);
  });
});
