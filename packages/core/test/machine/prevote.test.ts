import { describe, expect, it } from 'vitest';
import { elect, Net } from './harness.js';

describe('pre-vote (Raft thesis 9.6) and leader stickiness (thesis 4.2.3)', () => {
  it('a partitioned node keeps its term while it pre-votes, and does not depose the leader when it returns', () => {
    const net = new Net(['a', 'b', 'c']);
    elect(net, 'a');
    net.isolate('c');
    // c times out again and again while cut off; the leader keeps the others sticky with heartbeats.
    const start = net.now;
    for (let t = start + 10; t < start + 3000; t += 10) {
      net.advanceTo(t);
      net.stabilize();
    }
    expect(net.get('c').term).toBe(1);
    expect(net.get('c').inspect(net.now).counters.preVotesStarted).toBeGreaterThan(5);
    net.recover();
    net.advanceTo(net.now + 10);
    net.stabilize();
    expect(net.get('a').isLeader(net.now)).toBe(true);
    expect(net.get('a').term).toBe(1);
    expect(net.get('c').leader).toBe('a');
  });

  it('a pre-vote never changes the receiver term', () => {
    const net = new Net(['a', 'b', 'c']);
    const b = net.get('b');
    b.receive({ type: 'pre-vote', cluster: 'test', from: 'a', to: 'b', term: 7, configVersion: 1 }, 500);
    expect(net.collect('b').messages).toMatchObject([{ type: 'pre-vote-response', granted: true, term: 7 }]);
    expect(b.term).toBe(0);
    expect(b.votedFor).toBeNull();
  });

  it('a follower that grants a pre-vote waits a heartbeat interval before its own campaign (no split vote)', () => {
    // a and b time out at the same instant (every timeout is 150 ms here). b hears a's pre-vote first: without
    // the wait it would campaign too, while a saves its vote, and the two would split the votes.
    const net = new Net(['a', 'b', 'c']);
    const b = net.get('b');
    net.timeout('a');
    expect(b.nextDeadline()).toBe(net.now);
    const toB = net.inbox.filter((m) => m.to === 'b');
    net.inbox = net.inbox.filter((m) => m.to !== 'b');
    for (const m of toB) b.receive(m, net.now);
    net.collect('b');
    expect(b.nextDeadline()).toBe(net.now + b.options.heartbeatInterval);
    b.advance(net.now); // b's old deadline: it does not campaign
    net.collect('b');
    expect(b.role).toBe('follower');
    net.stabilize();
    expect(net.leaders()).toEqual(['a']);
    expect(b.inspect(net.now).counters.preVotesStarted).toBe(0);
  });

  it('a node that heard from a live leader within the minimum timeout refuses votes and pre-votes', () => {
    const net = new Net(['a', 'b', 'c']);
    elect(net, 'a');
    const b = net.get('b');
    const t = net.now + 100; // within 150 ms of a's last heartbeat
    b.receive({ type: 'pre-vote', cluster: 'test', from: 'c', to: 'b', term: 2, configVersion: 1 }, t);
    b.receive(
      { type: 'vote', cluster: 'test', from: 'c', to: 'b', term: 2, configVersion: 1, transfer: false },
      t,
    );
    const out = net.collect('b');
    expect(out.messages).toMatchObject([{ type: 'pre-vote-response', granted: false, term: 1 }]);
    expect(b.term).toBe(1);
    expect(b.inspect(t).counters.messagesDropped['leader-sticky']).toBe(2);
  });

  it('a vote marked as a leadership transfer bypasses stickiness', () => {
    const net = new Net(['a', 'b', 'c']);
    elect(net, 'a');
    const b = net.get('b');
    b.receive(
      { type: 'vote', cluster: 'test', from: 'c', to: 'b', term: 2, configVersion: 1, transfer: true },
      net.now + 1,
    );
    expect(net.collect('b').messages).toMatchObject([{ type: 'vote-response', granted: true, term: 2 }]);
  });

  it('election timeouts are drawn from [min, max) with the injected randomness', () => {
    for (const [r, expected] of [
      [0, 150],
      [0.5, 225],
      [0.999999, 299],
    ] as const) {
      const net = new Net(['a', 'b', 'c'], {}, () => r);
      expect(net.get('a').nextDeadline()).toBe(expected);
    }
  });

  it('a split vote elects nobody; the timers re-arm and a later election succeeds (ergo flaw 6)', () => {
    let draws = 0;
    const net = new Net(['a', 'b', 'c', 'd'], {}, () => (draws++ < 8 ? 0 : (draws % 7) / 7));
    net.timeout('a');
    net.timeout('b');
    // c only hears a's vote request and d only b's: two votes each, no majority of four.
    net.stabilize(
      (m) => !(m.type === 'vote' && ((m.from === 'a' && m.to === 'd') || (m.from === 'b' && m.to === 'c'))),
    );
    expect(net.get('a').role).toBe('candidate');
    expect(net.get('b').role).toBe('candidate');
    expect(net.leaders()).toEqual([]);
    for (const id of ['a', 'b']) expect(net.get(id).nextDeadline()).toBeGreaterThan(net.now);
    const start = net.now;
    for (let t = start; net.leaders().length === 0 && t < start + 3000; t += 5) {
      net.advanceTo(t);
      net.stabilize();
    }
    expect(net.leaders()).toHaveLength(1);
    expect(net.get(net.leaders()[0] as string).term).toBeGreaterThanOrEqual(2);
  });
});
