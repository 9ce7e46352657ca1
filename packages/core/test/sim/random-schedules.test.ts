/**
 * Random fault schedules through every invariant. The CLI runs thousands of seeds in CI; these keep a few
 * hundred inside `vitest` so that a regression fails the unit tests too, and check that a run is a pure
 * function of its seed.
 */
import { describe, expect, it } from 'vitest';
import { runRandomSchedule, type Violation } from '../../src/testing/index.js';

function violationsOver(
  seeds: number,
  options: { nodes: number; observers?: number; duration?: number; membership?: boolean },
) {
  const found: Violation[] = [];
  let elections = 0;
  let failovers = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const run = runRandomSchedule({ seed, ...options });
    found.push(...run.violations);
    elections += run.stats.electionsWon;
    failovers += run.stats.failoversMs.length;
  }
  return { found, elections, failovers };
}

describe('random schedules with all faults', () => {
  it('200 seeds of 5 nodes for 60 virtual seconds break no invariant', () => {
    const { found, elections, failovers } = violationsOver(200, { nodes: 5 });
    expect(found).toEqual([]);
    // The schedules really do disturb the cluster: leaders are lost and replaced many times per run.
    expect(elections).toBeGreaterThan(200 * 10);
    expect(failovers).toBeGreaterThan(200 * 5);
  });

  it.each([1, 2, 3, 4, 6, 7])('50 seeds of %i nodes break no invariant', (nodes) => {
    expect(violationsOver(50, { nodes, duration: 30_000 }).found).toEqual([]);
  });

  it.each([3, 5, 7])(
    '50 seeds of %i nodes with membership faults break no invariant, and do change the voters',
    (nodes) => {
      let changes = 0;
      for (let seed = 1; seed <= 50; seed++) {
        const run = runRandomSchedule({ seed, nodes, duration: 30_000, membership: true, log: 'events' });
        expect(run.violations).toEqual([]);
        changes += run.cluster.log.filter((entry) => entry.event === 'voters-changed').length;
      }
      expect(changes).toBeGreaterThan(50 * 3);
    },
  );

  it.each([3, 5])(
    '50 seeds of %i voters with three election groups and membership faults break no invariant per group, and every group elects',
    (nodes) => {
      let groupLeaderships = 0;
      for (let seed = 1; seed <= 50; seed++) {
        const run = runRandomSchedule({
          seed,
          nodes,
          duration: 30_000,
          membership: seed % 2 === 0,
          groups: ['billing', 'emails', 'reports'],
          log: 'events',
        });
        expect(run.violations).toEqual([]);
        for (const group of ['billing', 'emails', 'reports']) {
          const led = run.cluster.log.filter(
            (entry) => entry.event === 'became-leader' && entry.text.startsWith(`[${group}]`),
          ).length;
          expect(led, `seed ${seed}: group ${group} never elected`).toBeGreaterThan(0);
          groupLeaderships += led;
        }
      }
      expect(groupLeaderships).toBeGreaterThan(50 * 3 * 3);
    },
  );

  it('50 seeds of 3 voters and 2 observers that ask for election groups (which learn their leaders, and may be promoted) break no invariant per group', () => {
    let observerFollowed = 0;
    for (let seed = 1; seed <= 50; seed++) {
      const run = runRandomSchedule({
        seed,
        nodes: 3,
        observers: 2,
        duration: 30_000,
        membership: seed % 2 === 0,
        groups: ['billing', 'emails'],
        log: 'events',
      });
      expect(run.violations).toEqual([]);
      // An observer that learned a group's leader (the group's heartbeats reach observers).
      observerFollowed += run.cluster.log.filter(
        (entry) =>
          entry.event === 'leader-changed' &&
          /^\[(billing|emails)\] knows leader (?!none)/.test(entry.text) &&
          entry.node?.startsWith('o') === true,
      ).length;
    }
    expect(observerFollowed).toBeGreaterThan(0);
  });

  it.each([3, 5])(
    '50 seeds of %i voters whose groups are closed, asked for again and retired after 3 s idle (groupIdleTimeout) break no invariant per group',
    (nodes) => {
      let retired = 0;
      for (let seed = 1; seed <= 50; seed++) {
        const run = runRandomSchedule({
          seed,
          nodes,
          duration: 30_000,
          membership: seed % 2 === 0,
          groups: ['billing', 'emails'],
          groupChurn: true,
          election: { groupIdleTimeout: 3_000 },
        });
        expect(run.violations).toEqual([]);
        for (const id of run.cluster.ids) if ((run.cluster.machine(id)?.retiredTerm ?? 0) > 0) retired++;
      }
      // Records did retire (a node cut off from a group's leader for 3 s, or a group nobody led).
      expect(retired).toBeGreaterThan(5);
    },
  );

  it('50 seeds of 3 voters and 2 observers break no invariant', () => {
    expect(violationsOver(50, { nodes: 3, observers: 2, duration: 30_000 }).found).toEqual([]);
  });

  it.each([
    ['a drift bound of 20 %', { clockDriftBound: 0.2 }],
    ['a narrow timeout range (150-155 ms)', { electionTimeoutMin: 150, electionTimeoutMax: 155 }],
    ['heartbeats close to the lease (120 ms)', { heartbeatInterval: 120 }],
    [
      'timeouts close to message delays (10-20 ms)',
      { electionTimeoutMin: 10, electionTimeoutMax: 20, heartbeatInterval: 3 },
    ],
  ])('20 seeds with %s break no invariant', (_, election) => {
    const found = [];
    for (let seed = 1; seed <= 20; seed++) {
      found.push(...runRandomSchedule({ seed, nodes: 5, duration: 20_000, election }).violations);
    }
    expect(found).toEqual([]);
  });

  it('every run ends healed, with a leader or one about to be', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { cluster } = runRandomSchedule({ seed, nodes: 5 });
      expect(cluster.faultFree).toBe(true);
      // A transfer or step-down may be under way at the very end; a leader follows within a timeout or two.
      cluster.runUntil(() => cluster.leaseHolder() !== null, { within: 1_000 });
    }
  });
});

describe('determinism', () => {
  it('the same seed gives the same event log, message for message', () => {
    const a = runRandomSchedule({ seed: 12345, nodes: 5, duration: 20_000, log: 'messages' });
    const b = runRandomSchedule({ seed: 12345, nodes: 5, duration: 20_000, log: 'messages' });
    expect(a.cluster.log.length).toBeGreaterThan(1_000);
    expect(b.cluster.formatLog()).toBe(a.cluster.formatLog());
    expect(b.stats).toEqual(a.stats);
  });

  it('another seed gives another run', () => {
    const a = runRandomSchedule({ seed: 1, nodes: 5, duration: 20_000, log: 'events' });
    const b = runRandomSchedule({ seed: 2, nodes: 5, duration: 20_000, log: 'events' });
    expect(b.cluster.formatLog()).not.toBe(a.cluster.formatLog());
  });

  it('the log is the same whether or not it is recorded: logging does not consume randomness', () => {
    const quiet = runRandomSchedule({ seed: 77, nodes: 5, log: 'none' });
    const loud = runRandomSchedule({ seed: 77, nodes: 5, log: 'messages' });
    expect(loud.stats).toEqual(quiet.stats);
  });
});
