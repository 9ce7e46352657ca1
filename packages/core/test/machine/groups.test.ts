/**
 * Election groups at the level of the machine's API (`openGroup`, `closeGroup`, the optional group argument
 * of `isLeader`, `leaseEnd` and `transferLeadership`, `group()`, `inspect().groups`, the persisted records)
 * and of rules G3 and G5 of `membership.ts`. Random schedules with groups, and the counter-examples that
 * need G3-G5, run in test/sim/groups-invariants.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  type ElectionEvent,
  type ElectionMessage,
  InvalidOptionError,
  InvalidTargetError,
  MembershipChangeError,
  type PersistentState,
  resolveElectionOptions,
} from '../../src/index.js';
import { elect, Net } from './harness.js';

/** No autopilot (no voter changes of its own) and no placement (no group moves of its own). */
const OPTIONS = { autopilot: false, placementInterval: 0 } as const;

/**
 * Fires every timer in order up to `until` (heartbeats, election timeouts, lease lapses), letting the
 * messages of each step settle (those `filter` keeps). Virtual time: nothing waits.
 */
function run(net: Net, until: number, filter?: (m: ElectionMessage) => boolean): void {
  for (;;) {
    const next = Math.min(...[...net.nodes.keys()].map((id) => net.get(id).nextDeadline()));
    if (next > until) break;
    net.advanceTo(next);
    net.stabilize(filter);
  }
  net.advanceTo(until);
  net.stabilize(filter);
}

/** Voters a, b, c; a leads the default group from 150 ms (every election timeout is 150 ms: random = 0). */
function cluster(): Net {
  const net = new Net(['a', 'b', 'c'], OPTIONS);
  elect(net, 'a');
  run(net, 1000);
  return net;
}

/** Everything `id` handed out to send so far. */
function sent(net: Net, id: string): ElectionMessage[] {
  return (net.nodes.get(id)?.readies ?? []).flatMap((ready) => ready.messages);
}

/** Every message any node handed out so far. */
function allSent(net: Net): ElectionMessage[] {
  return [...net.nodes.keys()].flatMap((id) => sent(net, id));
}

const ofGroup = (group: string) => (m: { readonly group?: string }) => m.group === group;
const isCampaign = (m: ElectionMessage) => m.type === 'pre-vote' || m.type === 'vote';

/** `ids` ask for `group` at `at`; a, if among them, campaigns first (150 ms later) and wins. */
function openAndWin(net: Net, group: string, ids: readonly string[], at = net.now): void {
  run(net, at);
  for (const id of ids) {
    net.get(id).openGroup(group, at);
    net.collect(id);
  }
  run(net, at + 150);
}

function dropped(net: Net, id: string) {
  return net.get(id).inspect(net.now).counters.messagesDropped;
}

const heartbeatOf = (group: string | undefined, term: number, to = 'b'): ElectionMessage => ({
  type: 'heartbeat',
  cluster: 'test',
  from: 'a',
  to,
  term,
  round: 1,
  configuration: { term: 1, version: 1 },
  ...(group === undefined ? {} : { group }),
});

describe('openGroup', () => {
  it('refuses a name that is not a group name with InvalidOptionError naming option group, and takes part in nothing', () => {
    const net = cluster();
    const a = net.get('a');
    net.collect('a');
    for (const name of ['Billing', '', 'a'.repeat(64), '-jobs', 'jobs billing', 'jöbs', 'a/b']) {
      const error = (() => {
        try {
          a.openGroup(name, net.now);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error, name).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).option).toBe('group');
      expect((error as InvalidOptionError).value).toBe(name);
      expect((error as Error).message).toContain('openGroup');
    }
    expect(a.groupNames).toEqual(['default']);
    expect(a.hasReady()).toBe(false);
    // The longest name, and every character a name may hold.
    a.openGroup('a'.repeat(63), net.now);
    a.openGroup('0.jobs_billing-eu', net.now);
    expect(a.groupNames).toEqual(['default', 'a'.repeat(63), '0.jobs_billing-eu']);
  });

  it("'default' is allowed and changes nothing", () => {
    const net = cluster();
    const a = net.get('a');
    net.collect('a');
    const deadline = a.nextDeadline();
    a.openGroup('default', net.now);
    expect(a.hasReady()).toBe(false);
    expect(a.groupNames).toEqual(['default']);
    expect(a.inspect(net.now).groups).toBeUndefined();
    expect(a.persistentState).not.toHaveProperty('groups');
    expect(a.nextDeadline()).toBe(deadline);
  });

  it('is idempotent, and the first campaign comes one election timeout after the first call, not earlier', () => {
    const net = cluster();
    const a = net.get('a');
    run(net, 1005); // between two default heartbeats (every 50 ms from 150): the group's steps stand alone
    a.openGroup('g', 1005);
    expect(net.collect('a').persist?.groups).toEqual({ g: { term: 0, votedFor: null } });
    run(net, 1100);
    a.openGroup('g', 1100); // again: no new record, no new save, the timer is not pushed back
    expect(a.hasReady()).toBe(false);
    expect(a.groupNames).toEqual(['default', 'g']);
    run(net, 1154);
    expect(allSent(net).filter(ofGroup('g'))).toEqual([]);
    expect(a.group('g', net.now).role).toBe('follower');
    net.advanceTo(1155);
    expect(sent(net, 'a').filter(ofGroup('g'))).toEqual([
      expect.objectContaining({ type: 'pre-vote', to: 'b', term: 1, group: 'g' }),
      expect.objectContaining({ type: 'pre-vote', to: 'c', term: 1, group: 'g' }),
    ]);
  });

  it('the node that asked wins; the other voters take part passively from the first message: they vote, persist, never campaign', () => {
    const net = cluster();
    openAndWin(net, 'g', ['a'], 1005);
    const a = net.get('a');
    expect(a.isLeader(net.now, 'g')).toBe(true);
    expect(a.group('g', net.now)).toMatchObject({ asked: true, role: 'leader', term: 1, votedFor: 'a' });
    for (const id of ['b', 'c']) {
      expect(net.get(id).group('g', net.now)).toMatchObject({
        asked: false,
        role: 'follower',
        term: 1,
        votedFor: 'a',
        leader: 'a',
      });
      // The vote was handed out with the state that holds it, to be saved before the reply leaves.
      const voted = net.nodes
        .get(id)
        ?.readies.find((r) => r.messages.some((m) => m.type === 'vote-response' && m.group === 'g'));
      expect(voted?.messages).toEqual([expect.objectContaining({ type: 'vote-response', granted: true })]);
      expect(voted?.persist?.groups).toEqual({ g: { term: 1, votedFor: 'a' } });
      expect(voted?.persist?.term).toBe(1); // the default group's term is untouched
      expect(net.nodes.get(id)?.persisted?.groups).toEqual({ g: { term: 1, votedFor: 'a' } });
    }
    // a falls silent in g (not in the default group): b and c stop naming a leader, but never campaign.
    const before = allSent(net).length;
    run(net, 3000, (m) => !(m.group === 'g' && m.from === 'a'));
    const later = allSent(net).slice(before);
    expect(later.filter((m) => m.group === 'g' && isCampaign(m) && m.from !== 'a')).toEqual([]);
    for (const id of ['b', 'c']) {
      expect(net.get(id).group('g', net.now)).toMatchObject({ role: 'follower', term: 1, leader: null });
    }
    expect(net.events('a')).toContainEqual(
      expect.objectContaining({ type: 'leadership-lost', group: 'g', term: 1, reason: 'lease-lapsed' }),
    );
    expect(a.isLeader(net.now)).toBe(true); // the default group carried on
  });

  it('a voter drops timeout-now of a group it did not ask for, and follows it once it asked', () => {
    const net = cluster();
    openAndWin(net, 'g', ['a'], 1005);
    const b = net.get('b');
    net.collect('b');
    const timeoutNow: ElectionMessage = {
      type: 'timeout-now',
      cluster: 'test',
      from: 'a',
      to: 'b',
      term: 1,
      group: 'g',
    };
    const unexpected = dropped(net, 'b').unexpected;
    b.receive(timeoutNow, net.now);
    expect(dropped(net, 'b').unexpected).toBe(unexpected + 1);
    expect(net.collect('b').messages).toEqual([]);
    expect(b.group('g', net.now)).toMatchObject({ role: 'follower', term: 1 });
    b.openGroup('g', net.now);
    b.receive(timeoutNow, net.now);
    expect(b.group('g', net.now)).toMatchObject({ role: 'candidate', term: 2, votedFor: 'b' });
  });

  it('an observer (not a voter) ignores the heartbeats of a group it does not know, drops the rest, and creates no record', () => {
    const net = cluster();
    const d = net.add('d', null, ['a', 'b', 'c']).machine; // knows the voters, is not one
    expect(d.role).toBe('observer');
    net.get('a').addObserver('d');
    openAndWin(net, 'g', ['a'], 1005);
    // The leader's group heartbeats reach the observer too (every observerHeartbeatInterval): it ignores them.
    expect(allSent(net).filter((m) => m.group === 'g' && m.to === 'd' && m.type !== 'heartbeat')).toEqual([]);
    net.collect('d');
    const received = d.inspect(net.now).counters.messagesReceived;
    const envelope = { cluster: 'test', from: 'a', to: 'd', term: 2, group: 'g' } as const;
    const configuration = { term: 1, version: 1 };
    d.receive({ ...envelope, type: 'pre-vote', configuration }, net.now);
    d.receive({ ...envelope, type: 'vote', configuration, transfer: false }, net.now);
    d.receive(heartbeatOf('g', 2, 'd'), net.now);
    d.receive({ ...envelope, type: 'timeout-now' }, net.now);
    expect(d.inspect(net.now).counters.messagesReceived).toBe(received + 4);
    expect(dropped(net, 'd')['not-a-voter']).toBe(3);
    expect(d.groupNames).toEqual(['default']);
    expect(d.inspect(net.now).groups).toBeUndefined();
    expect(net.collect('d')).toEqual({ persist: null, messages: [], events: [] });
  });
});

describe('an observer that asked for a group', () => {
  it('learns the group leader from its heartbeats (every observerHeartbeatInterval), never campaigns, and the lease does not need it', () => {
    const net = cluster();
    const d = net.add('d', null, ['a', 'b', 'c']).machine;
    for (const id of ['a', 'b', 'c']) net.get(id).addObserver('d');
    d.openGroup('g', net.now);
    openAndWin(net, 'g', ['a', 'b'], 1005);
    const interval = resolveElectionOptions({ clusterId: 'test', voters: ['a'] }).options
      .observerHeartbeatInterval;
    run(net, net.now + interval + 10);
    expect(d.group('g', net.now)).toMatchObject({ role: 'observer', leader: 'a', term: 1 });
    expect(d.leaseEnd(net.now, 'g')).toBeNull();
    expect(sent(net, 'd').filter(isCampaign)).toEqual([]);
    // At most one round per interval reaches it, while the voters hear every heartbeatInterval.
    const toD = sent(net, 'a').filter((m) => m.group === 'g' && m.type === 'heartbeat' && m.to === 'd');
    const toB = sent(net, 'a').filter((m) => m.group === 'g' && m.type === 'heartbeat' && m.to === 'b');
    expect(toD.length).toBeGreaterThan(0);
    expect(toD.length * 5).toBeLessThan(toB.length);
    // The group's lease does not wait for the observer: with d cut off, a keeps leading g.
    run(net, net.now + 3 * interval, (m) => m.to !== 'd' && m.from !== 'd');
    expect(net.get('a').leaseEnd(net.now, 'g')).not.toBeNull();
    // A new leader of g: the observer follows it within an interval.
    net.get('a').transferLeadership(net.now, 'b', 'g');
    run(net, net.now + 2 * interval);
    const leader = ['a', 'b', 'c'].find((id) => net.get(id).leaseEnd(net.now, 'g') !== null);
    expect(leader).toBeDefined();
    expect(d.group('g', net.now).leader).toBe(leader);
  });
});

describe('messages and events of a group', () => {
  it('carry the group; those of the default group carry no group key at all', () => {
    const net = cluster();
    const hasGroupKey = (x: object) => Object.hasOwn(x, 'group');
    // The default group's election and heartbeats so far.
    expect(allSent(net).filter(hasGroupKey)).toEqual([]);
    for (const id of ['a', 'b', 'c']) expect(net.events(id).filter(hasGroupKey)).toEqual([]);
    const heartbeat = sent(net, 'a').findLast((m) => m.type === 'heartbeat');
    expect(heartbeat).toStrictEqual({
      type: 'heartbeat',
      cluster: 'test',
      from: 'a',
      to: 'c',
      term: 1,
      round: heartbeat?.type === 'heartbeat' ? heartbeat.round : -1,
      configuration: { term: 1, version: 1 },
      // The leader asks one of its two followers per round to acknowledge; the other's heartbeat is quiet.
      ...(heartbeat?.type === 'heartbeat' && heartbeat.quiet === true ? { quiet: true } : {}),
    });
    expect(JSON.stringify(heartbeat)).not.toContain('group');

    // g's campaign at 1155 is alone in its instant (default heartbeats fall on 1150 and 1200).
    run(net, 1005);
    net.get('a').openGroup('g', 1005);
    run(net, 1154);
    const counts = [...net.nodes.keys()].map((id) => [id, net.nodes.get(id)?.readies.length ?? 0] as const);
    net.advanceTo(1155);
    net.stabilize();
    const messages: ElectionMessage[] = [];
    const events: ElectionEvent[] = [];
    for (const [id, from] of counts) {
      for (const ready of net.nodes.get(id)?.readies.slice(from) ?? []) {
        messages.push(...ready.messages);
        events.push(...ready.events);
      }
    }
    expect(new Set(messages.map((m) => m.type))).toEqual(
      new Set(['pre-vote', 'pre-vote-response', 'vote', 'vote-response', 'heartbeat', 'heartbeat-response']),
    );
    expect(messages.filter((m) => m.group !== 'g')).toEqual([]);
    expect(events).toContainEqual({ type: 'became-leader', term: 1, at: 1155, group: 'g' });
    expect(events).toContainEqual({ type: 'term-changed', from: 0, to: 1, group: 'g' });
    expect(events.filter((e) => !('group' in e) || e.group !== 'g')).toEqual([]);
  });

  it("a received message whose group is not a group name, or is 'default', is dropped as invalid", () => {
    const net = cluster();
    const b = net.get('b');
    net.collect('b');
    const invalid = dropped(net, 'b').invalid;
    const names = ['default', 'Billing', '', 'a'.repeat(64), 'a b'];
    for (const group of names) b.receive(heartbeatOf(group, 5), net.now);
    expect(dropped(net, 'b').invalid).toBe(invalid + names.length);
    expect(b.term).toBe(1); // 'default' spelt out did not reach the default group
    expect(b.groupNames).toEqual(['default']);
    expect(net.collect('b')).toEqual({ persist: null, messages: [], events: [] });
    // The same heartbeat without a group, or with a valid one, is handled.
    b.receive(heartbeatOf('g', 5), net.now);
    expect(b.group('g', net.now)).toMatchObject({ term: 5, leader: 'a', asked: false });
  });
});

describe('closeGroup', () => {
  it('on the leader hands the group to a voter that asked for it, returns true, and leaves the default group alone', () => {
    const net = cluster();
    run(net, 1005);
    net.get('c').openGroup('g', 1005);
    net.get('a').openGroup('g', 1005); // a and c ask; b takes part passively
    run(net, 1155);
    const a = net.get('a');
    expect(a.isLeader(net.now, 'g')).toBe(true);
    run(net, 1200); // one heartbeat round of g: a learns who asked
    expect(a.closeGroup('g', net.now)).toBe(true);
    expect(a.isLeader(net.now, 'g')).toBe(false);
    expect(net.collect('a').messages).toEqual([
      { type: 'timeout-now', cluster: 'test', from: 'a', to: 'c', term: 1, group: 'g' },
    ]);
    net.stabilize();
    const c = net.get('c');
    expect(c.isLeader(net.now, 'g')).toBe(true);
    expect(c.group('g', net.now)).toMatchObject({ role: 'leader', term: 2, asked: true });
    expect(a.group('g', net.now)).toMatchObject({ role: 'follower', asked: false, leader: 'c', term: 2 });
    expect(net.events('a')).toContainEqual({
      type: 'leadership-lost',
      term: 1,
      at: 1200,
      reason: 'transfer',
      group: 'g',
    });
    expect(a.isLeader(net.now)).toBe(true);
    expect(a.term).toBe(1);
  });

  it('hands over to no voter that did not ask for the group: with none that asked, it steps down', () => {
    const net = cluster();
    openAndWin(net, 'g', ['a'], 1005);
    run(net, 1200);
    const a = net.get('a');
    net.collect('a');
    expect(a.closeGroup('g', net.now)).toBe(true);
    expect(a.isLeader(net.now, 'g')).toBe(false);
    expect(net.collect('a').messages.filter((m) => m.type === 'timeout-now')).toEqual([]);
    expect(net.events('a')).toContainEqual(
      expect.objectContaining({ type: 'leadership-lost', group: 'g', reason: 'step-down' }),
    );
  });

  it('refuses the default group and a group the node takes no part in; a non-leader returns false', () => {
    const net = cluster();
    openAndWin(net, 'g', ['a'], 1005);
    for (const [node, name] of [
      ['a', 'default'],
      ['a', 'h'],
      ['b', 'default'],
    ] as const) {
      const error = (() => {
        try {
          net.get(node).closeGroup(name, net.now);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error, `${node} ${name}`).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).option).toBe('group');
      expect((error as Error).message).toContain('closeGroup');
    }
    expect(net.get('a').isLeader(net.now)).toBe(true);
    expect(net.get('b').closeGroup('g', net.now)).toBe(false); // passive: nothing to hand over
  });

  it('afterwards the node never campaigns in the group, but still votes in it', () => {
    const net = cluster();
    run(net, 1005);
    net.get('c').openGroup('g', 1005);
    net.get('a').openGroup('g', 1005);
    run(net, 1200);
    net.get('a').closeGroup('g', net.now);
    net.collect('a');
    net.stabilize(); // c leads g in term 2
    expect(net.get('c').isLeader(net.now, 'g')).toBe(true);
    // c falls silent in g (its own campaigns go nowhere); nobody else asked: a and b never campaign.
    const silentC = (m: ElectionMessage) => !(m.group === 'g' && m.from === 'c');
    let before = allSent(net).length;
    run(net, 3000, silentC);
    expect(
      allSent(net)
        .slice(before)
        .filter((m) => m.group === 'g' && isCampaign(m) && m.from !== 'c'),
    ).toEqual([]);
    expect(net.get('a').group('g', net.now)).toMatchObject({ role: 'follower', leader: null });
    // b asks: it campaigns in term 3 and wins with a's vote (c is still silent).
    net.get('b').openGroup('g', net.now);
    before = allSent(net).length;
    run(net, 3200, silentC);
    expect(net.get('b').isLeader(net.now, 'g')).toBe(true);
    expect(net.get('a').group('g', net.now)).toMatchObject({ term: 3, votedFor: 'b', asked: false });
    expect(
      allSent(net)
        .slice(before)
        .filter((m) => m.group === 'g' && isCampaign(m) && m.from === 'a'),
    ).toEqual([]);
  });
});

describe('several groups at once', () => {
  it('two groups led by different nodes while the default leader stays; isLeader, leaseEnd, group() and inspect() per group', () => {
    const net = cluster();
    const a = net.get('a');
    const b = net.get('b');
    expect(a.inspect(net.now).groups).toBeUndefined();
    expect(a.inspect(net.now)).not.toHaveProperty('groups');
    run(net, 1005);
    b.openGroup('g', 1005);
    net.collect('b');
    a.openGroup('g', 1005);
    a.openGroup('h', 1005);
    run(net, 1200); // a won both at 1155, and heard a round of acknowledgements
    expect(a.isLeader(net.now, 'g') && a.isLeader(net.now, 'h')).toBe(true);
    expect(a.transferLeadership(net.now, 'b', 'g')).toBe('b');
    net.stabilize();
    run(net, 1230);
    const leaders = (group: string) => ['a', 'b', 'c'].filter((id) => net.get(id).isLeader(net.now, group));
    expect([leaders('default'), leaders('g'), leaders('h')]).toEqual([['a'], ['b'], ['a']]);
    expect(a.isLeader(net.now)).toBe(true);
    expect(a.term).toBe(1);
    // Own lease ends per group: b's of g, a's of h and of the default group.
    expect(b.leaseEnd(net.now, 'g')).toBeGreaterThan(net.now);
    expect(a.leaseEnd(net.now, 'g')).toBeNull();
    expect(a.leaseEnd(net.now, 'h')).toBeGreaterThan(net.now);
    expect(b.leaseEnd(net.now, 'h')).toBeNull();
    expect(b.leaseEnd(net.now)).toBeNull();
    expect(a.leaseEnd(net.now, 'nope')).toBeNull();
    expect(a.isLeader(net.now, 'nope')).toBe(false);
    const bg = b.group('g', net.now);
    expect(bg).toEqual({
      name: 'g',
      asked: true,
      preferred: false,
      role: 'leader',
      term: 2,
      votedFor: 'b',
      leader: 'b',
      isLeader: true,
      leaseRemaining: (b.leaseEnd(net.now, 'g') as number) - net.now,
    });
    expect(a.group('g', net.now)).toEqual({
      name: 'g',
      asked: true,
      preferred: false,
      role: 'follower',
      term: 2,
      votedFor: 'b',
      leader: 'b',
      isLeader: false,
      leaseRemaining: 0,
    });
    expect(a.group('default', net.now)).toMatchObject({ name: 'default', role: 'leader', term: 1 });
    expect(() => a.group('nope', net.now)).toThrow(InvalidOptionError);
    const snapshot = a.inspect(net.now);
    expect(Object.keys(snapshot.groups ?? {})).toEqual(['g', 'h']);
    expect(snapshot.groups?.g).toEqual(a.group('g', net.now));
    expect(snapshot.groups?.h).toMatchObject({ role: 'leader', isLeader: true, term: 1 });
    expect(snapshot).toMatchObject({ role: 'leader', term: 1, isLeader: true }); // the default group's
    expect(net.get('c').inspect(net.now).groups).toMatchObject({
      g: { asked: false, leader: 'b', term: 2 },
      h: { asked: false, leader: 'a', term: 1 },
    });
    // It lasts: no group loses its leader, and no lease of a group is held by two nodes at once.
    for (let t = net.now + 10; t <= 3000; t += 10) {
      run(net, t);
      expect([leaders('default'), leaders('g'), leaders('h')]).toEqual([['a'], ['b'], ['a']]);
    }
  });

  it('transferLeadership of a group refuses a target that did not acknowledge, and a node that does not lead it', () => {
    const net = cluster();
    openAndWin(net, 'g', ['a'], 1005);
    const a = net.get('a');
    expect(() => a.transferLeadership(net.now, 'a', 'g')).toThrow(InvalidTargetError);
    expect(() => net.get('b').transferLeadership(net.now, 'c', 'g')).toThrow(/not the leader/);
    expect(() => a.transferLeadership(net.now, 'b', 'nope')).toThrow(InvalidOptionError);
  });

  it('transferLeadership of a group refuses a voter that acknowledged but did not ask for the group', () => {
    const net = cluster();
    openAndWin(net, 'g', ['a'], 1005);
    run(net, 1200); // b and c acknowledged a's rounds of g, passively
    const a = net.get('a');
    expect(() => a.transferLeadership(net.now, 'b', 'g')).toThrow(/has not asked for group g/);
    expect(a.isLeader(net.now, 'g')).toBe(true); // refused before the lease was given up
  });
});

describe('restart', () => {
  it("a node built from its persisted state keeps each group's term and vote, passive until it asks again", () => {
    const net = cluster();
    openAndWin(net, 'g', ['a'], 1005);
    run(net, 1200);
    const persisted = net.nodes.get('b')?.persisted as PersistentState;
    expect(persisted.groups).toEqual({ g: { term: 1, votedFor: 'a' } });
    const b = net.restart('b');
    expect(b.groupNames).toEqual(['default', 'g']);
    expect(b.group('g', net.now)).toMatchObject({ asked: false, term: 1, votedFor: 'a', role: 'follower' });
    // Past the restart's stickiness, c asks for b's vote in g's term 1: refused, a vote was given in it.
    net.now += 150;
    b.receive(
      {
        type: 'vote',
        cluster: 'test',
        from: 'c',
        to: 'b',
        term: 1,
        configuration: { term: 1, version: 1 },
        transfer: true,
        group: 'g',
      },
      net.now,
    );
    const answer = net.collect('b');
    expect(answer.messages).toEqual([
      expect.objectContaining({ type: 'vote-response', granted: false, term: 1, group: 'g' }),
    ]);
    expect(answer.persist).toBeNull();

    // The leader restarted: its record is passive too; it takes no part in campaigns until it asks again.
    const a = net.restart('a');
    expect(a.group('g', net.now)).toMatchObject({ asked: false, term: 1, votedFor: 'a', role: 'follower' });
    const before = allSent(net).length;
    run(net, 3000);
    expect(
      allSent(net)
        .slice(before)
        .filter((m) => m.group === 'g' && isCampaign(m)),
    ).toEqual([]);
    a.openGroup('g', net.now);
    expect(a.group('g', net.now).asked).toBe(true);
    run(net, 3300);
    expect(['a', 'b', 'c'].filter((id) => net.get(id).isLeader(net.now, 'g'))).toEqual(['a']);
    expect(a.group('g', net.now).term).toBe(2);
  });
});

describe('rule G3: the group term floor', () => {
  const floored = (floor: number): PersistentState => ({
    term: 1,
    votedFor: null,
    configuration: { term: 1, version: 1, voters: ['a', 'b', 'c'], groupTermFloor: floor },
  });

  function flooredCluster(floor: number): Net {
    const net = new Net(['a', 'b', 'c'], OPTIONS);
    for (const id of ['a', 'b', 'c']) net.add(id, floored(floor));
    net.inbox = [];
    net.now = 200; // past every node's restart stickiness
    return net;
  }

  const request = (type: 'pre-vote' | 'vote', term: number, group?: string): ElectionMessage =>
    ({
      type,
      cluster: 'test',
      from: 'a',
      to: 'b',
      term,
      configuration: { term: 1, version: 1 },
      ...(type === 'vote' ? { transfer: false } : {}),
      ...(group === undefined ? {} : { group }),
    }) as ElectionMessage;

  it('a voter refuses the pre-vote and the vote of a named group at a term at or below the floor, grants above it', () => {
    const net = flooredCluster(5);
    const b = net.get('b');
    const answers = (message: ElectionMessage) => {
      b.receive(message, net.now);
      return net.collect('b').messages.map((m) => ('granted' in m ? m.granted : null));
    };
    expect(answers(request('pre-vote', 4, 'g'))).toEqual([false]);
    expect(answers(request('pre-vote', 5, 'g'))).toEqual([false]);
    expect(answers(request('pre-vote', 6, 'g'))).toEqual([true]);
    expect(answers(request('vote', 5, 'g'))).toEqual([false]);
    expect(b.group('g', net.now)).toMatchObject({ term: 5, votedFor: null });
    expect(answers(request('vote', 6, 'g'))).toEqual([true]);
    expect(b.group('g', net.now)).toMatchObject({ term: 6, votedFor: 'a' });
  });

  it('the default group ignores the floor', () => {
    const net = flooredCluster(5);
    const b = net.get('b');
    b.receive(request('pre-vote', 2), net.now);
    b.receive(request('vote', 2), net.now);
    expect(net.collect('b').messages).toEqual([
      expect.objectContaining({ type: 'pre-vote-response', granted: true, term: 2 }),
      expect.objectContaining({ type: 'vote-response', granted: true, term: 2 }),
    ]);
    expect(b.votedFor).toBe('a');
  });

  it('a node campaigns in a named group at floor + 1, and wins there', () => {
    const net = flooredCluster(5);
    elect(net, 'a');
    expect(net.get('a').term).toBe(2); // the default group's next term, floor or not
    net.get('a').openGroup('g', net.now);
    net.collect('a');
    net.advanceTo(net.now + 150);
    expect(sent(net, 'a').filter(ofGroup('g'))).toEqual([
      expect.objectContaining({ type: 'pre-vote', term: 6 }),
      expect.objectContaining({ type: 'pre-vote', term: 6 }),
    ]);
    net.stabilize();
    expect(net.get('a').isLeader(net.now, 'g')).toBe(true);
    expect(net.get('a').group('g', net.now).term).toBe(6);
  });
});

describe('rule G5: voter changes are spaced by electionTimeoutMin', () => {
  it('after a change is done, the next one is refused as settling until electionTimeoutMin later', () => {
    const net = new Net(['a', 'b', 'c'], OPTIONS);
    net.add('d', null, []);
    for (const id of ['a', 'b', 'c']) net.get(id).addObserver('d');
    elect(net, 'a');
    run(net, 400);
    const a = net.get('a');
    expect(a.configurationDone).toBe(true);
    a.changeVoters(net.now, { add: 'd' });
    net.collect('a');
    net.stabilize(); // d and the others acknowledge at once: the change is done at 400
    expect(a.membershipView.change).toBeNull();
    const refused = (at: number) => {
      run(net, at);
      try {
        a.changeVoters(net.now, { remove: 'd' });
        return null;
      } catch (error) {
        expect(error).toBeInstanceOf(MembershipChangeError);
        return (error as MembershipChangeError).reason;
      }
    };
    expect(refused(400)).toBe('settling');
    expect(refused(549)).toBe('settling');
    expect(a.configurationDone).toBe(false);
    expect(refused(550)).toBeNull();
    expect(a.configuration.voters).toEqual(['a', 'b', 'c']);
  });
});

describe('placementInterval', () => {
  it('defaults to 1000 ms, or heartbeatInterval when that is longer; a given one below it is refused', () => {
    expect(resolveElectionOptions({ clusterId: 'x' }).options.placementInterval).toBe(1_000);
    const slow = {
      clusterId: 'x',
      electionTimeoutMin: 15_000,
      electionTimeoutMax: 30_000,
      heartbeatInterval: 7_500,
    };
    expect(resolveElectionOptions(slow).options.placementInterval).toBe(7_500);
    expect(() => resolveElectionOptions({ ...slow, placementInterval: 1_000 })).toThrow(
      /placementInterval=1000/,
    );
    expect(resolveElectionOptions({ ...slow, placementInterval: 0 }).options.placementInterval).toBe(0);
  });
});

describe('a bound on groups', () => {
  it('a node takes part in at most 1024 groups: openGroup beyond throws, and a new name from a peer is dropped', () => {
    const net = cluster();
    const a = net.get('a');
    for (let i = 1; i < 1_024; i++) a.openGroup(`g${i}`, net.now);
    expect(a.groupNames).toHaveLength(1_024); // the default one and 1023 named ones
    expect(() => a.openGroup('one-more', net.now)).toThrow(/at most 1024 groups/);
    const before = a.inspect(net.now).counters.messagesDropped['not-a-voter'];
    a.receive(
      {
        type: 'pre-vote',
        cluster: 'test',
        from: 'b',
        to: 'a',
        term: 5,
        configuration: { term: 0, version: 1 },
        group: 'fresh',
      },
      net.now,
    );
    expect(a.groupNames).not.toContain('fresh');
    expect(a.inspect(net.now).counters.messagesDropped['not-a-voter']).toBe(before + 1);
  });
});
