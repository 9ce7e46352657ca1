import { describe, expect, it } from 'vitest';
import { ElectionMachine } from '../../src/index.js';
import { elect, Net } from './harness.js';

describe('roles and terms (Raft section 5.2)', () => {
  it('a follower that times out pre-votes, campaigns, wins and leads once a majority acknowledges', () => {
    const net = new Net(['a', 'b', 'c']);
    elect(net, 'a');
    const a = net.get('a');
    expect(a.role).toBe('leader');
    expect(a.term).toBe(1);
    expect(net.leaseHolders()).toEqual(['a']);
    expect(net.get('b').leader).toBe('a');
    expect(net.get('c').leader).toBe('a');
    const roles = net
      .events('a')
      .filter((e) => e.type === 'role-changed')
      .map((e) => (e.type === 'role-changed' ? e.to : ''));
    expect(roles).toEqual(['pre-candidate', 'candidate', 'leader']);
    expect(net.events('a')).toContainEqual({ type: 'became-leader', term: 1, at: net.now });
  });

  it('a one-voter configuration elects itself at once, with no messages', () => {
    const net = new Net(['solo']);
    expect(net.get('solo').nextDeadline()).toBe(net.now);
    net.advanceTo(net.now);
    expect(net.get('solo').isLeader(net.now)).toBe(true);
    expect(net.inbox).toEqual([]);
  });

  it('quorum counts the configured voters, not the peers that answered', () => {
    // Five voters, only two reachable: a candidate with 2 of 5 votes must not win (flaw 1 of the ergo leader
    // package, docs/design.md).
    const net = new Net(['a', 'b', 'c', 'd', 'e']);
    net.cutLink('a', 'd');
    net.cutLink('a', 'e');
    net.cutLink('a', 'c');
    elect(net, 'a');
    expect(net.get('a').role).not.toBe('leader');
    expect(net.leaseHolders()).toEqual([]);
  });

  it('grants at most one vote per term and persists it before replying', () => {
    const net = new Net(['a', 'b', 'c']);
    const b = net.get('b');
    net.now = 200;
    b.receive(
      {
        type: 'vote',
        cluster: 'test',
        from: 'a',
        to: 'b',
        term: 1,
        configuration: { term: 0, version: 1 },
        transfer: false,
      },
      200,
    );
    const first = net.collect('b');
    expect(first.persist).toEqual({
      term: 1,
      votedFor: 'a',
      configuration: { term: 0, version: 1, voters: ['a', 'b', 'c'] },
    });
    expect(first.messages).toMatchObject([{ type: 'vote-response', to: 'a', granted: true, term: 1 }]);
    b.receive(
      {
        type: 'vote',
        cluster: 'test',
        from: 'c',
        to: 'b',
        term: 1,
        configuration: { term: 0, version: 1 },
        transfer: false,
      },
      201,
    );
    expect(net.collect('b').messages).toMatchObject([{ type: 'vote-response', to: 'c', granted: false }]);
    // A repeated request from the same candidate is granted again (idempotent), with no new write.
    b.receive(
      {
        type: 'vote',
        cluster: 'test',
        from: 'a',
        to: 'b',
        term: 1,
        configuration: { term: 0, version: 1 },
        transfer: false,
      },
      202,
    );
    const again = net.collect('b');
    expect(again.persist).toBeNull();
    expect(again.messages).toMatchObject([{ granted: true }]);
  });

  it('a node restarted from its persisted state never votes twice in a term', () => {
    const net = new Net(['a', 'b', 'c']);
    net.now = 200;
    net.get('b').receive(
      {
        type: 'vote',
        cluster: 'test',
        from: 'a',
        to: 'b',
        term: 4,
        configuration: { term: 0, version: 1 },
        transfer: false,
      },
      200,
    );
    net.collect('b');
    const b = net.restart('b');
    expect(b.term).toBe(4);
    expect(b.votedFor).toBe('a');
    net.now = 400; // past the restart stickiness
    b.receive(
      {
        type: 'vote',
        cluster: 'test',
        from: 'c',
        to: 'b',
        term: 4,
        configuration: { term: 0, version: 1 },
        transfer: false,
      },
      400,
    );
    expect(net.collect('b').messages).toMatchObject([{ granted: false, term: 4 }]);
  });

  it('a restarted node keeps leader stickiness for a minimum timeout after it starts', () => {
    const net = new Net(['a', 'b', 'c']);
    net.now = 1000;
    const b = net.restart('b');
    b.receive(
      {
        type: 'vote',
        cluster: 'test',
        from: 'a',
        to: 'b',
        term: 1,
        configuration: { term: 0, version: 1 },
        transfer: false,
      },
      1100,
    );
    expect(net.collect('b').messages).toEqual([]);
    expect(b.inspect(1100).counters.messagesDropped['leader-sticky']).toBe(1);
    b.receive(
      {
        type: 'vote',
        cluster: 'test',
        from: 'a',
        to: 'b',
        term: 1,
        configuration: { term: 0, version: 1 },
        transfer: false,
      },
      1150,
    );
    expect(net.collect('b').messages).toMatchObject([{ granted: true }]);
  });

  it('the term is the fencing token: monotonic, persisted and carried by every became-leader event', () => {
    const net = new Net(['a', 'b', 'c']);
    elect(net, 'a');
    net.isolate('a');
    net.advanceTo(net.now + 1000);
    net.recover();
    net.stabilize();
    // b or c (or a again) leads in a higher term.
    const start = net.now;
    for (let t = start; net.leaseHolders().length === 0 && t < start + 5000; t += 10) {
      net.advanceTo(t);
      net.stabilize();
    }
    const tokens = ['a', 'b', 'c'].flatMap((id) =>
      net.events(id).flatMap((e) => (e.type === 'became-leader' ? [e.term] : [])),
    );
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    expect(new Set(tokens).size).toBe(tokens.length);
    const leader = net.leaseHolders()[0] as string;
    expect(net.nodes.get(leader)?.persisted?.term).toBe(net.get(leader).term);
  });
});

describe('observers and the voter configuration', () => {
  it('a node outside a non-empty voter list is an observer that says so and never campaigns', () => {
    const net = new Net(['a', 'b', 'c']);
    const o = net.add('o');
    expect(o.machine.role).toBe('observer');
    expect(o.machine.warnings.join()).toMatch(/not a voter of v1@t0 \[a, b, c\]: it runs as an observer/);
    net.timeout('o');
    expect(net.inbox).toEqual([]);
    expect(o.machine.role).toBe('observer');
  });

  it('an observer follows and knows the leader but refuses to vote', () => {
    const net = new Net(['a', 'b', 'c']);
    net.add('o');
    elect(net, 'a');
    net.get('a').addObserver('o');
    net.advanceTo(net.now + 50);
    net.stabilize();
    expect(net.get('o').leader).toBe('a');
    net.get('o').receive(
      {
        type: 'vote',
        cluster: 'test',
        from: 'b',
        to: 'o',
        term: 9,
        configuration: { term: 0, version: 1 },
        transfer: true,
      },
      net.now,
    );
    expect(net.collect('o').messages).toMatchObject([{ granted: false }]);
  });

  it('a voter refuses a candidate whose configuration is older than its own', () => {
    const net = new Net(['a', 'b', 'c']);
    net.now = 500;
    const b = net.get('b');
    b.receive(
      {
        type: 'vote',
        cluster: 'test',
        from: 'a',
        to: 'b',
        term: 1,
        configuration: { term: 0, version: 0 },
        transfer: false,
      },
      500,
    );
    expect(net.collect('b').messages).toMatchObject([{ granted: false }]);
    b.receive(
      {
        type: 'pre-vote',
        cluster: 'test',
        from: 'a',
        to: 'b',
        term: 2,
        configuration: { term: 0, version: 0 },
      },
      500,
    );
    expect(net.collect('b').messages).toMatchObject([{ type: 'pre-vote-response', granted: false }]);
  });

  it('keeps the persisted configuration when the voters option differs from it, and says so', () => {
    const machine = new ElectionMachine({
      id: 'a',
      options: { clusterId: 'c', voters: ['a', 'b', 'd'] },
      state: { term: 3, votedFor: null, configuration: { term: 2, version: 4, voters: ['a', 'b', 'c'] } },
      random: () => 0,
      now: 0,
    });
    expect(machine.configuration).toEqual({ term: 2, version: 4, voters: ['a', 'b', 'c'] });
    expect(machine.warnings.join('\n')).toMatch(/differs from the persisted configuration v4@t2 \[a, b, c\]/);
    expect(machine.hasReady()).toBe(false); // nothing to save: the persisted state stands
  });

  it('names the bad field of a damaged persisted state instead of resetting it', () => {
    expect(
      () =>
        new ElectionMachine({
          id: 'a',
          options: { clusterId: 'c', voters: ['a'] },
          state: { term: -1, votedFor: null, configuration: { term: 0, version: 1, voters: ['a'] } },
          random: () => 0,
          now: 0,
        }),
    ).toThrow(/persisted state: term must be a non-negative integer/);
  });

  it('persists the configuration on first start so that it is compared at vote time later', () => {
    const net = new Net(['a', 'b', 'c']);
    expect(net.nodes.get('a')?.persisted).toEqual({
      term: 0,
      votedFor: null,
      configuration: { term: 0, version: 1, voters: ['a', 'b', 'c'] },
    });
  });
});

describe('message hygiene', () => {
  it('ignores and counts messages for another cluster, or addressed to another node', () => {
    const net = new Net(['a', 'b', 'c']);
    const b = net.get('b');
    b.receive(
      {
        type: 'heartbeat',
        cluster: 'other',
        from: 'a',
        to: 'b',
        term: 5,
        round: 1,
        configuration: { term: 0, version: 1 },
      },
      1,
    );
    b.receive(
      {
        type: 'heartbeat',
        cluster: 'test',
        from: 'a',
        to: 'c',
        term: 5,
        round: 1,
        configuration: { term: 0, version: 1 },
      },
      1,
    );
    b.receive(
      {
        type: 'heartbeat',
        cluster: 'test',
        from: 'a',
        to: 'b',
        term: -1,
        round: 1,
        configuration: { term: 0, version: 1 },
      },
      1,
    );
    const last = Number.MAX_SAFE_INTEGER; // no next term after it
    b.receive(
      {
        type: 'heartbeat',
        cluster: 'test',
        from: 'a',
        to: 'b',
        term: last,
        round: 1,
        configuration: { term: 0, version: 1 },
      },
      1,
    );
    expect(b.term).toBe(0);
    expect(net.collect('b').messages).toEqual([]);
    const dropped = b.inspect(1).counters.messagesDropped;
    expect(dropped['wrong-cluster']).toBe(1);
    expect(dropped.misaddressed).toBe(1);
    expect(dropped.invalid).toBe(2);
  });

  it('a heartbeat from a node that is not a voter does not make it the leader', () => {
    const net = new Net(['a', 'b', 'c']);
    const b = net.get('b');
    b.receive(
      {
        type: 'heartbeat',
        cluster: 'test',
        from: 'x',
        to: 'b',
        term: 1,
        round: 1,
        configuration: { term: 0, version: 1 },
      },
      1,
    );
    expect(b.leader).toBeNull();
    expect(b.term).toBe(0);
    expect(b.inspect(1).counters.messagesDropped['not-a-voter']).toBe(1);
  });

  it("a non-voter's higher term moves no voter's term: an observer cannot depose the leader", () => {
    const net = new Net(['a', 'b', 'c']);
    elect(net, 'a');
    const a = net.get('a');
    a.addObserver('o');
    const term = a.term;
    const from = { cluster: 'test', from: 'o', to: 'a', term: term + 5 } as const;
    const configuration = { term: 0, version: 1 };
    a.receive(
      { ...from, type: 'heartbeat-response', round: 1, ok: false, configuration, leaving: false },
      net.now,
    );
    a.receive({ ...from, type: 'timeout-now' }, net.now);
    a.receive({ ...from, type: 'vote', configuration: { term: 0, version: 1 }, transfer: true }, net.now);
    a.receive({ ...from, type: 'pre-vote', configuration: { term: 0, version: 1 } }, net.now);
    expect(a.term).toBe(term);
    expect(a.isLeader(net.now)).toBe(true);
    expect(net.collect('a').messages).toEqual([]);
    expect(a.inspect(net.now).counters.messagesDropped['not-a-voter']).toBe(3);
    expect(a.inspect(net.now).lastContact.o).toBe(0);
  });

  it('tells a stale leader about the newer term so that it steps down', () => {
    const net = new Net(['a', 'b', 'c']);
    elect(net, 'a');
    net.isolate('a');
    net.advanceTo(net.now + 400);
    net.recover();
    net.stabilize();
    for (let i = 0; i < 50 && net.leaseHolders().filter((l) => l !== 'a').length === 0; i++) {
      net.advanceTo(net.now + 20);
      net.stabilize();
    }
    const newLeader = net.leaseHolders()[0];
    expect(newLeader).toBeDefined();
    expect(newLeader).not.toBe('a');
    // 'a' stepped down when its lease lapsed; a late heartbeat of its old term is answered with the new one.
    net.get('b').receive(
      {
        type: 'heartbeat',
        cluster: 'test',
        from: 'a',
        to: 'b',
        term: 1,
        round: 99,
        configuration: { term: 0, version: 1 },
      },
      net.now,
    );
    expect(net.collect('b').messages).toMatchObject([
      { type: 'heartbeat-response', ok: false, term: net.get('b').term },
    ]);
  });
});
