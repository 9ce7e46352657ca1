import { describe, expect, it } from 'vitest';
import { InvalidTargetError, NotLeaderError } from '../../src/index.js';
import { elect, Net } from './harness.js';

describe('leadership transfer (Raft thesis 3.10)', () => {
  it('gives up the lease first, then the target campaigns at once, bypassing stickiness, and wins', () => {
    const net = new Net(['a', 'b', 'c']);
    elect(net, 'a');
    const a = net.get('a');
    const target = a.transferLeadership(net.now + 1, 'c');
    expect(target).toBe('c');
    // Before any message is delivered, 'a' no longer holds a lease and says why.
    expect(a.isLeader(net.now + 1)).toBe(false);
    expect(a.role).toBe('follower');
    const out = net.collect('a');
    expect(out.events).toContainEqual({
      type: 'leadership-lost',
      term: 1,
      at: net.now + 1,
      reason: 'transfer',
    });
    expect(out.messages).toMatchObject([{ type: 'timeout-now', to: 'c', term: 1 }]);
    net.inbox.push(...out.messages);
    net.now += 1;
    net.stabilize();
    expect(net.leaseHolders()).toEqual(['c']);
    expect(net.get('c').term).toBe(2);
    expect(net.get('a').leader).toBe('c');
    expect(net.get('b').leader).toBe('c');
  });

  it('without a target picks the follower that acknowledged the latest round', () => {
    const net = new Net(['a', 'b', 'c']);
    elect(net, 'a');
    net.cutLink('a', 'b');
    net.advanceTo(net.now + 50);
    net.stabilize(); // only c acknowledges round 2
    expect(net.get('a').transferLeadership(net.now)).toBe('c');
  });

  it('if the target does not win, the old leader campaigns again after an election timeout', () => {
    const net = new Net(['a', 'b', 'c']);
    elect(net, 'a');
    const a = net.get('a');
    a.transferLeadership(net.now, 'b');
    net.collect('a');
    net.inbox = []; // the timeout-now is lost
    const deadline = a.nextDeadline();
    expect(deadline - net.now).toBeGreaterThanOrEqual(a.options.electionTimeoutMin);
    net.timeout('a');
    net.stabilize();
    expect(net.leaseHolders()).toEqual(['a']);
    expect(a.term).toBe(2);
  });

  it('refuses clearly: not the leader, itself, a non-voter, a voter that never acknowledged', () => {
    const net = new Net(['a', 'b', 'c']);
    expect(() => net.get('b').transferLeadership(0)).toThrow(NotLeaderError);
    elect(net, 'a');
    const a = net.get('a');
    expect(() => a.transferLeadership(net.now, 'a')).toThrow(InvalidTargetError);
    expect(() => a.transferLeadership(net.now, 'zed')).toThrow(/"zed" is not another voter/);
    // c's vote and every heartbeat to c are lost: a leads with b's vote; c never acknowledged anything.
    const fresh = new Net(['a', 'b', 'c']);
    fresh.timeout('a');
    fresh.stabilize(
      (m) => !(m.type === 'vote-response' && m.from === 'c') && !(m.type === 'heartbeat' && m.to === 'c'),
    );
    expect(fresh.get('a').isLeader(fresh.now)).toBe(true);
    expect(() => fresh.get('a').transferLeadership(fresh.now, 'c')).toThrow(
      /has not acknowledged a heartbeat/,
    );
  });

  it('a single voter has nobody to transfer to and keeps leading', () => {
    const net = new Net(['solo']);
    net.timeout('solo');
    expect(net.get('solo').transferLeadership(net.now)).toBeNull();
    expect(net.get('solo').isLeader(net.now)).toBe(true);
  });

  it('a stale timeout-now from an earlier term cannot start a transfer campaign', () => {
    const net = new Net(['a', 'b', 'c']);
    elect(net, 'a');
    net.get('a').transferLeadership(net.now, 'b');
    net.inbox.push(...net.collect('a').messages);
    net.stabilize();
    expect(net.leaseHolders()).toEqual(['b']);
    // The same timeout-now delivered again (duplicated by the network) to c, now in term 2.
    net.get('c').receive({ type: 'timeout-now', cluster: 'test', from: 'a', to: 'c', term: 1 }, net.now + 1);
    net.stabilize();
    expect(net.get('c').role).toBe('follower');
    expect(net.get('b').isLeader(net.now + 1)).toBe(true);
  });
});

describe('step-down', () => {
  it('ends the lease at once and lets another voter win', () => {
    const net = new Net(
      ['a', 'b', 'c'],
      {},
      (() => {
        let i = 0;
        return () => [0.1, 0.9, 0.5][i++ % 3] as number;
      })(),
    );
    net.timeout('a');
    net.stabilize();
    const a = net.get('a');
    expect(a.stepDown(net.now)).toBe(true);
    expect(a.isLeader(net.now)).toBe(false);
    expect(net.collect('a').events).toContainEqual(
      expect.objectContaining({ type: 'leadership-lost', reason: 'step-down' }),
    );
    const start = net.now;
    for (let t = start; net.leaseHolders().length === 0 && t < start + 2000; t += 5) {
      net.advanceTo(t);
      net.stabilize();
    }
    expect(net.leaseHolders()).toHaveLength(1);
    expect(net.leaseHolders()[0]).not.toBe('a');
  });

  it('is a no-op on a follower', () => {
    const net = new Net(['a', 'b', 'c']);
    expect(net.get('b').stepDown(0)).toBe(false);
  });
});
