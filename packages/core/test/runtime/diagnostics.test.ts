import { afterEach, describe, expect, it } from 'vitest';
import { VirtualCluster } from './cluster-harness.js';

let cluster: VirtualCluster | null = null;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = null;
});

describe('the structured log lines a runtime writes', () => {
  it('at each leader change, leadership change and peer joining or leaving', async () => {
    cluster = new VirtualCluster(['a', 'b', 'c']);
    await cluster.startAll();
    const leader = await cluster.stableLeader();
    const term = cluster.node(leader).term();
    const lines = (node: string, message: string) =>
      cluster!.logs.filter((entry) => entry.node === node && entry.message === message);
    for (const id of ['a', 'b', 'c']) {
      expect(lines(id, 'leader changed')).toContainEqual(
        expect.objectContaining({ level: 'info', context: { leader, previous: null, term } }),
      );
      expect(lines(id, 'peer joined').map((entry) => entry.context?.peer)).toEqual(
        expect.arrayContaining(['a', 'b', 'c'].filter((peer) => peer !== id)),
      );
    }
    expect(lines(leader, 'became leader')).toEqual([
      expect.objectContaining({ level: 'info', context: { id: leader, term } }),
    ]);
    const follower = ['a', 'b', 'c'].find((id) => id !== leader)!;
    cluster.network.isolate(leader);
    await cluster.clock.advanceBy(1_000);
    expect(lines(follower, 'peer left')).toContainEqual(
      expect.objectContaining({ level: 'info', context: { peer: leader, peers: 1 } }),
    );
    expect(
      lines(follower, 'leader unknown').length + lines(follower, 'leader changed').length,
    ).toBeGreaterThan(1);
    expect(lines(leader, 'leadership ended')).toContainEqual(
      expect.objectContaining({ context: expect.objectContaining({ term, reason: 'lease-lapsed' }) }),
    );
    cluster.network.heal();
  });
});
