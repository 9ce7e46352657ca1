/**
 * Election groups share one voter configuration, which only the default group's leader changes. The rules
 * that keep every group safe while that configuration moves (membership.ts, "Election groups": G3 the group
 * term floor, G4 acknowledgements not newer than the group leader's configuration, G5 the settle time between
 * changes, G6 the retired term that outlives a retired group record) are checked here by the counter-examples
 * that need them, each run against the real machine (no
 * violation) and against a machine with the rule switched off (the invariants must catch it). Random
 * schedules with groups and every fault run in random-schedules.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { ElectionMachineInit } from '../../src/index.js';
import { ElectionMachine } from '../../src/machine/machine.js';
import { SimCluster, type Violation } from '../../src/testing/index.js';

type Rules = { termFloor: boolean; ackNotNewer: boolean; settle: boolean; retiredFloor: boolean };

/** A machine with some of the group rules switched off (a deliberately broken protocol). */
function without(off: Partial<Rules>): (init: ElectionMachineInit) => ElectionMachine {
  class Broken extends ElectionMachine {
    protected override get groupRules(): Rules {
      return { termFloor: true, ackNotNewer: true, settle: true, retiredFloor: true, ...off };
    }
  }
  return (init) => new Broken(init);
}

const SEEDS = [1, 2, 3, 4, 5];

function create(seed: number, createMachine?: (init: ElectionMachineInit) => ElectionMachine): SimCluster {
  return SimCluster.create({
    nodes: ['a', 'b', 'c'],
    joiners: 2,
    seed,
    throwOnViolation: false,
    ...(createMachine ? { createMachine } : {}),
  });
}

/** The default group's leader, once its configuration is done and settled (it may change the voters). */
function readyLeader(c: SimCluster): string {
  c.runUntil(() => {
    const id = c.leaseHolder();
    return id !== null && c.machine(id)?.configurationDone === true;
  });
  return c.leaseHolder() as string;
}

/** Adds `id` as a voter through the default group's leader and waits until the change is done and settled. */
function addVoter(c: SimCluster, id: string): void {
  const leader = readyLeader(c);
  c.runUntil(() => c.inspect(leader)?.lastContact[id] != null);
  c.changeVoters(leader, { add: id });
  c.runUntil(() => c.machine(leader)?.configurationDone === true && c.leaseHolder() === leader);
}

const invariants = (violations: readonly Violation[]) =>
  violations.map((v) => `${v.invariant}${v.group === undefined ? '' : `@${v.group}`}`);

describe('G3, the group term floor: two leaders of one term without it', () => {
  /**
   * Voters {L, A, X}; A asks for group g and wins its term 1 with votes {A, L} while X is cut from A. The
   * default leader L adds d, then e: {L, A, X, d, e}. d, cut from A, never heard of g's term 1; it asks for g
   * and campaigns under five voters. X, d and e never voted in g: without the floor, d wins term 1 too (the
   * same fencing token as A's). With it, the configuration that added e carries floor 1 (L reported voting in
   * g's term 1 while holding the configuration that added d), so d campaigns in term 2. d is cut from L
   * when it campaigns: L's refusal would carry term 1.
   */
  function story(seed: number, createMachine?: (init: ElectionMachineInit) => ElectionMachine) {
    const c = create(seed, createMachine);
    const leader = readyLeader(c);
    const [a, x] = ['a', 'b', 'c'].filter((id) => id !== leader) as [string, string];
    c.addNode('d');
    c.addNode('e');
    for (const late of [x, 'd', 'e']) c.cut(a, late);
    c.openGroup(a, 'g');
    c.runUntil(() => c.groupLeaseHolder('g') === a);
    const firstTerm = c.machine(a)?.group('g', c.localTime(a)).term;
    addVoter(c, 'd');
    addVoter(c, 'e');
    c.cut(leader, 'd'); // L's refusal would tell d of term 1: d hears only from X and e
    c.openGroup('d', 'g');
    c.runFor(3_000);
    return { c, firstTerm, floor: c.configuration(leader)?.groupTermFloor ?? 0 };
  }

  it.each(SEEDS)('with the floor, no violation (seed %i)', (seed) => {
    const { c, firstTerm, floor } = story(seed);
    expect(invariants(c.violations)).toEqual([]);
    expect(firstTerm).toBe(1);
    expect(floor).toBeGreaterThanOrEqual(1);
    // d (or another asker) leads g now, in a term above the floor.
    expect(c.groupLeaseHolder('g')).toBe('d');
    expect(c.machine('d')?.group('g', c.localTime('d')).term).toBeGreaterThan(floor);
  });

  it('without it (a deliberately broken machine), one-leader-per-term in group g is caught', () => {
    const { c } = story(1, without({ termFloor: false }));
    expect(invariants(c.violations)).toContain('one-leader-per-term@g');
  });
});

describe('G4 and G5: two valid leases of one group without them', () => {
  /**
   * Voters {A, b, L}; A asks for g and leads it with b's acknowledgements, while A is cut from L (so it keeps
   * the first configuration), from d and from e. L adds d, then e; b holds each new configuration and goes
   * on acknowledging A. d asks for g and wins its next term with {L, d, e}, which never heard of A. Without G4
   * A counts b's acknowledgements (b holds a configuration newer than A's) and its lease stays valid while d's
   * is: two leases of g at once. With G4 A's lease lapses once b moved on; with G5 as well, the second change
   * comes only once the lease b confirmed under the first configuration has run out.
   */
  function story(seed: number, createMachine?: (init: ElectionMachineInit) => ElectionMachine) {
    const c = create(seed, createMachine);
    const leader = readyLeader(c);
    const [a, b] = ['a', 'b', 'c'].filter((id) => id !== leader) as [string, string];
    c.addNode('d');
    c.addNode('e');
    for (const other of [leader, 'd', 'e']) c.cut(a, other);
    c.openGroup(a, 'g');
    c.runUntil(() => c.groupLeaseHolder('g') === a);
    addVoter(c, 'd');
    addVoter(c, 'e');
    c.openGroup('d', 'g');
    c.runFor(3_000);
    return { c, a, b };
  }

  it.each(SEEDS)('with both, no violation, and d leads g in the end (seed %i)', (seed) => {
    const { c, a } = story(seed);
    expect(invariants(c.violations)).toEqual([]);
    expect(c.groupLeaseHolder('g')).toBe('d');
    expect(c.machine(a)?.isLeader(c.localTime(a), 'g')).toBe(false);
  });

  it('without G4 (a deliberately broken machine), single-lease in group g is caught', () => {
    const { c } = story(1, without({ ackNotNewer: false }));
    expect(invariants(c.violations)).toContain('single-lease@g');
  });

  it('without G4 and G5, single-lease in group g is caught', () => {
    const { c } = story(1, without({ ackNotNewer: false, settle: false }));
    expect(invariants(c.violations)).toContain('single-lease@g');
  });
});

describe('G6, retirement keeps the retired term: two leaders of one term without it', () => {
  /**
   * Voters L (the default group's leader), B and X; X is cut from L throughout. L asks for g and wins its
   * term 1 with votes {L, B}; X never hears of g. L closes g: nobody asks for it, and after groupIdleTimeout
   * without a message L and B retire their records. Then X asks for g. With G6, B's new record starts at the
   * retired term 1 (its floor): X's pre-vote for term 1 is refused with term 1, X adopts it and wins term 2.
   * Without it, B has forgotten its vote in term 1 and votes for X in term 1 again: a second leader of term 1,
   * with L's fencing token.
   */
  function story(seed: number, createMachine?: (init: ElectionMachineInit) => ElectionMachine) {
    const c = SimCluster.create({
      nodes: ['a', 'b', 'c'],
      seed,
      throwOnViolation: false,
      election: { groupIdleTimeout: 3_000 },
      ...(createMachine ? { createMachine } : {}),
    });
    const leader = readyLeader(c);
    const [, late] = ['a', 'b', 'c'].filter((id) => id !== leader) as [string, string];
    c.cut(leader, late);
    c.openGroup(leader, 'g');
    c.runUntil(() => c.groupLeaseHolder('g') === leader);
    const first = c.machine(leader)?.group('g', c.localTime(leader)).term as number;
    c.closeGroup(leader, 'g');
    c.runFor(3_000 + 1_000);
    c.openGroup(late, 'g');
    c.runUntil(() => c.groupLeaseHolder('g') === late);
    return { c, first, second: c.machine(late)?.group('g', c.localTime(late)).term as number };
  }

  it.each(SEEDS)(
    'with it, the records retire and g elects again above the retired term (seed %i)',
    (seed) => {
      const { c, first, second } = story(seed);
      expect(invariants(c.violations)).toEqual([]);
      expect(first).toBe(1);
      expect(second).toBeGreaterThan(first);
    },
  );

  it('retires the records once g is idle: deleted from the saved state, their term kept as retiredTerm', () => {
    const c = SimCluster.create({ nodes: ['a', 'b', 'c'], seed: 1, election: { groupIdleTimeout: 3_000 } });
    const leader = readyLeader(c);
    c.openGroup(leader, 'g');
    c.runUntil(() => c.groupLeaseHolder('g') === leader);
    const term = c.machine(leader)?.group('g', c.localTime(leader)).term;
    c.runFor(5_000);
    // Led and asked for: kept on every voter (the leader's heartbeats keep the others' records fresh).
    for (const id of ['a', 'b', 'c']) expect(c.persisted(id)?.groups?.g?.term).toBe(term);
    c.closeGroup(leader, 'g');
    c.runFor(2_500);
    for (const id of ['a', 'b', 'c']) expect(c.persisted(id)?.groups?.g).toBeDefined(); // idle under 3 s
    c.runFor(2_000);
    for (const id of ['a', 'b', 'c']) {
      expect(c.persisted(id)?.groups).toBeUndefined();
      expect(c.persisted(id)?.retiredTerm).toBe(term);
      expect(c.machine(id)?.groupNames).toEqual(['default']);
    }
  });

  it('without it (a deliberately broken machine), one-leader-per-term in group g is caught', () => {
    const { c } = story(1, without({ retiredFloor: false }));
    expect(invariants(c.violations)).toContain('one-leader-per-term@g');
  });
});
