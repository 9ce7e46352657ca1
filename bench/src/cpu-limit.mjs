// Stability under a CPU limit: a cluster of K processes, each in a cgroup of its own with a CPU quota (CFS
// bandwidth control, as Kubernetes applies `resources.limits.cpu`), idle for a while; counts the leadership
// changes and why each leadership ended, and how often the kernel throttled the processes.
//
// Cells: every limit × every timing profile. The profiles of one limit run side by side (two clusters at once,
// each process in its own cgroup), so that they see the same load on the machine; the limits run one after the
// other. Needs root and the cgroup v1 `cpu` controller (BENCH_CGROUP_CPU, default /sys/fs/cgroup/cpu); without
// them the section is skipped and says why. Every cgroup made here is removed afterwards, also on failure.
//
// A cgroup gets `cpu.cfs_period_us` = 100000 and `cpu.cfs_quota_us` = millicores × 100: a process may use that
// much CPU time (all its threads together) per 100 ms period, and is stopped until the period ends once it has.
// A limit of 0 means none (quota -1): a control, to tell the quota's effect from the machine's own load.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSTRAINED_TIMINGS, resolveElectionOptions } from '@baton/core';
import { Cluster, nowMs } from './cluster-bench.mjs';
import { round, sleep } from './stats.mjs';

const CGROUP_CPU = process.env.BENCH_CGROUP_CPU ?? '/sys/fs/cgroup/cpu';
const PERIOD_US = 100_000;

/** The timing profiles compared by default: the defaults, and the one `@baton/core` documents for constrained pods. */
export const PROFILES = { default: {}, constrained: CONSTRAINED_TIMINGS };

/**
 * A profile by name (`default`, `constrained`) or as `min-max/heartbeat` in ms (`1200-2400/200`).
 * @param {string} spec
 * @returns {[string, Record<string, number>]}
 */
export function parseProfile(spec) {
  if (Object.hasOwn(PROFILES, spec)) return [spec, PROFILES[spec]];
  const match = /^(\d+)-(\d+)\/(\d+)$/.exec(spec);
  if (!match)
    throw new Error(
      `timings ${JSON.stringify(spec)}: expected default, constrained or min-max/heartbeat (ms)`,
    );
  const [electionTimeoutMin, electionTimeoutMax, heartbeatInterval] = match.slice(1).map(Number);
  const timings = { electionTimeoutMin, electionTimeoutMax, heartbeatInterval };
  resolveElectionOptions({ clusterId: 'bench', ...timings }); // throws naming a bad option
  return [spec, timings];
}

/** Every cgroup made and not removed yet: removed when this process exits, whatever the way. */
const made = new Set();
process.on('exit', () => {
  // The cluster machinery has SIGKILLed the node groups (its exit handler was registered first); a killed
  // process leaves its cgroup a moment later, so retry briefly.
  const deadline = Date.now() + 2_000;
  for (const path of made) {
    for (;;) {
      try {
        rmdirSync(path);
        break;
      } catch (error) {
        if (error.code === 'ENOENT' || Date.now() > deadline) break;
      }
    }
  }
});

/**
 * Why cgroups cannot be used here, or null when they can.
 * @returns {string | null}
 */
export function cgroupUnavailable() {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root: making a cgroup needs root';
  if (!existsSync(join(CGROUP_CPU, 'cpu.cfs_quota_us')))
    return `no cgroup v1 cpu controller at ${CGROUP_CPU} (cpu.cfs_quota_us missing; set BENCH_CGROUP_CPU)`;
  const probe = join(CGROUP_CPU, `baton-bench-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
  } catch (error) {
    return `cannot make a cgroup in ${CGROUP_CPU}: ${error.message}`;
  }
  return null;
}

/** A cgroup with a CPU quota of `millicores`; `add(pid)` moves a process (all its threads) into it. */
function makeCgroup(name, millicores) {
  const path = join(CGROUP_CPU, name);
  mkdirSync(path);
  made.add(path);
  writeFileSync(join(path, 'cpu.cfs_period_us'), String(PERIOD_US));
  writeFileSync(
    join(path, 'cpu.cfs_quota_us'),
    String(millicores === 0 ? -1 : (millicores * PERIOD_US) / 1000),
  );
  return {
    path,
    add: (pid) => writeFileSync(join(path, 'cgroup.procs'), String(pid)),
    /** @returns {{ nr_periods: number, nr_throttled: number, throttled_time: number }} (time in ns) */
    stat: () =>
      Object.fromEntries(
        readFileSync(join(path, 'cpu.stat'), 'utf8')
          .trim()
          .split('\n')
          .map((line) => line.split(' '))
          .map(([key, value]) => [key, Number(value)]),
      ),
  };
}

/** Removes a cgroup once its processes have left it (they leave a moment after they die). */
async function removeCgroup(path) {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      rmdirSync(path);
      made.delete(path);
      return;
    } catch (error) {
      if (error.code === 'ENOENT') {
        made.delete(path);
        return;
      }
      await sleep(50);
    }
  }
  throw new Error(`could not remove the cgroup ${path}`);
}

/**
 * Runs one cell: `nodes` processes, each in its own cgroup of `millicores`, with `timings`; waits for a stable
 * leader, then idles for `idleMs` and counts.
 * @param {{ millicores: number, profile: string, timings: Record<string, number>, nodes: number,
 *   idleMs: number, groups: number, log: (line: string) => void }} cell
 */
async function runCell({ millicores, profile, timings, nodes, idleMs, groups, log }) {
  const name = `${millicores === 0 ? 'no limit' : `${millicores}m`} ${profile}`;
  const dir = await mkdtemp(join(tmpdir(), 'baton-cpu-limit-'));
  const cgroups = Array.from({ length: nodes }, (_, i) =>
    makeCgroup(
      `baton-bench-${process.pid}-${millicores}m-${profile.replace(/[^a-z0-9-]/gi, '_')}-${i + 1}`,
      millicores,
    ),
  );
  const cluster = new Cluster({
    nodes,
    dir,
    log: (line) => log(`${name}: ${line}`),
    timings,
    onSpawn: (index, pid) => cgroups[index].add(pid),
  });
  // Election groups g1 ... gN on every node (`groups`): every change of a group's leader, and every end of a
  // group's leadership with its reason (a transfer of placement's, or a lapse), with their times.
  const groupChanges = [];
  const groupLosses = [];
  const onLine = cluster.onLine.bind(cluster);
  cluster.onLine = (node, proc, text) => {
    if (text.includes('"group-leader"')) groupChanges.push(nowMs());
    else if (text.includes('"group-lost"'))
      groupLosses.push({ at: nowMs(), reason: JSON.parse(text).reason });
    onLine(node, proc, text);
  };
  let keep = false;
  try {
    await cluster.prepare();
    if (groups > 0) for (const node of cluster.nodes) Object.assign(node.config, { groups });
    for (let i = 0; i < nodes; i++) cluster.spawn(i);
    // Start-up (importing libp2p) takes seconds of CPU time, here at a fraction of a core.
    await cluster.waitFor(
      () => cluster.running().every((n) => n.proc.ready),
      120_000,
      `${name}: every node ready`,
    );
    // A stable leader (every node follows it for 300 ms) to start from; a cluster that cannot settle in a
    // minute is measured anyway: its changes are the finding.
    const stableAtStart = await cluster.stable(60_000).then(
      () => true,
      () => {
        log(`${name}: no stable leader within 60 s; measuring anyway`);
        return false;
      },
    );
    const statsBefore = await cluster.stats();
    const cpuBefore = cgroups.map((g) => g.stat());
    const start = nowMs();
    const load = loadavg()[0];
    await sleep(idleMs);
    const end = nowMs();
    const cpuAfter = cgroups.map((g) => g.stat());
    const statsAfter = await cluster.stats().catch(() => new Map());
    const changes = cluster.intervals.filter((i) => i.start >= start && i.start <= end);
    const ended = cluster.intervals.filter((i) => i.end !== null && i.end >= start && i.end <= end);
    /** @type {Record<string, number>} */
    const endedBy = {};
    for (const i of ended) endedBy[i.endedBy ?? 'unknown'] = (endedBy[i.endedBy ?? 'unknown'] ?? 0) + 1;
    const throttled = cgroups.map((_, k) => cpuAfter[k].nr_throttled - cpuBefore[k].nr_throttled);
    const periods = cgroups.map((_, k) => cpuAfter[k].nr_periods - cpuBefore[k].nr_periods);
    const throttledMs = cgroups.map(
      (_, k) => (cpuAfter[k].throttled_time - cpuBefore[k].throttled_time) / 1e6,
    );
    const stalls = [...statsAfter.keys()].map(
      (k) => (statsAfter.get(k)?.election?.stalls ?? 0) - (statsBefore.get(k)?.election?.stalls ?? 0),
    );
    const cpuPct = [...statsAfter.keys()].map((k) => {
      const a = statsBefore.get(k);
      const b = statsAfter.get(k);
      if (!a || !b) return null;
      return round(
        (100 * (b.cpu.user + b.cpu.system - a.cpu.user - a.cpu.system)) / ((b.at - a.at) * 1000),
        2,
      );
    });
    const timing = cluster.timing;
    const row = {
      millicores,
      timings: profile,
      election_timeout_min: timing.electionTimeoutMin,
      election_timeout_max: timing.electionTimeoutMax,
      heartbeat_interval: timing.heartbeatInterval,
      lease_ms: round(timing.leaseDuration, 1),
      max_event_loop_stall_ms: round(Math.max(10, timing.leaseDuration - timing.heartbeatInterval), 1),
      idle_ms: round(end - start),
      stable_at_start: stableAtStart,
      leadership_changes: changes.length,
      groups,
      group_leadership_changes: groupChanges.filter((at) => at >= start && at <= end).length,
      group_lease_losses_by_reason: countReasons(
        groupLosses.filter(({ at }) => at >= start && at <= end).map(({ reason }) => reason),
      ),
      lease_losses: ended.length,
      lease_losses_by_reason: endedBy,
      event_loop_stalls: stalls.reduce((a, b) => a + b, 0),
      nr_periods: periods.reduce((a, b) => a + b, 0),
      nr_throttled: throttled.reduce((a, b) => a + b, 0),
      nr_throttled_by_node: throttled,
      throttled_ms: round(throttledMs.reduce((a, b) => a + b, 0)),
      cpu_pct_by_node: cpuPct,
      loadavg_1m_start: round(load, 2),
      loadavg_1m_end: round(loadavg()[0], 2),
    };
    keep = changes.length > 0;
    log(
      `${name}: ${row.leadership_changes} leadership changes${groups > 0 ? ` (and ${row.group_leadership_changes} of its ${groups} groups, ended by ${JSON.stringify(row.group_lease_losses_by_reason)})` : ''}, ${row.lease_losses} lease losses ${JSON.stringify(endedBy)}, nr_throttled ${row.nr_throttled} in ${(row.idle_ms / 1000).toFixed(1)} s`,
    );
    return row;
  } catch (error) {
    keep = true;
    throw new Error(`${name}: ${error.message}\n${cluster.describeFailure()}`, { cause: error });
  } finally {
    await cluster.shutdown();
    cluster.events.end();
    for (const g of cgroups) await removeCgroup(g.path).catch((error) => log(error.message));
    if (keep) log(`${name}: kept the nodes' lines and logs for a post-mortem: ${dir}`);
    else await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** How many times each reason occurs. */
function countReasons(reasons) {
  /** @type {Record<string, number>} */
  const counts = {};
  for (const reason of reasons) counts[reason ?? 'unknown'] = (counts[reason ?? 'unknown'] ?? 0) + 1;
  return counts;
}

/**
 * Runs every cell. Returns `{ skipped }` with the reason when cgroups cannot be used here.
 * @param {{ nodes?: number, idleMs?: number, limits?: number[], profiles?: string[], groups?: number,
 *   log?: (line: string) => void }} [options]
 *   `groups`: every node also asks for election groups g1 ... gN (default 0); each cell counts their leader
 *   changes too.
 *   `limits`: millicores, 0 for none (default 250 and 100). `profiles`: see {@link parseProfile} (default
 *   `default` and `constrained`), run side by side.
 */
export async function runCpuLimitBench(options = {}) {
  const nodes = options.nodes ?? 5;
  const idleMs = options.idleMs ?? 600_000;
  const limits = options.limits ?? [250, 100];
  const profiles = Object.fromEntries((options.profiles ?? Object.keys(PROFILES)).map(parseProfile));
  const log = options.log ?? ((line) => console.error(line));
  const groups = options.groups ?? 0;
  const skipped = cgroupUnavailable();
  if (skipped) return { skipped, nodes, idle_ms: idleMs, cells: [], failures: [] };
  const cells = [];
  const failures = [];
  for (const millicores of limits) {
    log(
      `${millicores === 0 ? 'no limit' : `${millicores} millicores`}: ${Object.keys(profiles).join(' and ')} timings side by side, ${idleMs / 1000} s idle`,
    );
    const results = await Promise.allSettled(
      Object.entries(profiles).map(([profile, timings]) =>
        runCell({ millicores, profile, timings, nodes, idleMs, groups, log }),
      ),
    );
    for (const result of results) {
      if (result.status === 'fulfilled') cells.push(result.value);
      else failures.push(result.reason.message);
    }
  }
  return {
    skipped: null,
    nodes,
    idle_ms: idleMs,
    period_ms: PERIOD_US / 1000,
    profiles: Object.fromEntries(
      Object.entries(profiles).map(([name, timings]) => {
        const o = resolveElectionOptions({ clusterId: 'bench', ...timings }).options;
        return [
          name,
          {
            electionTimeoutMin: o.electionTimeoutMin,
            electionTimeoutMax: o.electionTimeoutMax,
            heartbeatInterval: o.heartbeatInterval,
          },
        ];
      }),
    ),
    cells,
    failures,
  };
}
