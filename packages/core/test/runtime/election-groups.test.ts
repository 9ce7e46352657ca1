/**
 * Election groups in the runtime (virtual time, in-memory network): handles per group with their own
 * leadership, fencing token, signal and events; groups led by different nodes at once; stop() hands every
 * group over.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ElectionGroup, InvalidOptionError, type LeadershipHandle } from '../../src/index.js';
import { VirtualCluster } from './cluster-harness.js';

let cluster: VirtualCluster | null = null;

afterEach(async () => {
  await cluster?.stopAll();
  cluster = null;
});

/** The node that leads `group` (exactly one, known to every running node), within `within` ms. */
async function groupLeader(c: VirtualCluster, group: string, within = 10_000): Promise<string> {
  const seen = (id: string) => {
    const node = c.node(id);
    return node.status === 'running' ? node.inspect().groups?.[group] : undefined;
  };
  const leaders = () => [...c.nodes.keys()].filter((id) => seen(id)?.isLeader === true);
  await c.clock.runUntil(
    () => {
      const [id, ...more] = leaders();
      if (id === undefined || more.length > 0) return false;
      return [...c.nodes.keys()].every(
        (other) => c.node(other).status !== 'running' || seen(other)?.leader === id,
      );
    },
    { within },
  );
  return leaders()[0] as string;
}

describe('election groups in the runtime', () => {
  it('each group elects its own leader, with its own fencing token and signal, beside the default one', async () => {
    cluster = new VirtualCluster(['a', 'b', 'c']);
    const c = cluster;
    const handles = new Map<string, LeadershipHandle>();
    for (const [id, node] of c.nodes) {
      node.group('billing').on('became-leader', (handle) => void handles.set(id, handle));
      node.group('reports');
    }
    await c.startAll();
    const leader = await c.stableLeader();
    const billing = await groupLeader(c, 'billing');
    await groupLeader(c, 'reports');
    const handle = await c.node(billing).group('billing').whenLeader();
    expect(handle.fencingToken).toBe(c.node(billing).group('billing').term());
    expect(handle.signal.aborted).toBe(false);
    await c.clock.runUntil(() => handles.has(billing), { within: 100 });
    expect(handles.get(billing)).toBe(handle);
    // The groups are not the default election: a node may lead one and not the other.
    expect(c.node(leader).isLeader()).toBe(true);
    expect(c.node('a').group('default').isLeader()).toBe(c.node('a').isLeader());
    expect(c.node(billing).inspect().groups?.billing).toMatchObject({ isLeader: true, asked: true });
  });

  it('a group is handed to another node while the default leader stays; the old handle aborts with the reason', async () => {
    cluster = new VirtualCluster(['a', 'b', 'c']);
    const c = cluster;
    for (const node of c.nodes.values()) node.group('billing');
    await c.startAll();
    const leader = await c.stableLeader();
    const from = await groupLeader(c, 'billing');
    const handle = await c.node(from).group('billing').whenLeader();
    await c.clock.advanceBy(200); // a few rounds: every voter has said, acknowledging one, that it asked
    const to = ['a', 'b', 'c'].find((id) => id !== from) as string;
    let moved: string | null = null;
    void c
      .node(from)
      .group('billing')
      .transferLeadership(to)
      .then((id) => {
        moved = id;
      });
    await c.clock.runUntil(() => c.node(to).group('billing').isLeader() && moved !== null, { within: 2_000 });
    expect(moved).toBe(to);
    expect(handle.signal.aborted).toBe(true);
    expect((handle.signal.reason as { reason: string }).reason).toBe('transfer');
    expect(c.node(to).group('billing').leadership?.fencingToken).toBeGreaterThan(handle.fencingToken);
    expect(c.leaseHolders()).toEqual([leader]);
  });

  it('stop() hands over every group the node leads, and the default leadership too', async () => {
    cluster = new VirtualCluster(['a', 'b', 'c']);
    const c = cluster;
    for (const node of c.nodes.values()) for (const group of ['billing', 'reports']) node.group(group);
    await c.startAll();
    const leader = await c.stableLeader();
    for (const group of ['billing', 'reports']) {
      const from = await groupLeader(c, group);
      await c.clock.advanceBy(200); // a few rounds: every voter has acknowledged one
      if (from !== leader) void c.node(from).group(group).transferLeadership(leader);
      await c.clock.runUntil(() => c.node(leader).group(group).isLeader(), { within: 2_000 });
    }
    const stopping = c.node(leader).stop();
    await c.clock.runUntil(() => c.node(leader).status === 'stopped', { within: 5_000 });
    await stopping;
    const rest = ['a', 'b', 'c'].filter((id) => id !== leader);
    for (const group of ['billing', 'reports']) {
      await c.clock.runUntil(() => rest.some((id) => c.node(id).group(group).isLeader()), { within: 1_000 });
    }
    await c.clock.runUntil(() => rest.some((id) => c.node(id).isLeader()), { within: 1_000 });
    c.nodes.delete(leader);
  });

  it('close() hands the group over; the node still votes but no longer campaigns in it', async () => {
    cluster = new VirtualCluster(['a', 'b', 'c']);
    const c = cluster;
    for (const node of c.nodes.values()) node.group('billing');
    await c.startAll();
    await c.stableLeader();
    const from = await groupLeader(c, 'billing');
    await c.node(from).group('billing').close();
    const next = await groupLeader(c, 'billing');
    expect(next).not.toBe(from);
    expect(c.node(from).inspect().groups?.billing).toMatchObject({ asked: false, isLeader: false });
  });

  it('names are checked, and the same name gives the same handle', () => {
    cluster = new VirtualCluster(['a']);
    const node = cluster.node('a');
    expect(node.group('billing')).toBe(node.group('billing'));
    expect(node.group('billing')).toBeInstanceOf(ElectionGroup);
    expect(() => node.group('Billing Jobs')).toThrow(InvalidOptionError);
    expect(() => node.group('billing').on('voters-changed' as 'became-leader', () => undefined)).toThrow(
      /unknown event "voters-changed" of group billing/,
    );
  });

  it('a preferred replica gets the group from whichever node won it; the preference is checked', async () => {
    cluster = new VirtualCluster(['a', 'b', 'c']);
    const c = cluster;
    for (const id of ['a', 'b', 'c']) c.node(id).group('reports', { preferred: id === 'c' });
    expect(() => c.node('a').group('reports', { preferred: 'yes' as unknown as boolean })).toThrow(
      /invalid option preferred="yes": group\("reports"\): must be a boolean/,
    );
    expect(() => c.node('a').group('default', { preferred: true })).toThrow(InvalidOptionError);
    await c.startAll();
    await c.clock.runUntil(() => c.node('c').inspect().groups?.reports?.isLeader === true, {
      within: 20_000,
    });
    expect(c.node('c').inspect().groups?.reports?.preferred).toBe(true);
    expect(c.node('a').inspect().groups?.reports?.preferred).toBe(false);
  });
});
