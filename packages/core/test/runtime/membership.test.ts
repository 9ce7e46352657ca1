import { afterEach, describe, expect, it } from 'vitest';
import {
  type Configuration,
  ConfigurationVersionError,
  type LeaderElection,
  MembershipChangeError,
  NotLeaderError,
} from '../../src/index.js';
import { VirtualCluster } from './cluster-harness.js';

const AUTOPILOT = { autopilot: { stabilizationTime: 500, deadVoterTimeout: 3_000 } } as const;

let cluster: VirtualCluster | null = null;

afterEach(async () => {
  await cluster?.stopAll();
  cluster = null;
});

/** Adds a node with an empty store and no voter list: it joins as an observer. */
function join(c: VirtualCluster, id: string, extra = {}): LeaderElection {
  const node = c.create(id, { voters: [], ...extra });
  c.nodes.set(id, node);
  return node;
}

/** Settles a promise while virtual time runs. */
async function settle<T>(c: VirtualCluster, promise: Promise<T>, within = 5_000): Promise<T> {
  let outcome: { value: T } | { error: unknown } | null = null;
  promise.then(
    (value) => {
      outcome = { value };
    },
    (error: unknown) => {
      outcome = { error };
    },
  );
  await c.clock.runUntil(() => outcome !== null, { within });
  const result = outcome as unknown as { value: T } | { error: unknown };
  if ('error' in result) throw result.error;
  return result.value;
}

describe('membership in the runtime', () => {
  it('addVoter, removeVoter and replaceVoter on the leader resolve once the change is done; voters-changed fires everywhere', async () => {
    cluster = new VirtualCluster(['a', 'b', 'c']);
    const d = join(cluster, 'd');
    join(cluster, 'e');
    const changes: Configuration[] = [];
    d.on('voters-changed', ({ configuration }) => void changes.push(configuration));
    await cluster.startAll();
    const leader = cluster.node(await cluster.stableLeader());
    await cluster.clock.runUntil(() => leader.inspect().lastContact.e != null, { within: 1_000 });
    expect(d.membership()).toMatchObject({ voters: ['a', 'b', 'c'], version: 1 });
    const added = await settle(cluster, leader.addVoter('d', { expectedVersion: 1 }));
    expect(added.voters).toEqual(['a', 'b', 'c', 'd']);
    expect(leader.membership()).toMatchObject({ version: 2, change: null, observers: ['e'] });
    await cluster.clock.runUntil(() => d.membership().version === 2, { within: 1_000 });
    expect(d.inspect().role).toBe('follower');
    const replaced = await settle(cluster, leader.replaceVoter('d', 'e'));
    expect(replaced).toMatchObject({ version: 4, voters: ['a', 'b', 'c', 'e'] });
    const removed = await settle(cluster, leader.removeVoter('e'));
    expect(removed.voters).toEqual(['a', 'b', 'c']);
    await cluster.clock.runUntil(() => changes.length === 5, { within: 1_000 });
    // d learnt the first configuration (it had none), then every change, including its own removal.
    expect(changes.map((c) => c.voters.join(''))).toEqual(['abc', 'abcd', 'abcde', 'abce', 'abc']);
  });

  it('refuses on a follower naming the leader, and a change computed from an old version', async () => {
    cluster = new VirtualCluster(['a', 'b', 'c']);
    join(cluster, 'd');
    await cluster.startAll();
    const leaderId = await cluster.stableLeader();
    const follower = cluster.node(['a', 'b', 'c'].find((id) => id !== leaderId)!);
    const notLeader = await follower.addVoter('d').catch((error: unknown) => error);
    expect(notLeader).toBeInstanceOf(NotLeaderError);
    expect((notLeader as NotLeaderError).leader).toBe(leaderId);
    const leader = cluster.node(leaderId);
    await cluster.clock.runUntil(() => leader.inspect().lastContact.d != null, { within: 1_000 });
    await expect(leader.addVoter('d', { expectedVersion: 0 })).rejects.toBeInstanceOf(
      ConfigurationVersionError,
    );
    await expect(leader.removeVoter(leaderId)).rejects.toMatchObject({ reason: 'leader' });
    await expect(leader.addVoter('nobody')).rejects.toBeInstanceOf(MembershipChangeError);
  });

  it('the autopilot promotes a node that joins with an empty store once it is stable', async () => {
    cluster = new VirtualCluster(['a', 'b', 'c'], AUTOPILOT);
    await cluster.startAll();
    await cluster.stableLeader();
    const d = join(cluster, 'd', AUTOPILOT);
    await d.start();
    await cluster.clock.runUntil(() => d.inspect().role === 'follower', { within: 5_000 });
    for (const node of cluster.nodes.values()) {
      await cluster.clock.runUntil(() => node.membership().voters.length === 4, { within: 1_000 });
    }
  });

  it('a voter that stops is removed before it leaves; a leader hands over first; none below the floor', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    cluster = new VirtualCluster(ids, AUTOPILOT);
    await cluster.startAll();
    const first = await cluster.stableLeader();
    const follower = ids.find((id) => id !== first)!;
    await settle(cluster, cluster.node(follower).stop());
    expect(cluster.node(first).membership().voters).not.toContain(follower);
    expect(cluster.logs).toContainEqual(
      expect.objectContaining({ node: follower, message: 'stop: removed from the voters' }),
    );
    cluster.nodes.delete(follower);
    await settle(cluster, cluster.node(first).stop());
    cluster.nodes.delete(first);
    const next = await cluster.stableLeader();
    expect(next).not.toBe(first);
    expect(cluster.node(next).membership().voters).toHaveLength(3);
    expect(cluster.node(next).membership().voters).not.toContain(first);
    // At the floor (3 voters) with no observer to replace it, a stopping voter stays a voter.
    const third = [...cluster.nodes.keys()].find((id) => id !== next)!;
    await settle(cluster, cluster.node(third).stop());
    expect(cluster.node(next).membership().voters).toContain(third);
    expect(cluster.logs).toContainEqual(
      expect.objectContaining({ node: third, message: expect.stringMatching(/still a voter/) }),
    );
    cluster.nodes.delete(third);
  });
});
