import { describe, expect, it } from 'vitest';
import {
  ConfigurationVersionError,
  ElectionMachine,
  type ElectionMessage,
  LeaderPresentError,
  MembershipChangeError,
  NotLeaderError,
} from '../../src/index.js';
import { elect, Net } from './harness.js';

const MANUAL = { autopilot: false } as const;

/** A 3-voter cluster led by `a`, with `d` a connected observer that acknowledges heartbeats. */
function clusterWithObserver(options: ConstructorParameters<typeof Net>[1] = MANUAL): Net {
  const net = new Net(['a', 'b', 'c'], options);
  net.add('d', null, []); // no configuration yet: it learns it from the leader
  for (const id of ['a', 'b', 'c']) net.get(id).addObserver('d');
  elect(net, 'a');
  heartbeat(net); // the re-stamped configuration reaches a majority in term 1: it is done
  settle(net);
  return net;
}

/** One heartbeat interval passes, and every message settles. */
function heartbeat(net: Net, filter?: (m: ElectionMessage) => boolean): void {
  net.advanceTo(net.now + 50);
  net.stabilize(filter);
}

/** `electionTimeoutMin` (150 ms) of heartbeats: a done configuration may be changed after it (rule G5). */
function settle(net: Net): void {
  for (let i = 0; i < 3; i++) heartbeat(net);
}

describe('membership: changing the voters on the leader', () => {
  it('a new leader re-stamps its configuration with its term before it may change anything', () => {
    const net = new Net(['a', 'b', 'c'], MANUAL);
    net.timeout('a');
    net.stabilize((m) => m.type !== 'heartbeat-response'); // elected; no acknowledgement yet
    const a = net.get('a');
    expect(a.configuration).toEqual({ term: 1, version: 1, voters: ['a', 'b', 'c'] });
    expect(a.configurationDone).toBe(false);
    net.get('a').addObserver('d');
    expect(() => a.changeVoters(net.now, { add: 'd' })).toThrow(MembershipChangeError);
    heartbeat(net);
    expect(net.get('b').configuration).toEqual({ term: 1, version: 1, voters: ['a', 'b', 'c'] });
    // Done, but changes are spaced by electionTimeoutMin (rule G5): refused as 'settling' until then.
    expect(a.configurationDone).toBe(false);
    expect(() => a.changeVoters(net.now, { remove: 'c' })).toThrow(
      expect.objectContaining({ reason: 'settling' }),
    );
    heartbeat(net);
    heartbeat(net);
    net.advanceTo(net.now + 49); // 149 ms after it became done
    net.stabilize();
    expect(a.configurationDone).toBe(false);
    net.advanceTo(net.now + 1);
    net.stabilize();
    expect(a.configurationDone).toBe(true);
  });

  it('adds a voter: installed at once, sent in full to whoever does not hold it, done once a majority of the new voters holds it', () => {
    const net = clusterWithObserver();
    const a = net.get('a');
    expect(net.get('d').role).toBe('observer');
    expect(net.get('d').configuration.voters).toEqual(['a', 'b', 'c']); // learnt from the heartbeats
    const next = a.changeVoters(net.now, { add: 'd' }, 1);
    expect(next).toEqual({ term: 1, version: 2, voters: ['a', 'b', 'c', 'd'] });
    expect(a.membershipView.change).toEqual({ added: 'd', removed: null, previous: ['a', 'b', 'c'] });
    const out = net.collect('a');
    expect(out.persist?.configuration).toEqual(next); // saved before the heartbeats that carry it leave
    expect(out.events).toContainEqual({
      type: 'voters-changed',
      configuration: next,
      previous: { term: 1, version: 1, voters: ['a', 'b', 'c'] },
    });
    const carried = out.messages.filter((m) => m.type === 'heartbeat').map((m) => m.configuration);
    expect(carried).toEqual([next, next, next]); // nobody holds it yet: the voters travel
    // Only b acknowledges: a majority of the old voters, not of the new ones: not done yet.
    net.stabilize((m) => m.type !== 'heartbeat' || m.to === 'b');
    expect(a.configurationDone).toBe(false);
    heartbeat(net);
    expect(net.get('d').role).toBe('follower');
    expect(a.membershipView.change).toBe(null);
    settle(net);
    expect(a.configurationDone).toBe(true);
    const ids = net.collect('a').messages; // nothing left to carry in full
    expect(ids).toEqual([]);
  });

  it('while a change is in progress, the lease needs a majority of the old voters and of the new ones', () => {
    const net = clusterWithObserver();
    const a = net.get('a');
    const onlyTo =
      (...ids: string[]) =>
      (m: ElectionMessage) =>
        m.type !== 'heartbeat' || ids.includes(m.to);
    // Before the change, b alone (a and b: 2 of 3) confirms a round.
    const before = a.leaseEnd(net.now) as number;
    heartbeat(net, onlyTo('b'));
    const confirmed = a.leaseEnd(net.now) as number;
    expect(confirmed).toBeGreaterThan(before);
    a.changeVoters(net.now, { add: 'd' });
    net.collect('a');
    net.inbox = [];
    // a and b are a majority of {a,b,c}, not of {a,b,c,d}: the round does not count, nor is the change done.
    heartbeat(net, onlyTo('b'));
    expect(a.leaseEnd(net.now)).toBe(confirmed);
    expect(a.configurationDone).toBe(false);
    // a, b and d are a majority of both: the lease grows, and the change is done.
    heartbeat(net, onlyTo('b', 'd'));
    expect(a.leaseEnd(net.now) as number).toBeGreaterThan(confirmed);
    expect(a.membershipView.change).toBe(null);
  });

  it('refuses what breaks a rule, each with its own reason, and a stale expected version', () => {
    const net = clusterWithObserver();
    const a = net.get('a');
    expect(() => net.get('b').changeVoters(net.now, { add: 'd' })).toThrow(NotLeaderError);
    const version = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error;
      }
      return null;
    };
    const stale = version(() => a.changeVoters(net.now, { add: 'd' }, 7));
    expect(stale).toBeInstanceOf(ConfigurationVersionError);
    expect((stale as ConfigurationVersionError).message).toBe(
      'addVoter: expected configuration version 7, but the current one is 1',
    );
    const reason = (fn: () => unknown) => (version(fn) as MembershipChangeError).reason;
    expect(reason(() => a.changeVoters(net.now, { add: 'b' }))).toBe('already-voter');
    expect(reason(() => a.changeVoters(net.now, { remove: 'd' }))).toBe('not-a-voter');
    expect(reason(() => a.changeVoters(net.now, { remove: 'a' }))).toBe('leader');
    expect(reason(() => a.changeVoters(net.now, { add: 'zed' }))).toBe('not-in-contact');
    a.changeVoters(net.now, { add: 'd' });
    expect(reason(() => a.changeVoters(net.now, { remove: 'c' }))).toBe('in-progress');
  });

  it('a removed voter becomes an observer, and never campaigns', () => {
    const net = new Net(['a', 'b', 'c', 'd'], MANUAL);
    elect(net, 'a');
    heartbeat(net);
    settle(net);
    net.get('a').changeVoters(net.now, { remove: 'd' }); // d is not connected to a afterwards
    net.collect('a');
    net.stabilize();
    const d = net.get('d');
    expect(d.role).toBe('observer');
    expect(d.configuration.voters).toEqual(['a', 'b', 'c']);
    expect(net.events('d')).toContainEqual(expect.objectContaining({ type: 'voters-changed' }));
    net.isolate('a');
    net.advanceTo(net.now + 1_000);
    expect(net.get('d').role).toBe('observer');
    expect(net.get('d').inspect(net.now).counters.electionsStarted).toBe(0);
  });

  it('observers hear the leader every observerHeartbeatInterval, and at once in a new term', () => {
    const net = new Net(['a', 'b', 'c'], MANUAL);
    net.add('o', null, []);
    for (const id of ['a', 'b', 'c']) net.get(id).addObserver('o');
    const toObserver = () => net.inbox.filter((m) => m.type === 'heartbeat' && m.to === 'o').length;
    net.timeout('a');
    let heard = 0;
    let rounds = 0;
    net.stabilize((m) => {
      if (m.type === 'heartbeat' && m.to === 'o') heard++;
      return true;
    });
    expect(heard).toBe(1); // the new leader's first round reaches the observer at once
    for (let i = 0; i < 40; i++) {
      // 40 rounds of 50 ms: 2 s
      net.advanceTo(net.now + 50);
      rounds++;
      heard += toObserver();
      net.stabilize();
    }
    expect(rounds).toBe(40);
    expect(heard).toBe(3); // at 0, 1000 and 2000 ms: one a second, not one a round
    expect(() => new Net(['a'], { observerHeartbeatInterval: 20 })).toThrow(/observerHeartbeatInterval=20/);
  });

  it('a voter refuses a vote and a pre-vote to a candidate whose configuration is older than its own', () => {
    const net = clusterWithObserver();
    const b = net.get('b');
    const request = { cluster: 'test', from: 'c', to: 'b', term: 9, configuration: { term: 0, version: 1 } };
    net.now += 1_000; // past b's stickiness
    b.receive({ ...request, type: 'pre-vote' }, net.now);
    b.receive({ ...request, type: 'vote', transfer: false }, net.now);
    expect(net.collect('b').messages).toMatchObject([
      { type: 'pre-vote-response', granted: false },
      { type: 'vote-response', granted: false },
    ]);
  });

  it('a leaving voter asks to be removed in its acknowledgements and never campaigns again', () => {
    const net = new Net(['a', 'b', 'c', 'd'], { autopilot: { maxVoters: 5 } });
    elect(net, 'a');
    heartbeat(net);
    net.get('d').leave(net.now);
    heartbeat(net); // d's acknowledgement says it is leaving
    heartbeat(net); // the autopilot removes it (4 voters, above the floor of 3)
    heartbeat(net);
    expect(net.get('a').configuration.voters).toEqual(['a', 'b', 'c']);
    expect(net.get('d').role).toBe('observer');
    expect(net.get('d').membershipView.leaving).toBe(true);
  });

  it("a new leader takes an observer's steady contact from its acknowledgement: a handover restarts no wait", () => {
    const autopilot = { maxVoters: 3, stabilizationTime: 1_000 };
    const net = new Net(['a', 'b', 'c'], { autopilot });
    net.add('d', null, []);
    for (const id of ['a', 'b', 'c']) net.get(id).addObserver('d');
    elect(net, 'a');
    for (let i = 0; i < 30; i++) heartbeat(net); // d has followed a for 1.5 s: stable
    expect(net.get('a').configuration.voters).toEqual(['a', 'b', 'c']); // at maxVoters: no promotion
    net.get('a').leave(net.now);
    net.get('a').transferLeadership(net.now);
    net.collect('a');
    net.stabilize();
    const next = net.leaseHolders()[0] as string;
    expect(next).not.toBe('a');
    // Within a few rounds (not stabilizationTime), d replaces a, which is then removed.
    for (let i = 0; i < 6; i++) heartbeat(net);
    expect(net.get(next).configuration.voters).toEqual(['b', 'c', 'd']);
  });

  it('an observer whose term is above the leader follows it all the same (it keeps its own term)', () => {
    const net = clusterWithObserver();
    const observer = new ElectionMachine({
      id: 'e',
      options: { clusterId: 'test', ...MANUAL },
      state: {
        term: 40,
        votedFor: 'e',
        configuration: { term: 0, version: 1, voters: ['a', 'b', 'c', 'e'] },
      },
      random: () => 0,
      now: net.now,
    });
    // e was a voter of an old configuration and campaigned up to term 40 before it was removed.
    observer.receive(
      {
        type: 'heartbeat',
        cluster: 'test',
        from: 'a',
        to: 'e',
        term: 1,
        round: 9,
        configuration: { term: 1, version: 1, voters: ['a', 'b', 'c'] },
      },
      net.now,
    );
    expect(observer.role).toBe('observer');
    expect(observer.leader).toBe('a');
    expect(observer.term).toBe(40);
    expect(observer.ready().messages).toMatchObject([{ type: 'heartbeat-response', term: 1, ok: true }]);
  });

  it('a node that never saw a term campaigns at the floor; one that heard a leader campaigns from its term', () => {
    const FLOOR = 1_733_000_000_000;
    const make = (id: string) =>
      new ElectionMachine({
        id,
        options: { clusterId: 'test', voters: ['a'] },
        random: () => 0,
        now: 0,
        termFloor: FLOOR,
      });
    const formed = make('a');
    formed.advance(0); // the only voter campaigns at once
    expect(formed.term).toBe(FLOOR);
    expect(formed.ready().events).toContainEqual({ type: 'became-leader', term: FLOOR, at: 0 });
    // A node of a running cluster (term 7) that lost its disk and hears the leader first does not jump.
    const net = new Net(['a', 'b', 'c'], { ...MANUAL });
    elect(net, 'a');
    const rejoined = new ElectionMachine({
      id: 'c',
      options: { clusterId: 'test', voters: ['a', 'b', 'c'] },
      random: () => 0,
      now: net.now,
      termFloor: FLOOR,
    });
    rejoined.receive(
      {
        type: 'heartbeat',
        cluster: 'test',
        from: 'a',
        to: 'c',
        term: 1,
        round: 5,
        configuration: { term: 1, version: 1 },
      },
      net.now,
    );
    rejoined.advance(net.now + 1_000); // the leader is gone: it campaigns from the term it heard
    expect(rejoined.ready().messages).toContainEqual(expect.objectContaining({ type: 'pre-vote', term: 2 }));
  });

  it('forceVoters installs a newer configuration without a majority, and refuses while a leader is heard', () => {
    const net = new Net(['a', 'b', 'c', 'd', 'e'], MANUAL);
    elect(net, 'a');
    heartbeat(net);
    expect(() => net.get('b').forceVoters(net.now, ['b', 'c'])).toThrow(LeaderPresentError);
    net.advanceTo(net.now + 1_000); // a, d and e are gone for good; b and c hear no leader
    for (const id of ['a', 'd', 'e']) net.nodes.delete(id);
    net.inbox = [];
    expect(net.get('b').forceVoters(net.now, ['c', 'b'])).toEqual({
      term: 1,
      version: 2,
      voters: ['b', 'c'],
    });
    net.get('c').forceVoters(net.now, ['b', 'c']);
    net.collect('b');
    net.collect('c');
    elect(net, 'b');
    expect(net.leaseHolders()).toEqual(['b']);
    expect(() => net.get('c').forceVoters(net.now, [])).toThrow(LeaderPresentError);
  });
});
