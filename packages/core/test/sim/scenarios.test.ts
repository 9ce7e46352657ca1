/**
 * Stories of a simulated cluster, in the manner of etcd's raft_test.go: build a network, cut it, crash and
 * pause nodes, and check what the election does, in virtual time. Every story runs under several seeds
 * (different timeouts, clocks and delays) and every step is checked against all invariants: a second lease,
 * a second leader in a term or a double vote throws at once.
 *
 * References: Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm (Extended Version)"
 * (the paper); Ongaro, "Consensus: Bridging Theory and Practice" (the thesis).
 */
import { describe, expect, it } from 'vitest';
import { ElectionMachine } from '../../src/machine/machine.js';
import { SimCluster } from '../../src/testing/index.js';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const MIN = 150;
const MAX = 300;
const DRIFT = 0.05;

function electLeader(c: SimCluster): string {
  c.runUntil(() => c.leaseHolder() !== null, { within: 5_000 });
  return c.leaseHolder() as string;
}

describe('cold start (paper §5.2)', () => {
  it.each(SEEDS)('elects exactly one leader, which then stays (seed %i)', (seed) => {
    const c = SimCluster.create({ nodes: 5, seed });
    const at = c.runUntil(() => c.leaseHolder() !== null);
    // The first timer fires within electionTimeoutMax on its clock; pre-vote, vote and the first acknowledged
    // heartbeat take a few message delays (a slow message is at most 45 ms).
    expect(at).toBeLessThan(MAX / (1 - DRIFT) + 4 * 45);
    const leader = c.leaseHolder() as string;
    const term = c.term(leader);
    c.runFor(10_000);
    expect(c.leaseHolder()).toBe(leader);
    expect(c.term(leader)).toBe(term);
    for (const id of c.ids) expect(c.leader(id)).toBe(leader);
    expect(c.stats().electionsWon).toBe(1);
  });
});

describe('leader crash (paper §5.2, figure 16)', () => {
  it.each(SEEDS)('a new leader with a higher term holds a lease within bounded time (seed %i)', (seed) => {
    const c = SimCluster.create({ nodes: 5, seed });
    const old = electLeader(c);
    c.runFor(1_000);
    const term = c.term(old);
    c.crash(old);
    const crashedAt = c.now;
    const at = c.runUntil(() => c.leaseHolder() !== null, { within: 5_000 });
    const next = c.leaseHolder() as string;
    expect(next).not.toBe(old);
    expect(c.term(next)).toBeGreaterThan(term);
    // A follower's timer fires at most electionTimeoutMax after the last heartbeat (on a clock up to 5 % slow);
    // then pre-vote, vote and one heartbeat round. The paper's worst case with 150-300 ms was 513 ms.
    expect(at - crashedAt).toBeLessThan(MAX / (1 - DRIFT) + 6 * 45);
    c.restart(old);
    c.runFor(2_000);
    expect(c.leaseHolder()).toBe(next); // the restarted node rejoins as a follower and does not disrupt
    expect(c.role(old)).toBe('follower');
  });
});

describe('leader isolated (thesis §6.2 check-quorum, §6.4.1 lease)', () => {
  it.each(SEEDS)(
    'steps down by its lease end while the majority elects, without overlap (seed %i)',
    (seed) => {
      const c = SimCluster.create({ nodes: 5, seed });
      const old = electLeader(c);
      c.runFor(500);
      const leaseEnd = c.leaseEnd(old) as number;
      expect(leaseEnd).toBeGreaterThan(c.now);
      c.isolate(old);
      const lostAt = c.runUntil(() => !c.hasLease(old));
      const steppedDownAt = c.runUntil(() => c.role(old) !== 'leader');
      expect(lostAt).toBeLessThanOrEqual(leaseEnd);
      expect(steppedDownAt).toBeLessThanOrEqual(leaseEnd + 1e-6);
      const electedAt = c.runUntil(() => c.leaseHolder() !== null, { within: 5_000 });
      expect(electedAt).toBeGreaterThanOrEqual(leaseEnd);
      expect(c.leaseHolder()).not.toBe(old);
      c.heal();
      c.runFor(1_000);
      expect(c.role(old)).toBe('follower');
      expect(c.leader(old)).toBe(c.leaseHolder());
    },
  );

  it.each(SEEDS)('keeps leases apart with clocks at opposite ends of the drift bound (seed %i)', (seed) => {
    const c = SimCluster.create({ nodes: 5, seed, network: { latency: { slowRate: 0, jitterMs: 0.1 } } });
    const old = electLeader(c);
    // The worst case of the lease argument: the leader's clock slow, every follower's fast.
    c.setClockRate(old, 1 - DRIFT);
    for (const id of c.voters) if (id !== old) c.setClockRate(id, 1 + DRIFT);
    c.runFor(1_000);
    const leaseEnd = c.leaseEnd(old) as number;
    c.isolate(old);
    const electedAt = c.runUntil(() => c.leaseHolder() !== null && c.leaseHolder() !== old, {
      within: 5_000,
    });
    expect(electedAt).toBeGreaterThanOrEqual(leaseEnd);
  });
});

describe('partial partition (Cloudflare 2020-11-02; thesis §9.6 pre-vote with §6.2 check-quorum)', () => {
  it.each(SEEDS)('a follower cut from the leader only cannot make leadership flap (seed %i)', (seed) => {
    const c = SimCluster.create({ nodes: 5, seed });
    const leader = electLeader(c);
    const term = c.term(leader);
    const cutOff = c.voters.find((id) => id !== leader) as string;
    c.cut(leader, cutOff); // both still reach the three others
    c.runFor(10_000);
    expect(c.leaseHolder()).toBe(leader);
    expect(c.term(leader)).toBe(term);
    expect(c.term(cutOff)).toBe(term); // its pre-votes fail: it never inflates its term
  });

  it.each(SEEDS)(
    'a leader that reaches only a bare majority keeps it; a leader emerges and stays (seed %i)',
    (seed) => {
      const c = SimCluster.create({ nodes: 5, seed });
      const leader = electLeader(c);
      const [a, b] = c.voters.filter((id) => id !== leader) as [string, string];
      c.cut(leader, a);
      c.cut(leader, b); // leader reaches two followers; a and b reach each other and those two
      c.runFor(5_000);
      const settled = c.leaseHolder();
      const wonBefore = c.stats().electionsWon;
      c.runFor(10_000);
      expect(settled).not.toBeNull();
      expect(c.leaseHolder()).toBe(settled);
      expect(c.stats().electionsWon).toBe(wonBefore); // no flapping once settled
    },
  );
});

describe('node returning from a partition (thesis §9.6 pre-vote)', () => {
  it.each(SEEDS)('does not depose a healthy leader (seed %i)', (seed) => {
    const c = SimCluster.create({ nodes: 5, seed });
    const leader = electLeader(c);
    const term = c.term(leader);
    const wanderer = c.voters.find((id) => id !== leader) as string;
    // The votes start the lease: wait until the wanderer has heard from the leader before cutting it off.
    c.runUntil(() => c.leader(wanderer) === leader, { within: 1_000 });
    c.isolate(wanderer);
    c.runFor(5_000);
    expect(c.term(wanderer)).toBe(term); // without pre-vote it would have campaigned again and again
    c.heal();
    c.runFor(2_000);
    expect(c.leaseHolder()).toBe(leader);
    expect(c.term(leader)).toBe(term);
    expect(c.leader(wanderer)).toBe(leader);
  });
});

describe('paused leader (Kleppmann 2016; thesis §6.4.1)', () => {
  it.each(SEEDS)('resumes without a valid lease and never overlaps its successor (seed %i)', (seed) => {
    const c = SimCluster.create({ nodes: 5, seed });
    const old = electLeader(c);
    c.runFor(500);
    const leaseEnd = c.leaseEnd(old) as number;
    c.pause(old); // a GC pause: the clock runs, nothing is processed
    const electedAt = c.runUntil(() => c.leaseHolder() !== null && c.leaseHolder() !== old, {
      within: 5_000,
    });
    expect(electedAt).toBeGreaterThanOrEqual(leaseEnd);
    expect(c.role(old)).toBe('leader'); // it does not know yet...
    expect(c.hasLease(old)).toBe(false); // ...but asked with its clock, it does not lead
    c.runFor(1_000);
    c.resume(old);
    expect(c.hasLease(old)).toBe(false);
    c.runFor(500);
    expect(c.role(old)).toBe('follower');
    expect(c.term(old)).toBe(c.term(c.leaseHolder() as string));
  });

  it.each(SEEDS)('a pause shorter than the lease margin keeps the leader (seed %i)', (seed) => {
    const c = SimCluster.create({ nodes: 5, seed, network: { latency: { slowRate: 0 } } });
    const leader = electLeader(c);
    c.runFor(500);
    const term = c.term(leader);
    c.pause(leader, 20);
    c.runFor(1_000);
    expect(c.leaseHolder()).toBe(leader);
    expect(c.term(leader)).toBe(term);
  });
});

describe('restart from persisted state (paper §5.2, figure 2 "persistent state")', () => {
  it.each(SEEDS)('a voter that crashes right after voting remembers its vote (seed %i)', (seed) => {
    const c = SimCluster.create({ nodes: 5, seed });
    const voter = (): string | undefined =>
      c.voters.find((id) => {
        const disk = c.persisted(id);
        return disk !== null && disk.votedFor !== null && disk.votedFor !== id;
      });
    c.runUntil(() => voter() !== undefined);
    const id = voter() as string;
    const before = c.persisted(id);
    c.crash(id);
    c.restart(id);
    expect(c.machine(id)?.term).toBe(before?.term);
    expect(c.machine(id)?.votedFor).toBe(before?.votedFor);
    c.runFor(3_000); // the checker throws if it ever grants a second vote in that term
    expect(c.leaseHolder()).not.toBeNull();
  });

  it.each(SEEDS)('crash-restarting every node over and over never yields a double vote (seed %i)', (seed) => {
    const c = SimCluster.create({ nodes: 3, seed });
    for (let round = 0; round < 40; round++) {
      const id = c.voters[round % 3] as string;
      c.crash(id);
      c.runFor(1 + ((round * 37) % 120));
      c.restart(id);
      c.runFor(1 + ((round * 53) % 200));
    }
    c.runFor(3_000);
    expect(c.leaseHolder()).not.toBeNull();
  });
});

describe('leadership transfer (thesis §3.10)', () => {
  it.each(SEEDS)('completes within one election timeout, the old lease given up first (seed %i)', (seed) => {
    const c = SimCluster.create({ nodes: 5, seed });
    const old = electLeader(c);
    c.runFor(500);
    const target = c.voters.find((id) => id !== old) as string;
    const oldTerm = c.term(old);
    expect(c.transferLeadership(old, target)).toBe(target);
    const started = c.now;
    expect(c.hasLease(old)).toBe(false);
    const at = c.runUntil(() => c.leaseHolder() === target, { within: 2_000 });
    // Vote and heartbeat round trips only: no timeout to wait for.
    expect(at - started).toBeLessThan(MIN);
    expect(c.term(target)).toBe(oldTerm + 1); // one campaign, no split vote
  });

  it.each(SEEDS)(
    'a transfer to an unreachable target ends with the old leader campaigning again (seed %i)',
    (seed) => {
      const c = SimCluster.create({ nodes: 3, seed });
      const old = electLeader(c);
      c.runFor(500);
      const target = c.voters.find((id) => id !== old) as string;
      c.cutOneWay(old, target); // the timeout-now never arrives
      c.transferLeadership(old, target);
      c.runUntil(() => c.leaseHolder() !== null, { within: 3_000 });
      c.heal();
      c.runFor(1_000);
      expect(c.leaseHolder()).not.toBeNull();
    },
  );
});

describe('split vote (paper §5.2; flaw 6 of the ergo leader package in docs/design.md)', () => {
  it.each(SEEDS)('a failed election re-arms the timer and the next one resolves (seed %i)', (seed) => {
    // Every node draws the same first two timeouts, the clocks are exact and every message takes exactly
    // 1 ms: all five pre-vote at the same instant, grant each other, become candidates of term 1 together and
    // each votes for itself. After that the seeded randomness takes over.
    const c = SimCluster.create({
      nodes: 5,
      seed,
      clockDriftBound: 0,
      network: { latency: { baseMs: 1, jitterMs: 0, slowRate: 0 } },
      createMachine: (init) => {
        let draws = 0;
        return new ElectionMachine({ ...init, random: () => (draws++ < 2 ? 0 : init.random()) });
      },
    });
    c.runUntil(() => c.leaseHolder() !== null, { within: 5_000 });
    expect(c.stats().splitVotes).toBeGreaterThanOrEqual(1);
    expect(c.stats().electionsStarted).toBeGreaterThanOrEqual(6); // five in term 1, then the winner's
    expect(c.checker.leadersByTerm.has(1)).toBe(false);
    expect(c.term(c.leaseHolder() as string)).toBeGreaterThanOrEqual(2);
  });
});

describe('observers (ergo leader flaw 1 in docs/design.md: quorum from the voter set only)', () => {
  it.each(SEEDS)('learn the leader, follow it across a failover, and never campaign (seed %i)', (seed) => {
    const c = SimCluster.create({ nodes: 3, observers: 2, seed });
    const first = electLeader(c);
    c.runFor(300);
    for (const id of c.observers) {
      expect(c.role(id)).toBe('observer');
      expect(c.leader(id)).toBe(first);
    }
    c.crash(first);
    c.runUntil(() => c.leaseHolder() !== null);
    const second = c.leaseHolder() as string;
    c.runFor(300);
    for (const id of c.observers) {
      expect(c.leader(id)).toBe(second);
      expect(c.inspect(id)?.counters.electionsStarted).toBe(0);
    }
  });

  it('two voters down out of three: the observers do not make up a quorum', () => {
    const c = SimCluster.create({ nodes: 3, observers: 4, seed: 1 });
    const leader = electLeader(c);
    const term = c.term(leader);
    for (const id of c.voters) if (id !== leader) c.crash(id);
    c.runFor(5_000);
    expect(c.leaseHolder()).toBeNull(); // its lease lapsed: observers' acknowledgements do not count
    expect(c.role(leader)).not.toBe('leader');
    expect(c.term(leader)).toBe(term); // and its pre-votes fail, so it does not inflate its term
    for (const id of c.observers) expect(c.role(id)).toBe('observer');
  });
});
