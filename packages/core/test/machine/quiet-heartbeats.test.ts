import { describe, expect, it } from 'vitest';
import type { ElectionMessage, Heartbeat } from '../../src/index.js';
import { ASK_ALL_ROUNDS, LeaderLease } from '../../src/machine/lease.js';
import { elect, Net } from './harness.js';

/** Starts a round on `lease` and returns the voters it does not ask. */
function round(lease: LeaderLease, now: number): { round: number; quiet: string[] } {
  const r = lease.startRound(now);
  return { round: r, quiet: [...lease.quietFor(r)].sort() };
}

describe('LeaderLease.quietFor: which voters a round does not ask to acknowledge', () => {
  it('asks everyone until each voter answered once, then a majority, the least recently asked first', () => {
    const lease = new LeaderLease('a', ['a', 'b', 'c', 'd', 'e'], 135);
    const first = round(lease, 0);
    expect(first.quiet).toEqual([]); // never asked: every voter is
    for (const v of ['b', 'c', 'd', 'e']) lease.acknowledge(v, first.round);
    const second = round(lease, 50);
    // a + two followers make 3 of 5; b and c are first by id among voters asked equally long ago.
    expect(second.quiet).toEqual(['d', 'e']);
    lease.acknowledge('b', second.round);
    lease.acknowledge('c', second.round);
    expect(lease.confirmedRound).toBe(second.round);
    const third = round(lease, 100);
    expect(third.quiet).toEqual(['b', 'c']); // d and e were asked longer ago
    lease.acknowledge('d', third.round);
    lease.acknowledge('e', third.round);
    expect(lease.confirmedRound).toBe(third.round);
    expect(lease.leaseEnd).toBe(100 + 135);
  });

  it('asks a voter that did not answer its last request every round, beside a majority of voters that did', () => {
    const lease = new LeaderLease('a', ['a', 'b', 'c', 'd', 'e'], 135);
    const first = round(lease, 0);
    for (const v of ['b', 'c', 'd']) lease.acknowledge(v, first.round); // e is down
    const second = round(lease, 50);
    expect(second.quiet).toEqual(['d']); // b and c make the majority, e is asked again
    expect(lease.answered('e')).toBe(false);
    lease.acknowledge('b', second.round);
    lease.acknowledge('c', second.round);
    const third = round(lease, 100);
    expect(third.quiet).toEqual(['c']); // d (asked longest ago) and b, and e again
  });

  it('says when a round before the one just started is not confirmed, and can ask every voter', () => {
    const lease = new LeaderLease('a', ['a', 'b', 'c', 'd', 'e'], 135);
    const first = round(lease, 0);
    for (const v of ['b', 'c', 'd', 'e']) lease.acknowledge(v, first.round);
    const second = round(lease, 50);
    expect(second.quiet).toEqual(['d', 'e']);
    lease.acknowledge('b', second.round); // c, chosen, does not answer in time
    const third = lease.startRound(100);
    expect(lease.unconfirmedBefore(third)).toBe(true);
    lease.askAll(third);
    // Any majority confirms the round, as without quiet heartbeats.
    lease.acknowledge('d', third);
    lease.acknowledge('e', third);
    expect(lease.confirmedRound).toBe(third);
    expect(lease.answered('c')).toBe(false);
    expect(lease.unconfirmedBefore(lease.startRound(150))).toBe(false);
  });

  it('asks a voter that said it is leaving every round and never counts on it', () => {
    const lease = new LeaderLease('a', ['a', 'b', 'c', 'd', 'e'], 135);
    const first = round(lease, 0);
    for (const v of ['b', 'c', 'd', 'e']) lease.acknowledge(v, first.round);
    const leaving = new Set(['b']);
    const second = lease.startRound(50);
    // b would come first (by id): it is asked, but c and d make the majority.
    expect([...lease.quietFor(second, leaving)]).toEqual(['e']);
    lease.acknowledge('c', second);
    lease.acknowledge('d', second);
    const third = lease.startRound(100);
    expect([...lease.quietFor(third, leaving)]).toEqual(['d']); // e (asked longest ago) and c, and b again
  });

  it('while a change is in progress, asks a majority of both voter sets', () => {
    const lease = new LeaderLease('a', ['a', 'b', 'c'], 135);
    lease.setVoterSets([
      ['a', 'b', 'c'],
      ['a', 'b', 'c', 'd'],
    ]);
    const first = round(lease, 0);
    for (const v of ['b', 'c', 'd']) lease.acknowledge(v, first.round);
    const second = round(lease, 50);
    // [a b c] needs 2 (a, b); [a b c d] needs 3 (a, b and one more: c).
    expect(second.quiet).toEqual(['d']);
    lease.acknowledge('b', second.round);
    lease.acknowledge('c', second.round);
    expect(lease.confirmedRound).toBe(second.round);
  });

  it('asks everyone when too few voters answered to make a majority', () => {
    const lease = new LeaderLease('a', ['a', 'b', 'c', 'd', 'e'], 135);
    const first = round(lease, 0);
    lease.acknowledge('b', first.round);
    expect(round(lease, 50).quiet).toEqual([]);
  });
});

const heartbeatsOf = (messages: readonly ElectionMessage[]) =>
  messages.filter((m): m is Heartbeat => m.type === 'heartbeat');

describe('quiet heartbeats between machines', () => {
  it('a 5-voter leader asks two followers per round, in turn, and renews its lease every round', () => {
    const net = new Net(['a', 'b', 'c', 'd', 'e']);
    elect(net, 'a');
    const a = net.get('a');
    const asked: string[][] = [];
    for (let i = 1; i <= 6; i++) {
      const at = net.now + 50;
      net.advanceTo(at);
      const sent = heartbeatsOf(net.inbox);
      expect(sent.map((m) => m.to).sort()).toEqual(['b', 'c', 'd', 'e']); // every voter hears the leader
      asked.push(
        sent
          .filter((m) => m.quiet !== true)
          .map((m) => m.to)
          .sort(),
      );
      const received = a.inspect(net.now).counters.messagesReceived;
      net.stabilize();
      expect(a.leaseEnd(net.now)).toBeCloseTo(at + a.options.leaseDuration, 9);
      expect(a.inspect(net.now).counters.messagesReceived - received).toBe(2); // two acknowledgements
    }
    // The first round, at the win, asked everyone; then two at a time, each pair in turn.
    for (const pair of asked) expect(pair).toHaveLength(2);
    for (let i = 0; i + 1 < asked.length; i += 2) {
      expect([...(asked[i] ?? []), ...(asked[i + 1] ?? [])].sort()).toEqual(['b', 'c', 'd', 'e']);
    }
  });

  it('a follower does not answer a quiet heartbeat, but one that is leaving does, and keeps following', () => {
    const net = new Net(['a', 'b', 'c']);
    elect(net, 'a');
    net.advanceTo(net.now + 50);
    net.stabilize();
    net.advanceTo(net.now + 50);
    const quiet = heartbeatsOf(net.inbox).find((m) => m.quiet === true);
    expect(quiet).toBeDefined();
    const to = quiet?.to as string;
    const follower = net.get(to);
    const before = follower.ready().messages.length;
    expect(before).toBe(0);
    net.inbox = [];
    follower.receive(quiet as Heartbeat, net.now);
    expect(follower.ready().messages).toEqual([]);
    expect(follower.leader).toBe('a');
    follower.leave(net.now);
    follower.ready();
    follower.receive({ ...(quiet as Heartbeat), round: (quiet as Heartbeat).round + 1 }, net.now + 1);
    const answers = follower.ready().messages;
    expect(answers).toContainEqual(
      expect.objectContaining({ type: 'heartbeat-response', to: 'a', ok: true, leaving: true }),
    );
  });

  it('a chosen follower that stops answering costs one round: the next asks everyone and the lease holds', () => {
    const net = new Net(['a', 'b', 'c', 'd', 'e']);
    elect(net, 'a');
    const a = net.get('a');
    net.advanceTo(net.now + 50);
    net.stabilize();
    // The next round asks two followers: cut one of them off as the round leaves.
    net.advanceTo(net.now + 50);
    const chosen = heartbeatsOf(net.inbox).filter((m) => m.quiet !== true);
    expect(chosen).toHaveLength(2);
    const lost = chosen[0]?.to as string;
    net.cutLink('a', lost);
    net.inbox = net.inbox.filter((m) => m.to !== lost);
    const confirmedBefore = a.leaseEnd(net.now) as number;
    net.stabilize();
    expect(a.leaseEnd(net.now)).toBe(confirmedBefore); // one of two answered: no majority this round
    const next = net.now + 50;
    net.advanceTo(next);
    expect(heartbeatsOf(net.inbox).filter((m) => m.quiet === true)).toEqual([]);
    net.stabilize();
    expect(a.leaseEnd(net.now)).toBeCloseTo(next + a.options.leaseDuration, 9);
    expect(a.isLeader(net.now)).toBe(true);
  });

  it('after a late round, every round asks every voter for ASK_ALL_ROUNDS heartbeat intervals, then quiet again', () => {
    const net = new Net(['a', 'b', 'c', 'd', 'e']);
    elect(net, 'a');
    const a = net.get('a');
    const interval = a.options.heartbeatInterval;
    net.advanceTo(net.now + interval);
    net.stabilize();
    net.advanceTo(net.now + interval);
    const lost = heartbeatsOf(net.inbox).find((m) => m.quiet !== true)?.to as string;
    net.inbox = net.inbox.filter((m) => m.to !== lost); // its answer never comes
    net.stabilize();
    const missedAt = net.now + interval; // the next round finds the last one unconfirmed
    let quietRounds = 0;
    let firstQuietAt = Number.POSITIVE_INFINITY;
    for (let at = missedAt; at <= missedAt + (ASK_ALL_ROUNDS + 2) * interval; at += interval) {
      net.advanceTo(at);
      const quiet = heartbeatsOf(net.inbox).filter((m) => m.quiet === true).length;
      if (quiet > 0) {
        quietRounds++;
        firstQuietAt = Math.min(firstQuietAt, at);
      }
      net.stabilize();
      expect(a.isLeader(net.now)).toBe(true);
    }
    expect(firstQuietAt).toBe(missedAt + ASK_ALL_ROUNDS * interval);
    expect(quietRounds).toBe(3);
  });
});
