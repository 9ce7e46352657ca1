/**
 * Placement of election groups: the leaders of the named groups spread over the voters by leadership
 * transfers (no coordinator), with every invariant checked at every step (a violation throws).
 */
import { describe, expect, it } from 'vitest';
import { ElectionMachine } from '../../src/machine/machine.js';
import { SimCluster } from '../../src/testing/index.js';

const GROUPS = ['billing', 'emails', 'reports'];

/** How many of `groups` each node leads now (nodes that lead none are absent). */
function loads(c: SimCluster, groups: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const group of groups) {
    const holder = c.groupLeaseHolder(group);
    if (holder !== null) counts.set(holder, (counts.get(holder) ?? 0) + 1);
  }
  return counts;
}

const spread = (c: SimCluster, groups: readonly string[], nodes: number) => {
  const counts = [...loads(c, groups).values()];
  const held = counts.reduce((a, b) => a + b, 0);
  return (
    held === groups.length &&
    counts.length === Math.min(nodes, groups.length) &&
    Math.max(...counts) - Math.min(...counts) <= 1
  );
};

describe('placement of election groups', () => {
  it.each([1, 2, 3, 4, 5])(
    'three groups end on three different replicas, and move when one stops (seed %i)',
    (seed) => {
      const c = SimCluster.create({ nodes: ['a', 'b', 'c'], seed, groups: GROUPS });
      const at = c.runUntil(() => spread(c, GROUPS, 3), { within: 15_000 });
      expect([...loads(c, GROUPS).values()].sort()).toEqual([1, 1, 1]);
      c.runFor(5_000);
      expect([...loads(c, GROUPS).values()].sort()).toEqual([1, 1, 1]); // settled: no flapping
      const leaving = c.groupLeaseHolder('billing') as string;
      c.leave(leaving, 1_000);
      c.runUntil(
        () => GROUPS.every((g) => c.groupLeaseHolder(g) !== null && c.groupLeaseHolder(g) !== leaving),
        {
          within: 2_000,
        },
      );
      c.runFor(3_000);
      expect([...loads(c, GROUPS).values()].sort()).toEqual([1, 2]);
      expect(at).toBeGreaterThan(0);
    },
  );

  it('ten groups over five voters: two each', () => {
    const groups = Array.from({ length: 10 }, (_, i) => `g${i + 1}`);
    const c = SimCluster.create({ nodes: 5, seed: 7, groups });
    c.runUntil(() => spread(c, groups, 5), { within: 30_000 });
    expect([...loads(c, groups).values()]).toEqual([2, 2, 2, 2, 2]);
  });

  it('with placement off, ten groups do not spread by themselves (the check above is not vacuous)', () => {
    const groups = Array.from({ length: 10 }, (_, i) => `g${i + 1}`);
    const c = SimCluster.create({ nodes: 5, seed: 7, groups, election: { placementInterval: 0 } });
    c.runFor(30_000);
    expect(spread(c, groups, 5)).toBe(false);
  });

  it.each([1, 2, 3])(
    'a group goes to the replica that prefers it, and balance never moves it away (seed %i)',
    (seed) => {
      const c = SimCluster.create({ nodes: ['a', 'b', 'c'], seed, groups: GROUPS });
      c.runUntil(() => spread(c, GROUPS, 3), { within: 15_000 });
      // c prefers all three groups: they end on c, though that is three against none.
      for (const group of GROUPS) c.openGroup('c', group, { preferred: true });
      c.runUntil(() => GROUPS.every((g) => c.groupLeaseHolder(g) === 'c'), { within: 15_000 });
      c.runFor(5_000);
      expect(GROUPS.map((g) => c.groupLeaseHolder(g))).toEqual(['c', 'c', 'c']); // settled
      // Without the preference, balance spreads them again.
      for (const group of GROUPS) c.openGroup('c', group, { preferred: false });
      c.runUntil(() => spread(c, GROUPS, 3), { within: 15_000 });
      // Two replicas prefer one group: whichever of them leads keeps it.
      c.openGroup('a', 'billing', { preferred: true });
      c.openGroup('b', 'billing', { preferred: true });
      c.runUntil(() => ['a', 'b'].includes(c.groupLeaseHolder('billing') ?? ''), { within: 15_000 });
      const holder = c.groupLeaseHolder('billing');
      c.runFor(5_000);
      expect(c.groupLeaseHolder('billing')).toBe(holder);
    },
  );

  it('a preferred replica that stops: the group moves to another voter, and comes back when it returns', () => {
    const c = SimCluster.create({ nodes: ['a', 'b', 'c'], seed: 11, groups: GROUPS });
    c.runUntil(() => spread(c, GROUPS, 3), { within: 15_000 });
    c.openGroup('b', 'reports', { preferred: true });
    c.runUntil(() => c.groupLeaseHolder('reports') === 'b', { within: 15_000 });
    c.crash('b');
    c.runUntil(() => !['b', null].includes(c.groupLeaseHolder('reports')), { within: 5_000 });
    c.restart('b');
    c.openGroup('b', 'reports', { preferred: true });
    c.runUntil(() => c.groupLeaseHolder('reports') === 'b', { within: 20_000 });
  });

  /** Leaderships of named groups begun in the log after `from` (virtual ms). */
  const groupLeaderships = (c: SimCluster, from: number) =>
    c.log.filter((entry) => entry.at >= from && entry.event === 'became-leader' && entry.text.startsWith('['))
      .length;

  it('once spread, groups stay put; a gap-of-one rule (a deliberately broken machine) moves them for ever', () => {
    class GapOfOne extends ElectionMachine {
      protected override get placementGap(): number {
        return 1;
      }
    }
    const run = (
      createMachine?: (init: ConstructorParameters<typeof ElectionMachine>[0]) => ElectionMachine,
    ) => {
      const c = SimCluster.create({
        nodes: ['a', 'b', 'c'],
        seed: 2,
        groups: ['billing', 'emails'],
        createMachine,
      });
      c.runFor(15_000);
      const settledAt = c.now;
      c.runFor(10_000);
      return groupLeaderships(c, settledAt);
    };
    expect(run()).toBe(0);
    expect(run((init) => new GapOfOne(init))).toBeGreaterThan(5);
  });
});
