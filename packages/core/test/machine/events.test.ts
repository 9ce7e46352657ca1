import { describe, expect, it } from 'vitest';
import { Net } from './harness.js';

describe('events and the inspect snapshot', () => {
  it('reports became-leader with the term, leader-changed and term-changed, in order', () => {
    const net = new Net(['a', 'b', 'c']);
    net.timeout('a');
    net.stabilize();
    const types = net.events('a').map((e) => e.type);
    expect(types).toEqual([
      'role-changed', // follower -> pre-candidate
      'term-changed',
      'role-changed', // -> candidate
      'role-changed', // -> leader
      'leader-changed',
      'became-leader',
    ]);
    expect(net.events('a')).toContainEqual({ type: 'term-changed', from: 0, to: 1 });
    expect(net.events('b')).toContainEqual({ type: 'leader-changed', leader: 'a', previous: null, term: 1 });
  });

  it('reports became-follower with the leader when a candidate hears from the winner', () => {
    const net = new Net(['a', 'b', 'c']);
    net.timeout('b');
    net.stabilize((m) => m.type !== 'vote'); // b wins its pre-vote; its vote requests are lost
    expect(net.get('b').role).toBe('candidate');
    net.get('b').receive(
      {
        type: 'heartbeat',
        cluster: 'test',
        from: 'a',
        to: 'b',
        term: 1,
        round: 1,
        configuration: { term: 0, version: 1 },
      },
      net.now,
    );
    expect(net.collect('b').events).toEqual([
      { type: 'role-changed', from: 'candidate', to: 'follower', term: 1 },
      { type: 'leader-changed', leader: 'a', previous: null, term: 1 },
      { type: 'became-follower', leader: 'a', term: 1 },
    ]);
  });

  it('reports became-follower when a follower learns its first leader, and a new one in a higher term', () => {
    const net = new Net(['a', 'b', 'c']);
    net.add('o'); // not a voter: an observer
    net.get('a').addObserver('o');
    net.timeout('a');
    net.stabilize();
    // c was a follower from the start and knew no leader: the first heartbeat makes it follow a.
    expect(net.events('c').filter((e) => e.type !== 'term-changed')).toEqual([
      { type: 'leader-changed', leader: 'a', previous: null, term: 1 },
      { type: 'became-follower', leader: 'a', term: 1 },
    ]);
    // Following a, c hears b lead a higher term: it follows b (one event, not one per heartbeat).
    net.get('c').receive(
      {
        type: 'heartbeat',
        cluster: 'test',
        from: 'b',
        to: 'c',
        term: 2,
        round: 1,
        configuration: { term: 0, version: 1 },
      },
      net.now,
    );
    net.get('c').receive(
      {
        type: 'heartbeat',
        cluster: 'test',
        from: 'b',
        to: 'c',
        term: 2,
        round: 2,
        configuration: { term: 0, version: 1 },
      },
      net.now,
    );
    const followed = net
      .collect('c')
      .events.filter((e) => e.type === 'became-follower')
      .map((e) => (e.type === 'became-follower' ? e.leader : null));
    expect(followed).toEqual(['b']);
    // An observer learns the leader, but never "becomes a follower".
    expect(net.events('o').map((e) => e.type)).toEqual(['term-changed', 'leader-changed']);
  });

  it('inspect shows role, term, leader, lease left, voters, last contact and counters', () => {
    const net = new Net(['a', 'b', 'c']);
    net.timeout('a');
    net.stabilize();
    net.get('a').receive(
      {
        type: 'heartbeat',
        cluster: 'elsewhere',
        from: 'b',
        to: 'a',
        term: 1,
        round: 1,
        configuration: { term: 0, version: 1 },
      },
      net.now,
    );
    const snapshot = net.get('a').inspect(net.now + 10);
    expect(snapshot).toMatchObject({
      id: 'a',
      clusterId: 'test',
      role: 'leader',
      term: 1,
      votedFor: 'a',
      leader: 'a',
      isLeader: true,
      membership: {
        voters: ['a', 'b', 'c'],
        observers: [],
        version: 1,
        term: 1,
        change: null,
        leaving: false,
      },
      lastContact: { b: 10, c: 10 },
    });
    expect(snapshot.leaseRemaining).toBeCloseTo(net.get('a').options.leaseDuration - 10, 9);
    expect(snapshot.counters).toMatchObject({ electionsStarted: 1, electionsWon: 1, preVotesStarted: 1 });
    expect(snapshot.counters.messagesDropped['wrong-cluster']).toBe(1);
    const follower = net.get('c').inspect(net.now);
    expect(follower).toMatchObject({ role: 'follower', isLeader: false, leaseRemaining: 0, leader: 'a' });
  });
});
