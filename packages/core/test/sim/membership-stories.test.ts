/**
 * Membership stories in the simulator: the scenarios the reference systems got wrong or had to guard
 * against (Ongaro's thesis ch. 4 and his 2015 single-server change bug; MongoDB's logless reconfiguration;
 * Consul autopilot's dead-server cleanup; rqlite's removed nodes). Every step of every story is checked
 * against all invariants, the configuration ones included (configurations only move forward; any two that can
 * win have intersecting majorities; a done change is never lost; fencing tokens strictly increase): a
 * violation throws at once. Each story runs under several seeds.
 */
import { describe, expect, it } from 'vitest';
import { type ElectionMachineInit, MembershipChangeError } from '../../src/index.js';
import { ElectionMachine } from '../../src/machine/machine.js';
import { SimCluster } from '../../src/testing/index.js';

const SEEDS = [1, 2, 3, 4, 5];
const AUTOPILOT = { stabilizationTime: 500, deadVoterTimeout: 2_000 };

function leaderOf(c: SimCluster, within = 5_000): string {
  c.runUntil(() => c.leaseHolder() !== null, { within });
  return c.leaseHolder() as string;
}

/** A leader whose configuration is done (held by a majority in its term): it may change the voters. */
function readyLeader(c: SimCluster): string {
  c.runUntil(() => {
    const id = c.leaseHolder();
    return id !== null && c.machine(id)?.configurationDone === true;
  });
  return c.leaseHolder() as string;
}

/** Cuts `id` from every node but `keep`. */
function cutAllBut(c: SimCluster, id: string, keep: readonly string[]): void {
  for (const other of c.ids) if (other !== id && !keep.includes(other)) c.cut(id, other);
}

const others = (c: SimCluster, ...not: string[]): string[] => c.ids.filter((id) => !not.includes(id));

describe('a change held by a minority only', () => {
  it.each(SEEDS)('the leader crashes: the change may be lost, never half-kept (seed %i)', (seed) => {
    const c = SimCluster.create({ nodes: 5, seed });
    const leader = readyLeader(c);
    const [keep, removed] = others(c, leader) as [string, string];
    cutAllBut(c, leader, [keep]);
    c.changeVoters(leader, { remove: removed });
    c.runFor(30); // the new configuration reaches `keep` only
    c.crash(leader);
    c.heal();
    const next = leaderOf(c);
    c.runFor(2_000);
    // Whichever configuration won, every running node holds the same one.
    const held = new Set(
      c.ids.filter((id) => !c.isCrashed(id)).map((id) => c.configuration(id)?.voters.join()),
    );
    expect(held.size).toBe(1);
    expect(c.leaseHolder()).toBe(next);
  });

  it.each(SEEDS)(
    'the old leader is cut off with it: the majority elects on the old one, and the change is undone everywhere (seed %i)',
    (seed) => {
      const c = SimCluster.create({ nodes: 5, seed });
      const leader = readyLeader(c);
      const [keep, removed] = others(c, leader) as [string, string];
      c.partition([leader, keep]);
      c.changeVoters(leader, { remove: removed });
      c.runUntil(() => {
        const holder = c.leaseHolder();
        return holder !== null && holder !== leader && holder !== keep;
      });
      const next = c.leaseHolder() as string;
      c.heal();
      c.runFor(2_000);
      expect(c.configuration(leader)?.voters).toContain(removed);
      expect(c.configuration(leader)?.term).toBe(c.configuration(next)?.term);
    },
  );
});

describe('a change held by a majority, not yet by everyone', () => {
  it.each(SEEDS)('the leader crashes: the change is kept and reaches the rest (seed %i)', (seed) => {
    const c = SimCluster.create({ nodes: 5, seed });
    const leader = readyLeader(c);
    const [late, removed] = others(c, leader) as [string, string];
    c.cut(leader, late);
    const next = c.changeVoters(leader, { remove: removed });
    c.runUntil(() => c.machine(leader)?.configurationDone === true);
    c.crash(leader);
    c.heal();
    const successor = leaderOf(c);
    c.runFor(1_000);
    expect(c.configuration(successor)?.voters).toEqual(next.voters);
    expect(c.configuration(late)?.voters).toEqual(next.voters);
  });
});

describe("Ongaro's single-server change bug (2015) and the term rule", () => {
  /** The machine without rule R3: no re-stamp by a new leader, changes before its configuration is done. */
  class NoTermRuleMachine extends ElectionMachine {
    protected override get termRule(): boolean {
      return false;
    }
  }

  /**
   * Four voters. Leader L adds e, and the change reaches e only. The other three elect M, which removes L at
   * once. {L, X, Y, Z, e} and {X, Y, Z} are each one change from the base, two from each other: L, e and one
   * of X, Y would elect under the first while M and one of X, Y elect under the second.
   */
  function story(createMachine?: (init: ElectionMachineInit) => ElectionMachine, seed = 1) {
    const c = SimCluster.create({
      nodes: ['a', 'b', 'c', 'd'],
      joiners: 1,
      seed,
      throwOnViolation: false,
      ...(createMachine ? { createMachine } : {}),
    });
    const leader = readyLeader(c);
    c.addNode('e');
    c.runUntil(() => c.inspect(leader)?.lastContact.e != null);
    const rest = others(c, leader, 'e');
    c.partition([leader, 'e'], rest);
    c.changeVoters(leader, { add: 'e' });
    c.runUntil(() => rest.includes(c.leaseHolder() as string), { within: 5_000 });
    const next = c.leaseHolder() as string;
    let refused: unknown = null;
    try {
      c.changeVoters(next, { remove: leader });
    } catch (error) {
      refused = error;
    }
    c.runFor(3_000);
    return { c, refused };
  }

  it.each(SEEDS)(
    'with the rule, the new leader changes nothing before its re-stamped configuration is done (seed %i)',
    (seed) => {
      const { c, refused } = story(undefined, seed);
      expect(c.violations).toEqual([]);
      // Right after its election the change is refused (not done yet), or done safely a round later.
      if (refused !== null) expect((refused as MembershipChangeError).reason).toBe('not-done');
    },
  );

  it('without it (a deliberately broken machine), the invariants catch two configurations with disjoint majorities', () => {
    const { c, refused } = story((init) => new NoTermRuleMachine(init));
    expect(refused).toBe(null);
    expect(c.violations.map((v) => v.invariant)).toContain('configurations-overlap');
  });
});

describe('changes the rules refuse', () => {
  it('concurrent requests: one at a time, and a compare-and-swap on the version', () => {
    const c = SimCluster.create({ nodes: 5, seed: 1 });
    const leader = readyLeader(c);
    const [x, y] = others(c, leader) as [string, string];
    const version = c.configuration(leader)?.version as number;
    c.changeVoters(leader, { remove: x }, version);
    expect(() => c.changeVoters(leader, { remove: y })).toThrow(/in progress/);
    c.runUntil(() => c.machine(leader)?.configurationDone === true);
    expect(() => c.changeVoters(leader, { remove: y }, version)).toThrow(/expected configuration version/);
  });

  it('removing the leader: refused; after a transfer, the new leader removes it', () => {
    const c = SimCluster.create({ nodes: 5, seed: 2 });
    const leader = readyLeader(c);
    expect(() => c.changeVoters(leader, { remove: leader })).toThrow(MembershipChangeError);
    c.transferLeadership(leader);
    const next = readyLeader(c);
    expect(next).not.toBe(leader);
    c.changeVoters(next, { remove: leader });
    c.runFor(1_000);
    expect(c.role(leader)).toBe('observer');
  });
});

describe('a removed node that keeps campaigning', () => {
  it.each(SEEDS)('cut off from the leader while removed, it cannot disrupt the others (seed %i)', (seed) => {
    const c = SimCluster.create({ nodes: 5, seed });
    const leader = readyLeader(c);
    const [removed] = others(c, leader) as [string];
    c.cut(leader, removed);
    c.changeVoters(leader, { remove: removed });
    c.runUntil(() => c.machine(leader)?.configurationDone === true);
    const term = c.term(leader);
    c.runFor(5_000); // `removed` times out again and again; its pre-votes carry an older configuration
    expect(c.leaseHolder()).toBe(leader);
    expect(c.term(leader)).toBe(term);
    c.heal();
    c.runFor(1_000);
    expect(c.role(removed)).toBe('observer');
    expect(c.leaseHolder()).toBe(leader);
  });
});

describe('the autopilot', () => {
  it.each(SEEDS)(
    'a rolling replacement of all five voters by new identities, by graceful stops (seed %i)',
    (seed) => {
      const c = SimCluster.create({ nodes: 5, seed, joiners: 5, election: { autopilot: AUTOPILOT } });
      readyLeader(c);
      const old = [...c.voters];
      old.forEach((id, i) => {
        const fresh = `j${i + 1}`;
        c.addNode(fresh); // the new pod starts first (maxSurge)...
        c.runUntil(() => c.machine(fresh)?.configuration.version !== 0);
        c.leave(id); // ...then the old one is stopped
        c.runUntil(() => c.isGone(id) && voters(c).includes(fresh), { within: 10_000 });
      });
      c.runUntil(() => c.leaseHolder() !== null);
      expect(voters(c)).toEqual(['j1', 'j2', 'j3', 'j4', 'j5']);
    },
  );

  it.each(SEEDS)(
    'two voters killed at once are removed and replaced after deadVoterTimeout (seed %i)',
    (seed) => {
      const c = SimCluster.create({ nodes: 5, seed, joiners: 2, election: { autopilot: AUTOPILOT } });
      const leader = readyLeader(c);
      const [x, y] = others(c, leader) as [string, string];
      c.destroy(x);
      c.destroy(y);
      c.addNode('j1');
      c.addNode('j2');
      c.runUntil(
        () =>
          ['j1', 'j2'].every((id) => voters(c).includes(id)) &&
          !voters(c).includes(x) &&
          !voters(c).includes(y),
        {
          within: 10_000,
        },
      );
      expect(voters(c)).toHaveLength(5);
    },
  );

  it.each(SEEDS)(
    'a voter paused longer than deadVoterTimeout is removed; when it wakes it is an observer, then promoted again (seed %i)',
    (seed) => {
      const c = SimCluster.create({ nodes: 5, seed, election: { autopilot: AUTOPILOT } });
      const leader = readyLeader(c);
      const [paused] = others(c, leader) as [string];
      c.pause(paused, AUTOPILOT.deadVoterTimeout + 500);
      c.runUntil(() => !voters(c).includes(paused), { within: 5_000 });
      c.runUntil(() => voters(c).includes(paused), { within: 5_000 }); // back, steady, promoted again
      c.runUntil(() => c.role(paused) === 'follower', { within: 1_000 });
    },
  );

  it.each(SEEDS)(
    'a node restarting with a configuration several versions old catches up (seed %i)',
    (seed) => {
      const c = SimCluster.create({ nodes: 5, seed, joiners: 2 });
      const leader = readyLeader(c);
      const [down, x] = others(c, leader) as [string, string];
      c.crash(down);
      const steps: ({ add: string } | { remove: string })[] = [{ add: 'j1' }, { remove: x }, { add: 'j2' }];
      for (const step of steps) {
        if ('add' in step) {
          c.addNode(step.add);
          c.runUntil(() => c.inspect(leader)?.lastContact[step.add] != null);
        }
        c.changeVoters(leader, step);
        c.runUntil(() => c.machine(leader)?.configurationDone === true);
      }
      const latest = c.configuration(leader);
      c.restart(down);
      c.runFor(1_000);
      expect(c.configuration(down)).toEqual(latest);
      expect(c.leaseHolder()).toBe(leader);
    },
  );

  it.each(SEEDS)('promotes an observer while a voter is partitioned away (seed %i)', (seed) => {
    const c = SimCluster.create({
      nodes: 5,
      seed,
      joiners: 1,
      election: { autopilot: { ...AUTOPILOT, maxVoters: 7 } },
    });
    const leader = readyLeader(c);
    const [cut] = others(c, leader) as [string];
    c.isolate(cut);
    c.addNode('j1');
    c.runUntil(() => voters(c).includes('j1'), { within: 5_000 });
    c.heal();
    c.runFor(1_000);
    expect(c.configuration(cut)?.voters).toContain('j1');
  });

  it.each(SEEDS)('leases stay apart across changes with clocks drifting to the bound (seed %i)', (seed) => {
    const c = SimCluster.create({
      nodes: 5,
      seed,
      joiners: 3,
      network: { lossRate: 0.05, latency: { slowRate: 0.05 } },
      election: { autopilot: AUTOPILOT },
    });
    const leader = leaderOf(c);
    c.setClockRate(leader, 0.95);
    for (const id of others(c, leader)) c.setClockRate(id, 1.05);
    for (const fresh of ['j1', 'j2', 'j3']) {
      c.addNode(fresh);
      const old = voters(c).find((id) => id !== c.leaseHolder()) as string;
      c.runFor(1_000);
      if (!c.isCrashed(old) && !c.isPaused(old)) c.leave(old);
      c.runFor(3_000);
    }
    c.runUntil(() => c.leaseHolder() !== null);
    expect(c.violations).toEqual([]);
  });
});

/** The voters as the lease holder (or, without one, the newest configuration any node holds) sees them. */
function voters(c: SimCluster): string[] {
  const holder = c.leaseHolder();
  if (holder !== null) return [...(c.configuration(holder)?.voters ?? [])];
  let newest: readonly string[] = [];
  let best = [-1, -1];
  for (const id of c.ids) {
    const configuration = c.configuration(id);
    if (configuration === null) continue;
    if (
      configuration.term > best[0]! ||
      (configuration.term === best[0] && configuration.version > best[1]!)
    ) {
      best = [configuration.term, configuration.version];
      newest = configuration.voters;
    }
  }
  return [...newest];
}
