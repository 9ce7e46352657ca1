import { afterEach, describe, expect, it } from 'vitest';
import {
  type ElectionMessage,
  type LeadershipLostError,
  MemoryStateStore,
  type PersistentState,
} from '../../src/index.js';
import type { MemoryTransport } from '../../src/testing/index.js';
import { VirtualCluster } from './cluster-harness.js';

/** A memory store that can be made to fail every save. */
class FlakyStore extends MemoryStateStore {
  failing = false;
  override async save(state: PersistentState): Promise<void> {
    if (this.failing) throw new Error('EIO: i/o error, write');
    return super.save(state);
  }
}

/** Records what a node hands to its transport. */
function spy(transport: MemoryTransport): ElectionMessage[] {
  const sent: ElectionMessage[] = [];
  const send = transport.send.bind(transport);
  transport.send = (message) => {
    sent.push(message);
    send(message);
  };
  return sent;
}

let cluster: VirtualCluster | null = null;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = null;
});

describe('a failing state store', () => {
  it('a node whose saves fail sends nothing, stops leading, logs it, and comes back when saves work', async () => {
    cluster = new VirtualCluster(['a', 'b', 'c']);
    const leader = await (async () => {
      await cluster.startAll();
      return cluster.stableLeader();
    })();
    await cluster.clock.flush();
    const handle = cluster.node(leader).leadership!;
    // Replace the leader by a restart on a store that fails, keeping its state.
    const flaky = new FlakyStore(cluster.stores.get(leader)!.current, `flaky:${leader}`);
    const stopping = cluster.node(leader).stop();
    await cluster.clock.runUntil(() => cluster!.node(leader).status === 'stopped');
    await stopping;
    expect((handle.signal.reason as LeadershipLostError).reason).toBe('stopped');
    const transport = cluster.network.transport(leader);
    const sent = spy(transport);
    const node = cluster.restart(leader, { store: flaky, transport });
    await node.start();
    flaky.failing = true;
    const others = ['a', 'b', 'c'].filter((id) => id !== leader);
    // Make the node campaign: cut it off so it times out, then let it talk again.
    for (const id of others) cluster.network.cut(leader, id);
    await cluster.clock.advanceBy(2_000);
    for (const id of others) cluster.network.heal(leader, id);
    const sentBefore = sent.length;
    await cluster.clock.advanceBy(2_000);
    const campaign = sent.slice(sentBefore).filter((m) => m.type === 'vote' || m.type === 'pre-vote');
    expect(campaign.filter((m) => m.type === 'vote')).toEqual([]); // a vote request needs its own vote on disk
    expect(node.isLeader()).toBe(false);
    expect(node.inspect().persistence.degraded).toBe(true);
    const errors = cluster.logs.filter(
      (l) => l.node === leader && /could not save the election state/.test(l.message),
    );
    expect(errors[0]?.level).toBe('error');
    expect(errors[0]?.context?.error).toMatch(/EIO/);
    // the rest of the cluster carries on
    expect(others.filter((id) => cluster!.node(id).isLeader())).toHaveLength(1);

    flaky.failing = false;
    await cluster.clock.advanceBy(6_000);
    expect(node.inspect().persistence.degraded).toBe(false);
    expect(cluster.logs.some((l) => l.node === leader && /works again/.test(l.message))).toBe(true);
    expect(flaky.current?.term).toBe(node.term());
  });
});

/** A memory store whose saves wait until the test releases them. */
class HeldStore extends MemoryStateStore {
  readonly held: (() => void)[] = [];
  override save(state: PersistentState): Promise<void> {
    return new Promise((resolve, reject) => {
      this.held.push(() => {
        super.save(state).then(resolve, reject);
      });
    });
  }
  releaseAll(): void {
    for (const release of this.held.splice(0)) release();
  }
}

describe('a slow state store', () => {
  it('a node does not lead, nor tell handlers it does, before its term and vote are on disk', async () => {
    const store = new HeldStore(null, 'held:solo');
    cluster = new VirtualCluster(['solo'], { store });
    const node = cluster.node('solo');
    let handle: unknown = null;
    node.on('became-leader', (h) => {
      handle = h;
    });
    await node.start();
    await cluster.clock.advanceBy(1_000); // a single voter elects itself at once; its saves are held
    expect(node.term()).toBeGreaterThan(0); // the machine has moved on...
    expect(store.current).toBe(null); // ...nothing is on disk yet...
    expect(node.isLeader()).toBe(false); // ...so this node does not lead
    expect(handle).toBe(null);
    expect(node.inspect().persistence.pendingSaves).toBeGreaterThan(0);
    while (store.held.length > 0) {
      store.releaseAll();
      await cluster.clock.flush();
    }
    await cluster.clock.runUntil(() => node.isLeader(), { within: 1_000 });
    expect(store.current?.term).toBe(node.term());
    expect(store.current?.votedFor).toBe('solo');
    await cluster.clock.flush();
    expect(handle).not.toBe(null);
  });
});

describe('a campaign and a slow save', () => {
  it('the vote requests leave before the candidate has saved its vote; it leads only once it has', async () => {
    const store = new HeldStore(null, 'held:a');
    const c = new VirtualCluster(['a', 'b', 'c'], {}, 1);
    cluster = c;
    // 'a' times out first (the others wait 2-3 s, and refuse pre-votes for 2 s after they start).
    const transport = c.network.transport('a');
    const sent = spy(transport);
    c.nodes.set('a', c.create('a', { store, transport }));
    for (const id of ['b', 'c'])
      c.nodes.set(id, c.create(id, { electionTimeoutMin: 2_000, electionTimeoutMax: 3_000 }));
    await c.startAll();
    store.releaseAll(); // the initial state
    await c.clock.runUntil(() => c.node('a').inspect().role === 'candidate', { within: 5_000 });
    const term = c.node('a').term();
    expect(sent.filter((m) => m.type === 'vote' && m.term === term).map((m) => m.to)).toEqual(['b', 'c']);
    expect(store.current?.term).not.toBe(term); // its own term and vote are not on disk yet...
    await c.clock.advanceBy(20); // ...the votes are back...
    expect(c.node('a').isLeader()).toBe(false); // ...and it does not lead
    expect(sent.some((m) => m.type === 'heartbeat')).toBe(false);
    for (let i = 0; i < 5 && !c.node('a').isLeader(); i++) {
      store.releaseAll(); // its term and vote, then its configuration in its term (rule R3)
      await c.clock.flush();
    }
    expect(c.node('a').isLeader()).toBe(true);
    expect(c.node('a').term()).toBe(term);
    expect(store.current).toMatchObject({ term, votedFor: 'a' });
  });

  it('the transport is asked to flush the vote requests before the save begins', async () => {
    // A store whose save blocks the event loop as soon as it is called would hold whatever the transport queued
    // for the end of the task: the runtime calls Transport.flush between the early messages and the save.
    const order: string[] = [];
    class RecordingStore extends MemoryStateStore {
      override save(state: PersistentState): Promise<void> {
        order.push(`save t${state.term} ${state.votedFor ?? '-'}`);
        return super.save(state);
      }
    }
    const c = new VirtualCluster(['a', 'b', 'c'], {}, 1);
    cluster = c;
    const transport = c.network.transport('a');
    const send = transport.send.bind(transport);
    transport.send = (message) => {
      if (message.type === 'vote') order.push(`vote ${message.to}`);
      send(message);
    };
    (transport as MemoryTransport & { flush(): void }).flush = () => {
      order.push('flush');
    };
    c.nodes.set('a', c.create('a', { store: new RecordingStore(null, 'recording:a'), transport }));
    for (const id of ['b', 'c'])
      c.nodes.set(id, c.create(id, { electionTimeoutMin: 2_000, electionTimeoutMax: 3_000 }));
    await c.startAll();
    await c.clock.runUntil(() => c.node('a').isLeader(), { within: 5_000 });
    const term = c.node('a').term();
    const campaign = order.indexOf('vote b');
    expect(order.slice(campaign, campaign + 4)).toEqual(['vote b', 'vote c', 'flush', `save t${term} a`]);
  });

  it('a campaign is not given up while its requests wait behind a save', async () => {
    const store = new HeldStore(null, 'held:a');
    const c = new VirtualCluster(['a', 'b', 'c']);
    cluster = c;
    const transport = c.network.transport('a');
    const sent = spy(transport);
    c.nodes.set('a', c.create('a', { store, transport }));
    await c.node('a').start(); // its initial state is held: what it decides waits behind that save
    await c.clock.advanceBy(2_000); // 7 election timeouts or more
    // One pre-vote round, whose requests have not left: its timeout has not started.
    expect(c.node('a').inspect().counters.preVotesStarted).toBe(1);
    expect(sent).toEqual([]);
    store.releaseAll();
    await c.clock.flush();
    expect(sent.filter((m) => m.type === 'pre-vote').map((m) => m.to)).toEqual(['b', 'c']);
  });
});
