import { afterEach, describe, expect, it } from 'vitest';
import {
  type LeaderElectionEvents,
  type LeadershipLostError,
  NotRunningError,
  PayloadError,
} from '../../src/index.js';
import { VirtualCluster } from './cluster-harness.js';

const FIVE = ['a', 'b', 'c', 'd', 'e'];

let cluster: VirtualCluster | null = null;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = null;
});

type Recorded = { node: string; event: keyof LeaderElectionEvents; value: unknown };

function recordAll(c: VirtualCluster): Recorded[] {
  const log: Recorded[] = [];
  for (const [id, node] of c.nodes) {
    for (const event of [
      'became-leader',
      'became-follower',
      'leader-changed',
      'term-changed',
      'leadership-lost',
    ] as const) {
      node.on(event, (value) => void log.push({ node: id, event, value }));
    }
  }
  return log;
}

describe('handlers run outside the election loop', () => {
  it('a handler that blocks the event loop longer than a heartbeat interval is logged with its event', async () => {
    cluster = new VirtualCluster(['solo']);
    // The node's clock jumps while the handler runs, as the real one does under a synchronous handler.
    const base = cluster.time('solo');
    let blockedFor = 0;
    const node = cluster.create('solo', {
      timeProvider: {
        now: () => base.now() + blockedFor,
        setTimeout: (callback, delayMs) => base.setTimeout(callback, delayMs),
        clearTimeout: (handle) => base.clearTimeout(handle),
        queueTask: (callback) => base.queueTask(callback),
      },
    });
    cluster.nodes.set('solo', node);
    node.on('became-leader', () => {
      blockedFor += 70; // heartbeatInterval is 50 ms
    });
    node.on('leader-changed', () => {
      blockedFor += 10; // short: not reported
    });
    await node.start();
    await cluster.clock.runUntil(() => blockedFor >= 80, { within: 1_000 });
    const slow = cluster.logs.filter((l) => l.level === 'warn' && /blocked the event loop/.test(l.message));
    expect(slow.map((l) => l.context?.event)).toEqual(['became-leader']);
    expect(slow[0]!.context?.duration).toBe(70);
  });

  it('a throwing became-leader handler is logged with the event name and makes the node step down', async () => {
    cluster = new VirtualCluster(FIVE);
    const failing = new Set<string>();
    for (const [id, node] of cluster.nodes) {
      node.on('became-leader', () => {
        if (failing.size === 0) {
          failing.add(id);
          throw new Error('cannot start the scheduler');
        }
      });
    }
    await cluster.startAll();
    await cluster.clock.runUntil(() => failing.size === 1, { within: 5_000 });
    const first = [...failing][0]!;
    await cluster.clock.runUntil(
      () => cluster!.leaseHolders().length === 1 && cluster!.leaseHolders()[0] !== first,
      {
        within: 5_000,
      },
    );
    expect(cluster.node(first).isLeader()).toBe(false);
    const logged = cluster.logs.find(
      (l) => l.node === first && l.level === 'error' && /became-leader/.test(l.message),
    );
    expect(logged?.context?.error).toMatch(/cannot start the scheduler/);
    expect(cluster.logs.some((l) => l.node === first && /stepping down/.test(l.message))).toBe(true);
  });

  it('with stepDownOnHandlerError: false, a rejecting became-leader handler is only logged', async () => {
    cluster = new VirtualCluster(FIVE, { stepDownOnHandlerError: false });
    for (const node of cluster.nodes.values())
      node.on('became-leader', async () => Promise.reject(new Error('nope')));
    await cluster.startAll();
    const leader = await cluster.stableLeader();
    await cluster.clock.advanceBy(1_000);
    expect(cluster.leaseHolders()).toEqual([leader]);
    expect(
      cluster.logs.some((l) => l.node === leader && l.level === 'error' && /became-leader/.test(l.message)),
    ).toBe(true);
  });

  it('a handler that never settles does not delay heartbeats: the leader keeps its lease', async () => {
    cluster = new VirtualCluster(FIVE);
    let calls = 0;
    for (const node of cluster.nodes.values()) {
      node.on('became-leader', () => {
        calls += 1;
        return new Promise<void>(() => {}); // runs forever
      });
      node.on('leader-changed', () => {
        throw new Error('a bug in a leader-changed handler');
      });
    }
    await cluster.startAll();
    const leader = await cluster.stableLeader();
    const term = cluster.node(leader).term();
    await cluster.clock.advanceBy(3_000);
    expect(cluster.leaseHolders()).toEqual([leader]);
    expect(cluster.node(leader).term()).toBe(term);
    expect(calls).toBe(1);
    expect(
      cluster.logs.some((l) => l.level === 'error' && /leader-changed handler failed/.test(l.message)),
    ).toBe(true);
  });

  it('handlers run after the step that produced their event has returned, not inside it', async () => {
    cluster = new VirtualCluster(['a', 'b', 'c']);
    await cluster.startAll();
    const leader = await cluster.stableLeader();
    await cluster.clock.flush();
    const node = cluster.node(leader);
    const seen: string[] = [];
    node.on('leadership-lost', ({ reason }) => void seen.push(`lost:${reason}`));
    node.on('became-follower', () => void seen.push('follower'));
    const handle = node.leadership!;
    expect(node.stepDown()).toBe(true);
    expect(handle.signal.aborted).toBe(true); // the signal is immediate...
    expect(seen).toEqual([]); // ...handlers are not
    await cluster.clock.flush();
    expect(seen).toEqual(['lost:step-down', 'follower']);
  });

  it('unsubscribe stops delivery; on() refuses unknown events', async () => {
    cluster = new VirtualCluster(['solo']);
    const node = cluster.node('solo');
    let count = 0;
    const off = node.on('term-changed', () => {
      count += 1;
    });
    off();
    off();
    await node.start();
    await cluster.stableLeader();
    expect(count).toBe(0);
    expect(() => node.on('became-leeder' as 'became-leader', () => {})).toThrow(
      /unknown event "became-leeder"/,
    );
  });
});

describe('event ordering', () => {
  it('per node: terms only grow, became-leader follows its term-changed, leadership-lost pairs with it', async () => {
    cluster = new VirtualCluster(FIVE);
    const log = recordAll(cluster);
    await cluster.startAll();
    const first = await cluster.stableLeader();
    const transfer = cluster.node(first).transferLeadership();
    await cluster.clock.advanceBy(500);
    await transfer;
    const second = await cluster.stableLeader();
    cluster.time(second).freeze();
    cluster.network.isolate(second);
    await cluster.clock.advanceBy(1_500);
    cluster.time(second).resume();
    cluster.network.heal();
    await cluster.clock.advanceBy(1_000);
    await cluster.stableLeader();

    for (const id of FIVE) {
      const events = log.filter((r) => r.node === id);
      let term = 0;
      let leading: number | null = null;
      for (const { event, value } of events) {
        if (event === 'term-changed') {
          const { from, to } = value as { from: number; to: number };
          expect(from).toBe(term);
          expect(to).toBeGreaterThan(from);
          term = to;
        }
        if (event === 'became-leader') {
          expect(leading).toBe(null);
          expect((value as { term: number }).term).toBe(term);
          leading = (value as { term: number }).term;
        }
        if (event === 'leadership-lost') {
          expect((value as { term: number }).term).toBe(leading);
          leading = null;
        }
      }
    }
    const leaderTerms = log
      .filter((r) => r.event === 'became-leader')
      .map((r) => (r.value as { term: number }).term);
    expect(new Set(leaderTerms).size).toBe(leaderTerms.length); // one leader per term
    expect(leaderTerms.length).toBeGreaterThanOrEqual(3);
  });

  it('a follower sees became-follower and leader-changed naming the leader', async () => {
    cluster = new VirtualCluster(FIVE);
    const log = recordAll(cluster);
    await cluster.startAll();
    const leader = await cluster.stableLeader();
    await cluster.clock.flush();
    const follower = FIVE.find((id) => id !== leader)!;
    const changes = log.filter((r) => r.node === follower && r.event === 'leader-changed');
    expect(changes.at(-1)?.value).toMatchObject({ leader, previous: null });
    const followed = log.filter((r) => r.node === follower && r.event === 'became-follower');
    expect(followed.at(-1)?.value).toEqual({ leader, term: cluster.node(leader).term() });
  });
});

describe('the API', () => {
  it('broadcast and broadcastToVoters deliver JSON payloads as message events; bad payloads name the path', async () => {
    cluster = new VirtualCluster(['a', 'b', 'c']);
    const observer = cluster.create('o');
    cluster.nodes.set('o', observer);
    const received: string[] = [];
    for (const [id, node] of cluster.nodes) {
      node.on(
        'message',
        ({ from, payload }) => void received.push(`${id}<-${from}:${JSON.stringify(payload)}`),
      );
    }
    await cluster.startAll();
    await cluster.clock.flush();
    cluster.node('a').broadcast({ job: 'reindex', at: [1, 2] });
    cluster.node('a').broadcastToVoters('voters only');
    await cluster.clock.advanceBy(10);
    expect(received.sort()).toEqual(
      [
        'b<-a:{"job":"reindex","at":[1,2]}',
        'c<-a:{"job":"reindex","at":[1,2]}',
        'o<-a:{"job":"reindex","at":[1,2]}',
        'b<-a:"voters only"',
        'c<-a:"voters only"',
      ].sort(),
    );
    const error = (() => {
      try {
        cluster.node('a').broadcast({ jobs: [{ id: 1n }] });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(PayloadError);
    expect((error as PayloadError).path).toBe('payload.jobs[0].id');
    expect(() => cluster!.node('a').broadcast({ when: new Map() })).toThrow(/payload.when: is a Map/);
    expect(() => cluster!.node('a').broadcast(undefined)).toThrow(/payload: is undefined/);
  });

  it('join() adds an observer that the leader keeps informed', async () => {
    cluster = new VirtualCluster(['a', 'b', 'c']);
    const observer = cluster.create('o');
    cluster.nodes.set('o', observer);
    for (const id of ['a', 'b', 'c']) cluster.node(id).join('o');
    await cluster.startAll();
    const leader = await cluster.stableLeader();
    expect(cluster.node(leader).inspect().membership.observers).toEqual(['o']);
    await cluster.clock.runUntil(() => observer.leader() === leader, { within: 1_000 });
    expect(observer.inspect().role).toBe('observer');
    expect(() => observer.join('')).toThrow(/peer must be a non-empty node id/);
  });

  it('a connected non-voter is an observer on every voter: it learns the new leader after a failover', async () => {
    cluster = new VirtualCluster(['a', 'b', 'c']);
    const observer = cluster.create('o');
    cluster.nodes.set('o', observer);
    await cluster.startAll();
    const first = await cluster.stableLeader();
    await cluster.clock.runUntil(() => observer.leader() === first, { within: 1_000 });
    for (const id of ['a', 'b', 'c']) expect(cluster.node(id).inspect().membership.observers).toEqual(['o']);
    cluster.network.isolate(first); // the leader crashes, as far as the others can tell
    await cluster.clock.runUntil(
      () => {
        const next = cluster!.leaseHolders().find((id) => id !== first);
        return next !== undefined && observer.leader() === next;
      },
      { within: 5_000 },
    );
    // Disconnected and never joined: no longer an observer of the old leader.
    expect(cluster.node(first).inspect().membership.observers).toEqual([]);
  });

  it('whenLeader resolves with the handle, honours its signal, and rejects when the election stops', async () => {
    cluster = new VirtualCluster(['a', 'b', 'c']);
    const controller = new AbortController();
    const aborted = cluster.node('a').whenLeader({ signal: controller.signal });
    controller.abort(new Error('not interested'));
    await expect(aborted).rejects.toThrow('not interested');
    const waits = ['a', 'b', 'c'].map((id) => cluster!.node(id).whenLeader());
    await cluster.startAll();
    const leader = await cluster.stableLeader();
    const index = ['a', 'b', 'c'].indexOf(leader);
    await expect(waits[index]).resolves.toBe(cluster.node(leader).leadership);
    const others = waits.filter((_, i) => i !== index);
    const stopping = cluster.stopAll();
    await Promise.all(others.map((wait) => expect(wait).rejects.toThrow(/stopped/)));
    await stopping;
    cluster = null;
  });

  it('stepDown() ends the leadership with "step-down"; transferLeadership() refuses on a follower', async () => {
    cluster = new VirtualCluster(FIVE);
    await cluster.startAll();
    const leader = await cluster.stableLeader();
    await cluster.clock.flush();
    const handle = cluster.node(leader).leadership!;
    expect(cluster.node(leader).stepDown()).toBe(true);
    expect((handle.signal.reason as LeadershipLostError).reason).toBe('step-down');
    expect(cluster.node(leader).stepDown()).toBe(false);
    const follower = FIVE.find((id) => id !== leader)!;
    await expect(cluster.node(follower).transferLeadership()).rejects.toThrow(/not the leader/);
    await cluster.stableLeader();
  });

  it('inspect() adds the runtime details to the machine snapshot', async () => {
    cluster = new VirtualCluster(['a', 'b', 'c']);
    expect(() => cluster!.node('a').inspect()).toThrow(NotRunningError);
    await cluster.startAll();
    const leader = await cluster.stableLeader();
    const snapshot = cluster.node(leader).inspect();
    expect(snapshot).toMatchObject({
      id: leader,
      role: 'leader',
      isLeader: true,
      status: 'running',
      leadership: { term: snapshot.term },
      persistence: { store: `memory:${leader}`, pendingSaves: 0, failedSaves: 0, degraded: false },
      eventLoop: { stalls: 0, lastStall: null },
    });
    expect([...snapshot.peersConnected].sort()).toEqual(['a', 'b', 'c'].filter((id) => id !== leader));
    expect(snapshot.leaseRemaining).toBeGreaterThan(0);
  });

  it('logs the machine warnings once at start', async () => {
    cluster = new VirtualCluster(['a', 'b', 'c'], { heartbeatInterval: 200 });
    await cluster.startAll();
    const warnings = cluster.logs.filter((l) => l.node === 'a' && l.level === 'warn').map((l) => l.message);
    expect(warnings.some((w) => /heartbeatInterval=200 is not below electionTimeoutMin/.test(w))).toBe(true);
    expect(new Set(warnings).size).toBe(warnings.length); // each once
  });
});
