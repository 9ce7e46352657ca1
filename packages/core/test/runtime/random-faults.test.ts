import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/testing/index.js';
import { VirtualCluster } from './cluster-harness.js';

const FIVE = ['a', 'b', 'c', 'd', 'e'];

/**
 * Random faults against whole runtimes (not only the state machine): partitions, pauses, restarts and
 * transfers, with jittery latency. Every millisecond of virtual time, at most one awake node may answer
 * `isLeader()` true, and terms of leadership handles never repeat.
 */
async function run(seed: number): Promise<{ leaderships: number }> {
  const random = new Prng(seed).next;
  // jitter: 0-4 ms, and 5 % of messages slow (5-45 ms)
  const cluster = new VirtualCluster(FIVE, {}, () => (random() < 0.05 ? 5 + random() * 40 : random() * 4));
  const terms: number[] = [];
  for (const node of cluster.nodes.values()) node.on('became-leader', ({ term }) => void terms.push(term));
  await cluster.startAll();
  for (let ms = 0; ms < 3_000; ms++) {
    if (ms % 150 === 0) {
      const id = FIVE[Math.floor(random() * FIVE.length)]!;
      const dice = random();
      if (dice < 0.25) cluster.network.isolate(id);
      else if (dice < 0.45) cluster.network.heal();
      else if (dice < 0.6) cluster.time(id).freeze();
      else if (dice < 0.75) for (const other of FIVE) cluster.time(other).resume();
      else if (dice < 0.9) {
        const leader = FIVE.find((other) => cluster.node(other).isLeader());
        if (leader)
          cluster
            .node(leader)
            .transferLeadership()
            .catch(() => undefined);
      } else {
        const leader = FIVE.find((other) => cluster.node(other).isLeader());
        if (leader) cluster.node(leader).stepDown();
      }
    }
    await cluster.clock.advanceBy(1);
    const awake = FIVE.filter((id) => !cluster.time(id).frozen);
    const leading = awake.filter((id) => cluster.node(id).isLeader());
    expect(
      leading.length,
      `seed ${seed} at ${ms} ms: ${leading.join(', ')} lead at once`,
    ).toBeLessThanOrEqual(1);
  }
  for (const id of FIVE) cluster.time(id).resume();
  cluster.network.heal();
  await cluster.stableLeader(5_000);
  await cluster.stopAll();
  expect(new Set(terms).size, `seed ${seed}: two leaderships in one term`).toBe(terms.length);
  return { leaderships: terms.length };
}

describe('random faults against 5 runtimes in virtual time', () => {
  it('never two leaders at once, never two leaderships in one term (12 seeds)', async () => {
    let total = 0;
    for (let seed = 1; seed <= 12; seed++) total += (await run(seed)).leaderships;
    expect(total).toBeGreaterThan(12); // the faults did make leadership move
  }, 120_000);
});
