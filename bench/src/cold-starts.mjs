// Cold starts of a real cluster: K node processes (cluster-node.mjs) spawned together on fresh data
// directories (nothing persisted: a cluster forming for the first time), default timings. Per start:
// - each process's time to `loaded` (its imports ran) and to `ready` (store open, transport listening,
//   election started), from its spawn;
// - the last node ready → the first lease (negative when a majority elected a leader before the last node
//   was ready), the figure issue 13 bounds by electionTimeoutMax + 150 ms;
// - how many terms were campaigned in (vote requests sent) until the first lease, and how many pre-vote
//   rounds went out: more than one term means a split vote or a failed campaign.
// Every timestamp is CLOCK_MONOTONIC, shared by every process on the machine (see cluster-bench.mjs).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from './cluster-bench.mjs';

/**
 * @typedef {{ readyMs: number[], loadedMs: number[], spawnToLeaseMs: number, lastReadyToLeaseMs: number,
 *   terms: number, preVoteRounds: number, connectedBeforeLease: number }} ColdStart
 */

/**
 * Runs `starts` cold starts of a `nodes`-process cluster, one after the other.
 * @param {{ nodes?: number, starts?: number, keep?: boolean, log?: (line: string) => void }} [options]
 * @returns {Promise<{ starts: ColdStart[], failures: string[] }>}
 */
export async function runColdStarts(options = {}) {
  const nodes = options.nodes ?? 5;
  const count = options.starts ?? 20;
  // keep: leave every start's directory (the nodes' lines in events.jsonl, their logs) for a post-mortem.
  const log = options.log ?? ((line) => console.error(line));
  /** @type {ColdStart[]} */
  const starts = [];
  const failures = [];
  for (let i = 0; i < count; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'baton-cold-'));
    const cluster = new Cluster({ nodes, dir, log });
    let keep = false;
    try {
      await cluster.prepare();
      for (let n = 0; n < nodes; n++) cluster.spawn(n);
      const first = await cluster.waitFor(() => cluster.intervals[0], 30_000, 'the first leader');
      await cluster.waitFor(() => cluster.nodes.every((n) => n.proc.ready), 30_000, 'every node to start');
      starts.push(coldStart(cluster, first));
    } catch (error) {
      keep = true;
      failures.push(`cold start ${i + 1}: ${error.message}\n${cluster.describeFailure()}`);
    } finally {
      await cluster.kill().catch(() => undefined);
      cluster.events.end();
      if (keep || options.keep) log(`kept the nodes' lines and logs of cold start ${i + 1}: ${dir}`);
      if (!(keep || options.keep)) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }
  return { starts, failures };
}

/** The figures of one cold start, once a node holds the first lease and every node is ready. */
function coldStart(cluster, first) {
  const procs = cluster.nodes.map((n) => n.proc);
  const lastReady = Math.max(...procs.map((p) => p.readyAt));
  const terms = new Set();
  let preVoteRounds = 0;
  for (const p of procs) {
    for (const [term, at] of p.campaigns) if (at <= first.start) terms.add(term);
    preVoteRounds += p.preVotes.filter((at) => at <= first.start).length;
  }
  return {
    readyMs: procs.map((p) => p.readyAt - p.spawnedAt),
    loadedMs: procs.map((p) => p.loadedAt - p.spawnedAt),
    spawnToLeaseMs: first.start - Math.min(...procs.map((p) => p.spawnedAt)),
    lastReadyToLeaseMs: first.start - lastReady,
    terms: terms.size,
    preVoteRounds,
    // Peers each process saw connect before the first lease, summed (all connected: nodes × (nodes - 1)).
    connectedBeforeLease: procs.reduce(
      (sum, p) => sum + p.peersAt.filter((at) => at <= first.start).length,
      0,
    ),
  };
}
