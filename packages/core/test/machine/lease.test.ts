import { describe, expect, it } from 'vitest';
import { Net } from './harness.js';

function elect(net: Net, id: string): void {
  net.timeout(id);
  net.stabilize();
}

describe('check-quorum and the leader lease', () => {
  it('holds a lease from the start of the last round a majority acknowledged, minus the drift margin', () => {
    const net = new Net(['a', 'b', 'c']);
    elect(net, 'a');
    const a = net.get('a');
    const lease = a.options.leaseDurationMs;
    const wonAt = net.now;
    expect(a.leaseEnd(net.now)).toBeCloseTo(wonAt + lease, 9);
    expect(a.inspect(net.now).leaseRemainingMs).toBeCloseTo(lease, 9);
    expect(a.isLeader(wonAt + lease - 0.001)).toBe(true);
    // Computed from the time it is asked: no timer has to run for the answer to turn false.
    expect(a.isLeader(wonAt + lease)).toBe(false);
  });

  it('renews the lease with every acknowledged heartbeat round', () => {
    const net = new Net(['a', 'b', 'c']);
    elect(net, 'a');
    const a = net.get('a');
    const round2 = net.now + 50;
    net.advanceTo(round2);
    net.stabilize();
    expect(a.leaseEnd(net.now)).toBeCloseTo(round2 + a.options.leaseDurationMs, 9);
  });

  it('a leader cut off from the majority steps down when its lease lapses, not later', () => {
    const net = new Net(['a', 'b', 'c', 'd', 'e']);
    elect(net, 'a');
    const a = net.get('a');
    const end = a.leaseEnd(net.now) as number;
    net.isolate('a');
    for (let t = net.now + 1; t < end; t++) {
      net.advanceTo(Math.min(t, a.nextDeadline()));
    }
    expect(a.role).toBe('leader');
    net.advanceTo(a.nextDeadline());
    expect(a.role).toBe('follower');
    expect(net.now).toBeCloseTo(end, 6);
    expect(net.events('a')).toContainEqual({
      type: 'leadership-lost',
      term: 1,
      at: net.now,
      reason: 'lease-lapsed',
    });
  });

  it('one acknowledgement short of a majority does not renew the lease', () => {
    const net = new Net(['a', 'b', 'c', 'd', 'e']);
    elect(net, 'a');
    const a = net.get('a');
    const first = a.leaseEnd(net.now) as number;
    net.cutLink('a', 'c');
    net.cutLink('a', 'd');
    net.cutLink('a', 'e');
    net.advanceTo(net.now + 50);
    net.stabilize();
    expect(a.leaseEnd(net.now)).toBe(first); // a + b = 2 of 5
  });

  it('no other node can be elected before the lease ends (stickiness outlasts the lease)', () => {
    const net = new Net(['a', 'b', 'c']);
    elect(net, 'a');
    const a = net.get('a');
    const end = a.leaseEnd(net.now) as number;
    net.isolate('a');
    // b campaigns as early as it possibly can: every request it sends before the lease ends is refused.
    let t = net.now;
    while (net.get('b').role === 'follower' && t < end + 500) {
      t += 1;
      net.advanceTo(t);
      net.stabilize();
    }
    for (; t < end + 1000 && !net.get('b').isLeader(t) && !net.get('c').isLeader(t); t += 1) {
      net.advanceTo(t);
      net.stabilize();
    }
    const newLeaseAt = t;
    expect(newLeaseAt).toBeGreaterThanOrEqual(end);
  });

  it('a new leader that no majority acknowledges steps down after one lease without ever leading', () => {
    const net = new Net(['a', 'b', 'c']);
    net.timeout('a');
    net.stabilize((m) => m.type !== 'heartbeat');
    const a = net.get('a');
    expect(a.role).toBe('leader');
    expect(a.isLeader(net.now)).toBe(false);
    expect(a.leader).toBeNull();
    net.advanceTo(net.now + a.options.leaseDurationMs);
    expect(a.role).toBe('follower');
    expect(net.events('a').some((e) => e.type === 'became-leader' || e.type === 'leadership-lost')).toBe(
      false,
    );
  });

  it('a leader that wakes from a pause longer than its lease is not leader, before any timer runs', () => {
    const net = new Net(['a', 'b', 'c']);
    elect(net, 'a');
    const a = net.get('a');
    const wake = net.now + 10_000;
    expect(a.isLeader(wake)).toBe(false);
    expect(a.inspect(wake).isLeader).toBe(false);
    a.advance(wake);
    expect(a.role).toBe('follower');
  });
});
