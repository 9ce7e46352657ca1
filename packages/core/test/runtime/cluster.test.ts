import { afterEach, describe, expect, it } from 'vitest';
import { type LeadershipHandle, LeadershipLostError } from '../../src/index.js';
import { VirtualCluster } from './cluster-harness.js';

const FIVE = ['a', 'b', 'c', 'd', 'e'];

let cluster: VirtualCluster | null = null;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = null;
});

/** Advances `ms` of virtual time one millisecond at a time, checking that no two awake nodes lead at once. */
async function runWithoutOverlap(c: VirtualCluster, ms: number): Promise<void> {
  for (let t = 0; t < ms; t++) {
    await c.clock.advanceBy(1);
    const awake = [...c.nodes].filter(([id, node]) => !c.time(id).frozen && node.status === 'running');
    const leading = awake.filter(([, node]) => node.isLeader()).map(([id]) => id);
    expect(leading.length, `two leaders at once at ${c.clock.now()}: ${leading}`).toBeLessThanOrEqual(1);
  }
}

describe('a 5-node cluster of runtimes over the memory transport', () => {
  it('elects one leader that every node follows, and hands it a fencing token equal to its term', async () => {
    cluster = new VirtualCluster(FIVE);
    const handles: LeadershipHandle[] = [];
    for (const node of cluster.nodes.values())
      node.on('became-leader', (handle) => void handles.push(handle));
    await cluster.startAll();
    const leader = await cluster.stableLeader();
    await cluster.clock.flush();
    const node = cluster.node(leader);
    expect(handles).toHaveLength(1);
    expect(handles[0]!.term).toBe(node.term());
    expect(handles[0]!.fencingToken).toBe(node.term());
    expect(handles[0]!.signal.aborted).toBe(false);
    expect(node.leadership).toBe(handles[0]);
    for (const id of FIVE) {
      expect(cluster.node(id).leader()).toBe(leader);
      expect(cluster.node(id).term()).toBe(node.term());
      expect(cluster.stores.get(id)!.current?.term).toBe(node.term());
    }
    expect(cluster.stores.get(leader)!.current?.votedFor).toBe(leader);
    expect([...node.peers()].sort()).toEqual(FIVE.filter((id) => id !== leader));
    expect(node.peerCount()).toBe(4);
    expect(node.hasPeer(FIVE.find((id) => id !== leader)!)).toBe(true);
    expect(node.voters).toEqual(FIVE);
    expect(node.clusterId).toBe('test');
    expect(node.id).toBe(leader);
  });

  it('fails over when the leader crashes, with a higher term and never two leaders at once', async () => {
    cluster = new VirtualCluster(FIVE);
    await cluster.startAll();
    const first = await cluster.stableLeader();
    const term = cluster.node(first).term();
    // A crash: the process stops running and nobody can reach it.
    cluster.time(first).freeze();
    cluster.network.isolate(first);
    await runWithoutOverlap(cluster, 1_000);
    const awake = FIVE.filter((id) => id !== first);
    const leaders = awake.filter((id) => cluster!.node(id).isLeader());
    expect(leaders).toHaveLength(1);
    expect(cluster.node(leaders[0]!).term()).toBeGreaterThan(term);
    for (const id of awake) expect(cluster.node(id).leader()).toBe(leaders[0]);
    cluster.time(first).resume();
    expect(cluster.node(first).isLeader()).toBe(false);
  });

  it('transfers leadership gracefully: the old handle aborts with "transfer", the successor leads the next term', async () => {
    cluster = new VirtualCluster(FIVE);
    await cluster.startAll();
    const first = await cluster.stableLeader();
    await cluster.clock.flush();
    const handle = cluster.node(first).leadership!;
    const term = handle.term;
    const target = FIVE.find((id) => id !== first)!;
    let successor: string | null = null;
    const transfer = cluster
      .node(first)
      .transferLeadership(target)
      .then((id) => {
        successor = id;
      });
    expect(handle.signal.aborted).toBe(true);
    expect((handle.signal.reason as LeadershipLostError).reason).toBe('transfer');
    expect(cluster.node(first).isLeader()).toBe(false);
    await cluster.clock.runUntil(() => successor !== null, { withinMs: 1_000 });
    await transfer;
    expect(successor).toBe(target);
    await cluster.clock.runUntil(() => cluster!.node(target).isLeader(), { withinMs: 1_000 });
    expect(cluster.node(target).term()).toBe(term + 1);
    expect(cluster.leaders()).toEqual([target]);
  });

  it('stop() on the leader hands over, waits for the successor, and is idempotent', async () => {
    cluster = new VirtualCluster(FIVE);
    await cluster.startAll();
    const first = await cluster.stableLeader();
    await cluster.clock.flush();
    const node = cluster.node(first);
    const handle = node.leadership!;
    const stopped = node.stop();
    expect(node.stop()).toBe(stopped);
    await cluster.clock.runUntil(() => node.status === 'stopped', { withinMs: 2_000 });
    await stopped;
    expect((handle.signal.reason as LeadershipLostError).reason).toBe('stopped');
    expect(node.isLeader()).toBe(false);
    const others = FIVE.filter((id) => id !== first);
    await cluster.clock.runUntil(() => others.some((id) => cluster!.node(id).isLeader()), {
      withinMs: 1_000,
    });
    const next = others.find((id) => cluster!.node(id).isLeader())!;
    expect(cluster.node(next).term()).toBe(handle.term + 1);
    await expect(node.start()).rejects.toThrow(/stopped/);
  });

  it('a leader paused past its lease resumes without overlap: isLeader() is false and its signal aborted at once', async () => {
    cluster = new VirtualCluster(FIVE);
    await cluster.startAll();
    const first = await cluster.stableLeader();
    await cluster.clock.flush();
    const paused = cluster.node(first);
    const handle = paused.leadership!;
    cluster.time(first).freeze(); // a long GC pause or a stopped VM: nothing of this process runs
    await runWithoutOverlap(cluster, 2_000);
    const others = FIVE.filter((id) => id !== first);
    expect(others.filter((id) => cluster!.node(id).isLeader())).toHaveLength(1);
    cluster.time(first).resume();
    // The process wakes up; before any of its timers or messages ran:
    expect(paused.isLeader()).toBe(false);
    expect(handle.signal.aborted).toBe(true);
    expect(handle.signal.reason).toBeInstanceOf(LeadershipLostError);
    expect(['event-loop-stall', 'lease-lapsed']).toContain(
      (handle.signal.reason as LeadershipLostError).reason,
    );
    expect(paused.leadership).toBe(null);
    await runWithoutOverlap(cluster, 500);
    const leader = cluster.leaders()[0]!;
    expect(leader).not.toBe(first);
    expect(paused.leader()).toBe(leader);
  });

  it('a stall longer than maxEventLoopStallMs ends leadership even while the lease is still valid', async () => {
    cluster = new VirtualCluster(FIVE);
    await cluster.startAll();
    const first = await cluster.stableLeader();
    await cluster.clock.flush();
    const node = cluster.node(first);
    const handle = node.leadership!;
    const lost: string[] = [];
    node.on('leadership-lost', ({ reason }) => void lost.push(reason));
    cluster.time(first).freeze();
    await cluster.clock.advanceBy(40); // longer than the 14.3 ms margin, shorter than the 135.7 ms lease
    cluster.time(first).resume();
    expect(node.isLeader()).toBe(false);
    expect((handle.signal.reason as LeadershipLostError).reason).toBe('event-loop-stall');
    expect(node.inspect().eventLoop.lastStall?.durationMs).toBeGreaterThan(14);
    await runWithoutOverlap(cluster, 500);
    expect(lost).toEqual(['event-loop-stall']);
    expect(cluster.leaders()).toHaveLength(1);
    expect(
      cluster.logs.some(
        (l) => l.node === first && l.level === 'warn' && /event loop stalled/.test(l.message),
      ),
    ).toBe(true);
  });

  it('a restarted node keeps its term and vote from its store', async () => {
    cluster = new VirtualCluster(FIVE);
    await cluster.startAll();
    const first = await cluster.stableLeader();
    const follower = FIVE.find((id) => id !== first)!;
    const saved = cluster.stores.get(follower)!.current!;
    const stopping = cluster.node(follower).stop();
    await cluster.clock.runUntil(() => cluster!.node(follower).status === 'stopped');
    await stopping;
    const again = cluster.restart(follower);
    await again.start();
    expect(again.term()).toBe(saved.term);
    expect(again.inspect().votedFor).toBe(saved.votedFor);
    await cluster.clock.runUntil(() => again.leader() === first, { withinMs: 1_000 });
  });
});
