import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/index.js';
import { BATON_METRICS, type BatonMetrics, registerBatonMetrics } from '../../src/metrics/index.js';
import { VirtualCluster } from '../runtime/cluster-harness.js';
import { parseExposition, sample, samplesOf } from './exposition.js';

const THREE = ['a', 'b', 'c'];

let cluster: VirtualCluster | null = null;
const registered: BatonMetrics[] = [];

afterEach(async () => {
  for (const metrics of registered.splice(0)) metrics.unregister();
  await cluster?.stopAll();
  cluster = null;
});

/** Each node's metrics on a registry of its own, in the cluster's virtual time. */
function withMetrics(c: VirtualCluster): Map<string, Registry> {
  const registries = new Map<string, Registry>();
  for (const [id, node] of c.nodes) {
    const registry = new Registry();
    registered.push(registerBatonMetrics(node, { registry, timeProvider: c.time(id) }));
    registries.set(id, registry);
  }
  return registries;
}

/** What a Prometheus server would scrape from `registry`, parsed. */
async function scrape(registry: Registry) {
  return parseExposition(await registry.metrics());
}

describe('@baton/core/metrics read back in the text exposition format', () => {
  it('names every metric as Prometheus asks, with HELP and TYPE lines and a cluster label', async () => {
    cluster = new VirtualCluster(THREE);
    const registries = withMetrics(cluster);
    await cluster.startAll();
    await cluster.stableLeader();
    const text = await registries.get('a')!.metrics();
    for (const { name, type, help } of Object.values(BATON_METRICS)) {
      expect(name).toMatch(/^baton_[a-z_]+$/);
      if (type === 'counter') expect(name).toMatch(/_total$/);
      expect(text).toContain(`# HELP ${name} ${help}`);
      expect(text).toContain(`# TYPE ${name} ${type}`);
    }
    const { samples } = parseExposition(text);
    expect(samples.length).toBeGreaterThan(0);
    for (const { labels } of samples) expect(labels.cluster).toBe('test');
  });

  it('after an election and a failover: who leads, the term, elections, leader changes, time without a leader', async () => {
    cluster = new VirtualCluster(THREE);
    const registries = withMetrics(cluster);
    // Before start: the metrics read without an error.
    expect(sample(await scrape(registries.get('a')!), 'baton_is_leader')).toBe(0);
    await cluster.startAll();
    const first = await cluster.stableLeader();
    await cluster.clock.advanceBy(500); // heartbeats and their acknowledgements
    const term = cluster.node(first).term();

    for (const id of THREE) {
      const metrics = await scrape(registries.get(id)!);
      expect(sample(metrics, 'baton_is_leader')).toBe(id === first ? 1 : 0);
      expect(sample(metrics, 'baton_term')).toBe(term);
      expect(sample(metrics, 'baton_leader_changes_total')).toBe(1);
      expect(sample(metrics, 'baton_leaderless_seconds')).toBe(0);
      expect(sample(metrics, 'baton_members', { role: 'voter' })).toBe(3);
      expect(sample(metrics, 'baton_members', { role: 'observer' })).toBe(0);
      expect(sample(metrics, 'baton_configuration_version')).toBe(1);
      expect(sample(metrics, 'baton_peers_connected')).toBe(2);
      expect(sample(metrics, 'baton_elections_won_total')).toBe(id === first ? 1 : 0);
      // No leader was known from start until the first election ended.
      expect(sample(metrics, 'baton_leaderless_seconds_total')).toBeGreaterThan(0);
    }
    const leaderMetrics = await scrape(registries.get(first)!);
    expect(sample(leaderMetrics, 'baton_elections_started_total')).toBeGreaterThanOrEqual(1);
    const lease = sample(leaderMetrics, 'baton_lease_remaining_seconds');
    expect(lease).toBeGreaterThan(0);
    expect(lease).toBeLessThanOrEqual(0.15);
    // 500 ms of 50 ms heartbeats to two followers: every acknowledgement is one observation, and each round
    // asks at least one of them (with the leader, a majority; the other's heartbeat is quiet).
    const acks = sample(leaderMetrics, 'baton_heartbeat_round_trip_seconds_count');
    expect(acks).toBeGreaterThanOrEqual(9);
    // The memory network's 1 ms each way: every round trip is 2 ms.
    expect(sample(leaderMetrics, 'baton_heartbeat_round_trip_seconds_sum') / acks).toBeCloseTo(0.002, 6);
    expect(sample(leaderMetrics, 'baton_heartbeat_round_trip_seconds_bucket', { le: '0.001' })).toBe(0);
    expect(sample(leaderMetrics, 'baton_heartbeat_round_trip_seconds_bucket', { le: '0.0025' })).toBe(acks);
    // Followers measure nothing.
    const follower = THREE.find((id) => id !== first)!;
    expect(
      samplesOf(await scrape(registries.get(follower)!), 'baton_heartbeat_round_trip_seconds_count'),
    ).toEqual([]);

    // Failover: the leader's process stops and nobody reaches it.
    const leaderlessBefore = sample(
      await scrape(registries.get(follower)!),
      'baton_leaderless_seconds_total',
    );
    cluster.time(first).freeze();
    cluster.network.isolate(first);
    let second = '';
    await cluster.clock.runUntil(
      () => {
        second = THREE.find((id) => id !== first && cluster!.node(id).isLeader()) ?? '';
        return second !== '' && THREE.every((id) => id === first || cluster!.node(id).leader() === second);
      },
      { within: 5_000 },
    );
    const survivors = THREE.filter((id) => id !== first);
    for (const id of survivors) {
      const metrics = await scrape(registries.get(id)!);
      expect(sample(metrics, 'baton_is_leader')).toBe(id === second ? 1 : 0);
      expect(sample(metrics, 'baton_term')).toBeGreaterThan(term);
      expect(sample(metrics, 'baton_leader_changes_total')).toBe(2);
      expect(sample(metrics, 'baton_leaderless_seconds')).toBe(0);
      expect(sample(metrics, 'baton_peers_connected')).toBe(1);
    }
    const secondMetrics = await scrape(registries.get(second)!);
    expect(sample(secondMetrics, 'baton_elections_won_total')).toBe(1);
    // Between the old lease and the new leader, the survivors knew no leader: at least an election timeout.
    const otherSurvivor = survivors.find((id) => id !== second)!;
    const leaderless = sample(await scrape(registries.get(otherSurvivor)!), 'baton_leaderless_seconds_total');
    expect(leaderless - (otherSurvivor === follower ? leaderlessBefore : 0)).toBeGreaterThan(0);
    // The cut-off leader no longer counts as a connected peer, and it was told nothing: it still believes it
    // is a member of a cluster with two peers until its clock runs again.
    cluster.nodes.delete(first);
  });

  it('counts a membership change and the members by role', async () => {
    cluster = new VirtualCluster(THREE);
    const registries = withMetrics(cluster);
    await cluster.startAll();
    const leader = await cluster.stableLeader();
    const removed = THREE.find((id) => id !== leader)!;
    await cluster.clock.advanceBy(200); // the new leader's configuration is held by a majority
    let outcome: unknown = null;
    cluster
      .node(leader)
      .removeVoter(removed)
      .then(
        (configuration) => {
          outcome = configuration;
        },
        (error: unknown) => {
          outcome = error;
        },
      );
    await cluster.clock.runUntil(() => outcome !== null, { within: 2_000 });
    expect(outcome).toMatchObject({ version: 2 });
    await cluster.clock.advanceBy(200);
    const metrics = await scrape(registries.get(leader)!);
    expect(sample(metrics, 'baton_membership_changes_total')).toBe(1);
    expect(sample(metrics, 'baton_members', { role: 'voter' })).toBe(2);
    expect(sample(metrics, 'baton_configuration_version')).toBe(2);
  });

  it('the election groups: who leads which, their terms, and how many each node leads', async () => {
    cluster = new VirtualCluster(THREE);
    const registries = withMetrics(cluster);
    for (const node of cluster.nodes.values()) for (const group of ['billing', 'reports']) node.group(group);
    await cluster.startAll();
    await cluster.stableLeader();
    await cluster.clock.runUntil(
      () => ['billing', 'reports'].every((g) => THREE.some((id) => cluster!.node(id).group(g).isLeader())),
      { within: 5_000 },
    );
    let led = 0;
    for (const id of THREE) {
      const metrics = await scrape(registries.get(id)!);
      const node = cluster.node(id);
      for (const group of ['billing', 'reports']) {
        expect(sample(metrics, 'baton_group_is_leader', { group })).toBe(
          node.group(group).isLeader() ? 1 : 0,
        );
        expect(sample(metrics, 'baton_group_term', { group })).toBe(node.group(group).term());
      }
      led += sample(metrics, 'baton_groups_led') as number;
    }
    expect(led).toBe(2);
  });

  it('drops the series of a group once its record retired (closed everywhere, idle for groupIdleTimeout)', async () => {
    cluster = new VirtualCluster(THREE, { groupIdleTimeout: 3_000 });
    const registries = withMetrics(cluster);
    for (const node of cluster.nodes.values()) node.group('reports');
    await cluster.startAll();
    await cluster.stableLeader();
    await cluster.clock.runUntil(() => THREE.some((id) => cluster!.node(id).group('reports').isLeader()), {
      within: 5_000,
    });
    const first = THREE[0] as string;
    expect(
      sample(await scrape(registries.get(first)!), 'baton_group_term', { group: 'reports' }),
    ).toBeGreaterThan(0);
    await Promise.all(THREE.map((id) => cluster!.node(id).group('reports').close()));
    await cluster.clock.advanceBy(5_000);
    for (const id of THREE) {
      expect(cluster.node(id).inspect().groups?.reports).toBeUndefined();
      const metrics = await scrape(registries.get(id)!);
      expect(samplesOf(metrics, 'baton_group_term')).toEqual([]);
      expect(samplesOf(metrics, 'baton_group_is_leader')).toEqual([]);
      expect(sample(metrics, 'baton_groups_led')).toBe(0);
    }
  });

  it('counts dropped messages by reason', async () => {
    cluster = new VirtualCluster(THREE);
    const registries = withMetrics(cluster);
    await cluster.startAll();
    const leader = await cluster.stableLeader();
    cluster.network.transport('outsider');
    const other = cluster.network.transport('x');
    await other.start({ onMessage() {}, onBroadcast() {}, onPeerConnected() {}, onPeerDisconnected() {} });
    other.send({ type: 'timeout-now', cluster: 'another', from: 'x', to: leader, term: 99 });
    await cluster.clock.advanceBy(10);
    const metrics = await scrape(registries.get(leader)!);
    expect(sample(metrics, 'baton_messages_dropped_total', { reason: 'wrong-cluster' })).toBe(1);
    expect(sample(metrics, 'baton_messages_dropped_total', { reason: 'stale-term' })).toBe(0);
    await other.stop();
  });

  it('shares a registry between clusters, refuses a second election of one cluster, and unregisters', async () => {
    cluster = new VirtualCluster(THREE);
    const registry = new Registry();
    const a = registerBatonMetrics(cluster.node('a'), { registry, timeProvider: cluster.time('a') });
    registered.push(a);
    expect(() => registerBatonMetrics(cluster!.node('b'), { registry })).toThrow(InvalidOptionError);
    const other = new VirtualCluster(['z'], { clusterId: 'other' });
    const z = registerBatonMetrics(other.node('z'), { registry, timeProvider: other.time('z') });
    await Promise.all([cluster.startAll(), other.startAll()]);
    await cluster.stableLeader();
    await other.stableLeader();
    const both = await scrape(registry);
    expect(sample(both, 'baton_is_leader', { cluster: 'other' })).toBe(1);
    expect(sample(both, 'baton_term', { cluster: 'test' })).toBeGreaterThan(0);
    z.unregister();
    z.unregister(); // idempotent
    const one = await scrape(registry);
    expect(one.samples.some(({ labels }) => labels.cluster === 'other')).toBe(false);
    a.unregister();
    expect(await registry.metrics()).not.toContain('baton_');
    // Registered again after all were removed: a fresh set of metrics.
    registered.push(registerBatonMetrics(cluster.node('a'), { registry }));
    expect(await registry.metrics()).toContain('baton_is_leader{cluster="test"}');
    await other.stopAll();
  });

  it('names the option that is wrong', () => {
    cluster = new VirtualCluster(THREE);
    const node = cluster.node('a');
    const registry = new Registry();
    expect(() => registerBatonMetrics({} as never)).toThrow(/election/);
    expect(() => registerBatonMetrics(node, { registry: {} as never })).toThrow(/invalid option registry/);
    expect(() => registerBatonMetrics(node, { registry, roundTripBuckets: [0.1, 0.01] })).toThrow(
      /roundTripBuckets\[1\]/,
    );
    expect(() => registerBatonMetrics(node, { registry, roundTripBuckets: [] })).toThrow(/roundTripBuckets/);
  });
});
