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

/**
 * Advances until `id`'s lease was just renewed (the acks of a heartbeat round came back), so that a test knows
 * where its election timer is: one heartbeat after that round began, i.e. 50 − 2 = 48 ms ahead with the
 * harness's 1 ms latency.
 */
async function justRenewed(c: VirtualCluster, id: string): Promise<void> {
  const node = c.node(id);
  await c.clock.flush();
  let before = node.inspect().leaseRemaining;
  await c.clock.runUntil(
    () => {
      const now = node.inspect().leaseRemaining;
      const renewed = now > before;
      before = now;
      return renewed;
    },
    { within: 200 },
  );
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
    await cluster.clock.runUntil(() => successor !== null, { within: 1_000 });
    await transfer;
    expect(successor).toBe(target);
    await cluster.clock.runUntil(() => cluster!.node(target).isLeader(), { within: 1_000 });
    expect(cluster.node(target).term()).toBe(term + 1);
    expect(cluster.leaseHolders()).toEqual([target]);
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
    await cluster.clock.runUntil(() => node.status === 'stopped', { within: 2_000 });
    await stopped;
    expect((handle.signal.reason as LeadershipLostError).reason).toBe('stopped');
    expect(node.isLeader()).toBe(false);
    const others = FIVE.filter((id) => id !== first);
    await cluster.clock.runUntil(() => others.some((id) => cluster!.node(id).isLeader()), {
      within: 1_000,
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
    const leader = cluster.leaseHolders()[0]!;
    expect(leader).not.toBe(first);
    expect(paused.leader()).toBe(leader);
  });

  // The stall bound at the default timings: leaseDuration − heartbeatInterval = 135.71 − 50 ms.
  const DEFAULT_STALL_BOUND = 85.71;

  it('a stall longer than maxEventLoopStall ends leadership (event-loop-stall) and aborts the signal before any timer runs', async () => {
    cluster = new VirtualCluster(FIVE);
    await cluster.startAll();
    const first = await cluster.stableLeader();
    const node = cluster.node(first);
    const handle = node.leadership!;
    const lost: string[] = [];
    node.on('leadership-lost', ({ reason }) => void lost.push(reason));
    await justRenewed(cluster, first); // the heartbeat timer is 48 ms ahead (one 2 ms round trip ago)
    cluster.time(first).freeze();
    await cluster.clock.advanceBy(140); // the timer is 92 ms overdue on waking: above the 85.7 ms bound
    cluster.time(first).resume();
    expect(node.isLeader()).toBe(false);
    expect(handle.signal.aborted).toBe(true);
    expect((handle.signal.reason as LeadershipLostError).reason).toBe('event-loop-stall');
    const { lastStall, stalls, maxStall } = node.inspect().eventLoop;
    expect(maxStall).toBeCloseTo(DEFAULT_STALL_BOUND, 1);
    expect(stalls).toBe(1);
    expect(lastStall).toMatchObject({ source: 'check' });
    expect(lastStall!.duration).toBeGreaterThan(DEFAULT_STALL_BOUND);
    expect(lastStall!.duration).toBeLessThanOrEqual(140);
    await runWithoutOverlap(cluster, 500);
    expect(lost).toEqual(['event-loop-stall']);
    expect(cluster.leaseHolders()).toHaveLength(1);
    expect(node.inspect().eventLoop.stalls).toBe(1); // the late election timer does not count it again
    expect(
      cluster.logs.some(
        (l) => l.node === first && l.level === 'warn' && /event loop stalled/.test(l.message),
      ),
    ).toBe(true);
  });

  it('a stall shorter than maxEventLoopStall does not end leadership', async () => {
    cluster = new VirtualCluster(FIVE);
    await cluster.startAll();
    const first = await cluster.stableLeader();
    const node = cluster.node(first);
    const handle = node.leadership!;
    await justRenewed(cluster, first);
    const leaseLeft = node.inspect().leaseRemaining;
    cluster.time(first).freeze();
    // The timer is 72 ms overdue on waking (below the 85.7 ms bound), and the lease has not run out.
    await cluster.clock.advanceBy(120);
    expect(leaseLeft).toBeGreaterThan(120);
    cluster.time(first).resume();
    expect(node.isLeader()).toBe(true);
    expect(node.leadership).toBe(handle);
    await runWithoutOverlap(cluster, 500);
    expect(node.isLeader()).toBe(true);
    expect(handle.signal.aborted).toBe(false);
    expect(node.term()).toBe(handle.term);
    expect(node.inspect().eventLoop).toMatchObject({ stalls: 0, lastStall: null });
  });

  it('the election timer firing late is a stall too, when nothing asked isLeader() first', async () => {
    cluster = new VirtualCluster(FIVE);
    await cluster.startAll();
    const first = await cluster.stableLeader();
    const node = cluster.node(first);
    const handle = node.leadership!;
    await justRenewed(cluster, first);
    cluster.time(first).freeze();
    await cluster.clock.advanceBy(140);
    cluster.time(first).resume();
    await cluster.clock.flush(); // the overdue timer runs before anything else of this node
    expect(handle.signal.aborted).toBe(true);
    expect((handle.signal.reason as LeadershipLostError).reason).toBe('event-loop-stall');
    expect(node.inspect().eventLoop.lastStall).toMatchObject({ source: 'election-timer' });
    expect(node.inspect().eventLoop.lastStall!.duration).toBeGreaterThan(DEFAULT_STALL_BOUND);
  });

  it('an idle leader arms no timer of its own for stalls: about one wake-up per heartbeat', async () => {
    const LATENCY = 3; // message deliveries are timers of the same provider: told apart by their delay
    cluster = new VirtualCluster(FIVE, {}, LATENCY);
    await cluster.startAll();
    const first = await cluster.stableLeader();
    await cluster.clock.advanceBy(200);
    const time = cluster.time(first);
    const arm = time.setTimeout.bind(time);
    let armed = 0;
    time.setTimeout = (callback, delayMs) => {
      if (delayMs !== LATENCY) armed += 1;
      return arm(callback, delayMs);
    };
    await cluster.clock.advanceBy(1_000);
    expect(cluster.node(first).isLeader()).toBe(true);
    // 1000 ms / 50 ms heartbeats; the old drift timer added one every ~7 ms (about 140 more).
    expect(armed).toBeGreaterThanOrEqual(19);
    expect(armed).toBeLessThanOrEqual(21);
  });

  it('a smaller maxEventLoopStall ends leadership on a stall while the lease is still valid', async () => {
    cluster = new VirtualCluster(FIVE, { maxEventLoopStall: 30 });
    await cluster.startAll();
    const first = await cluster.stableLeader();
    const node = cluster.node(first);
    const handle = node.leadership!;
    await justRenewed(cluster, first);
    const leaseLeft = node.inspect().leaseRemaining;
    cluster.time(first).freeze();
    await cluster.clock.advanceBy(100); // the timer is 52 ms overdue; the lease has 30 ms left
    expect(leaseLeft).toBeGreaterThan(120);
    cluster.time(first).resume();
    expect(node.isLeader()).toBe(false);
    expect((handle.signal.reason as LeadershipLostError).reason).toBe('event-loop-stall');
    expect(node.inspect().eventLoop.lastStall!.duration).toBeGreaterThan(30);
    await runWithoutOverlap(cluster, 500);
    expect(cluster.leaseHolders()).toHaveLength(1);
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
    await cluster.clock.runUntil(() => again.leader() === first, { within: 1_000 });
  });
});
