/**
 * A rolling update as Kubernetes does it, in one process with real timers and file stores: five runtimes
 * with fixed identities are replaced one by one by runtimes with new ids and empty data directories (the new
 * one starts, then the old one is stopped gracefully). The five new ids must end as the voters, with never
 * two valid leases at once, and a leader at every moment except right after a handover.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LeaderElection, type LeadershipLostError, type LeadershipLostReason } from '../../src/index.js';
import { MemoryNetwork } from '../../src/testing/index.js';

const AUTOPILOT = { stabilizationTime: 300, deadVoterTimeout: 30_000 };
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Resolves once `condition` holds, checked at every turn of the event loop (no fixed sleep). */
function until(condition: () => boolean, what: string, within = 15_000): Promise<void> {
  const deadline = performance.now() + within;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (condition()) resolve();
      else if (performance.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setImmediate(check);
    };
    check();
  });
}

describe('a rolling replacement of five voters (real timers, file stores)', () => {
  it('ends with the five new ids as voters; never two leases; leaderless only after a handover', async () => {
    const network = new MemoryNetwork({ latencyMs: 1 });
    const nodes = new Map<string, LeaderElection>();
    const overlaps: string[] = [];
    const gaps: { since: number; after: LeadershipLostReason | null }[] = [];
    let lastLost: LeadershipLostReason | null = null;
    let leaderless: number | null = null;

    const create = async (id: string, voters: string[]) => {
      const dataDir = await mkdtemp(join(tmpdir(), `baton-rolling-${id}-`));
      dirs.push(dataDir);
      const node = new LeaderElection({
        clusterId: 'rolling',
        voters,
        autopilot: AUTOPILOT,
        stopTimeout: 3_000,
        // Slower than the defaults, so that a busy CI machine (real timers, fsyncs) does not lapse a lease:
        // what is checked is where the leaderless stretches come from, not how short they are.
        electionTimeoutMin: 450,
        electionTimeoutMax: 900,
        heartbeatInterval: 100,
        transport: network.transport(id),
        dataDir,
      });
      // The signal aborts synchronously when leadership ends (the event comes later, outside the step).
      node.on('became-leader', ({ signal }) => {
        const note = () => {
          lastLost = (signal.reason as LeadershipLostError).reason;
        };
        if (signal.aborted) note();
        else signal.addEventListener('abort', note);
      });
      nodes.set(id, node);
      await node.start();
      return node;
    };
    // Every turn of the event loop: at most one lease, and how long the cluster goes without one.
    let watching = true;
    const watch = () => {
      if (!watching) return;
      const holders = [...nodes].filter(([, node]) => node.status === 'running' && node.isLeader());
      if (holders.length > 1) overlaps.push(holders.map(([id]) => id).join(' and '));
      if (holders.length === 0 && leaderless === null) {
        leaderless = performance.now();
        gaps.push({ since: leaderless, after: lastLost });
      } else if (holders.length > 0) leaderless = null;
      setImmediate(watch);
    };

    const old = ['a', 'b', 'c', 'd', 'e'];
    await Promise.all(old.map((id) => create(id, old)));
    await until(() => [...nodes.values()].some((node) => node.isLeader()), 'a first leader');
    gaps.length = 0;
    watch();
    for (const [i, id] of old.entries()) {
      const fresh = `n${i + 1}`;
      const next = await create(fresh, []); // a new pod: new identity, empty data directory, no voter list
      await until(
        () => next.membership().voters.includes(fresh) || next.membership().version > 0,
        `${fresh} to learn the voters`,
      );
      await nodes.get(id)?.stop(); // the old pod gets SIGTERM: hand over if leading, be replaced and removed
      nodes.delete(id);
      await until(() => next.membership().voters.includes(fresh), `${fresh} to become a voter`);
    }
    await until(() => [...nodes.values()].some((node) => node.isLeader()), 'a leader at the end');
    watching = false;
    const leader = [...nodes.values()].find((node) => node.isLeader()) as LeaderElection;
    expect(leader.membership().voters).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    expect(overlaps).toEqual([]);
    // Every stretch without a lease began when a leader gave its leadership away (stopping or handing over).
    for (const gap of gaps) expect(['stopped', 'transfer']).toContain(gap.after);
    await Promise.all([...nodes.values()].map((node) => node.stop()));
  }, 60_000);
});
