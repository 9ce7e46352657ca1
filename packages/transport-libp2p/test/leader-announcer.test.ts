import type { ElectionMessage } from '@baton/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaderAnnouncements } from '../src/announcements.js';
import { decodeGossip } from '../src/gossip-codec.js';
import { LeaderAnnouncer, termLedBy } from '../src/leader-announcer.js';

/** An announcer over a fake context that records what it publishes, with `interval` as leaderAnnounceInterval. */
function announcer(interval: number) {
  const published: number[] = [];
  const announcements = new LeaderAnnouncements((listener) => listener());
  const context = {
    clusterId: 'jobs',
    options: { leaderAnnounceInterval: interval },
    localId: 'me',
    publish: (data: Uint8Array) => {
      const verdict = decodeGossip(data, { clusterId: 'jobs', maxSize: 1024 });
      if (verdict.kind === 'leader-announcement') published.push(verdict.term);
      return true;
    },
  };
  return { leader: new LeaderAnnouncer(context as never, announcements), published, announcements };
}

describe('termLedBy', () => {
  it('reads a term from heartbeats only', () => {
    const envelope = { cluster: 'jobs', from: 'me', to: 'b', term: 7 };
    const configuration = { term: 7, version: 1 };
    const messages: ElectionMessage[] = [
      { ...envelope, type: 'heartbeat', round: 1, configuration },
      { ...envelope, type: 'heartbeat-response', round: 1, ok: true, configuration, leaving: false },
      { ...envelope, type: 'vote', configuration, transfer: false },
      { ...envelope, type: 'vote-response', granted: true },
      { ...envelope, type: 'pre-vote', configuration },
      { ...envelope, type: 'pre-vote-response', granted: true },
      { ...envelope, type: 'timeout-now' },
      // An election group's heartbeat: its sender leads that group, not the cluster's default election.
      { ...envelope, type: 'heartbeat', round: 1, configuration, group: 'billing', term: 19 },
    ];
    expect(messages.map(termLedBy)).toEqual([7, null, null, null, null, null, null, null]);
  });
});

describe('LeaderAnnouncer', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['performance'] }));
  afterEach(() => vi.useRealTimers());

  it('announces at the first heartbeat of a term, then once per interval, and at once in a new term', () => {
    const { leader, published, announcements } = announcer(1000);
    leader.leads(3);
    leader.leads(3);
    vi.advanceTimersByTime(999);
    leader.leads(3);
    expect(published).toEqual([3]);
    vi.advanceTimersByTime(1);
    leader.leads(3);
    expect(published).toEqual([3, 3]);
    leader.leads(4);
    expect(published).toEqual([3, 3, 4]);
    expect(announcements.latest).toMatchObject({ leader: 'me', term: 4 });
  });

  it('announces nothing with an interval of 0', () => {
    const { leader, published, announcements } = announcer(0);
    leader.leads(1);
    vi.advanceTimersByTime(10_000);
    leader.leads(1);
    expect(published).toEqual([]);
    expect(announcements.latest).toBe(null);
  });

  it('announces at the next heartbeat after a peer subscribes, then waits a whole interval again', () => {
    const { leader, published } = announcer(10_000);
    leader.leads(5);
    vi.advanceTimersByTime(50);
    leader.leads(5);
    expect(published).toEqual([5]);
    leader.subscribed();
    leader.leads(5);
    expect(published).toEqual([5, 5]);
    vi.advanceTimersByTime(9_999);
    leader.leads(5);
    expect(published).toEqual([5, 5]);
    vi.advanceTimersByTime(1);
    leader.leads(5);
    expect(published).toEqual([5, 5, 5]);
  });

  it('a subscription while not leading announces nothing until this node leads', () => {
    const { leader, published } = announcer(10_000);
    leader.subscribed();
    vi.advanceTimersByTime(1_000);
    expect(published).toEqual([]);
    leader.leads(2);
    expect(published).toEqual([2]);
  });

  it('after reset (the transport stopped), announces the same term again at once', () => {
    const { leader, published } = announcer(1000);
    leader.leads(2);
    leader.reset();
    leader.leads(2);
    expect(published).toEqual([2, 2]);
  });
});
