// Election groups on a real cluster (issue 15): five node processes over libp2p at the default timings, each
// asking for election groups g1 ... gN (cluster-node.mjs with `groups: N`). Prints, and returns as JSON:
//   - idle: for each group count, the idle CPU and RSS of every process once the groups' leaders have spread
//     (no group changed leader for `settleMs`), the busiest process's CPU, and its ratio to one group;
//   - failover: at `failoverGroups` groups, `trials` times, SIGKILL of the process that leads the most groups,
//     then for each group it led, the time from the kill to that group's next leader (percentiles over every
//     (trial, group) sample); the process restarts on its data directory and the groups spread again;
//   - spread: `spreadTrials` times, 4 voters hold `failoverGroups` groups; a 5th process joins with an empty
//     data directory (the autopilot promotes it after stabilizationTime); the time from its `ready` until
//     every voter leads its share (within one of the others).
// Usage: node src/groups.mjs [--groups 1,10,100] [--idle-ms 30000] [--trials 30] [--spread-trials 5] [--json f]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from './cluster-bench.mjs';
import { numberArg, percentile, round, sleep } from './stats.mjs';

const monoMs = (mono) => Number(BigInt(mono)) / 1e6;
const hereMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Follows every process's group lines: who leads which group now, and every change with its time. */
function trackGroups(cluster) {
  const leaders = new Map(); // group -> node index
  const changes = []; // { group, node, at }
  const onLine = cluster.onLine.bind(cluster);
  cluster.onLine = (node, proc, text) => {
    if (text.includes('"group-')) {
      const line = JSON.parse(text);
      if (line.ev === 'group-leader') {
        leaders.set(line.group, node.index);
        changes.push({ group: line.group, node: node.index, at: monoMs(line.mono) });
      } else if (line.ev === 'group-lost' && leaders.get(line.group) === node.index) {
        leaders.delete(line.group);
      }
    }
    onLine(node, proc, text);
  };
  // A killed process leads nothing any more (its lines stop with it).
  const forget = (index) => {
    for (const [group, holder] of leaders) if (holder === index) leaders.delete(group);
  };
  return { leaders, changes, forget };
}

/** Groups led per running node index. */
function loads(cluster, tracked) {
  const counts = new Map(cluster.running().map((n) => [n.index, 0]));
  for (const holder of tracked.leaders.values()) counts.set(holder, (counts.get(holder) ?? 0) + 1);
  return counts;
}

/** Every group led, and the loads within one of each other, and no change for `settleMs`. */
async function spreadOut(cluster, tracked, groups, settleMs, timeoutMs, voters = cluster.size) {
  const deadline = hereMs() + timeoutMs;
  for (;;) {
    await cluster.waitFor(
      () => {
        if (tracked.leaders.size !== groups) return false;
        const counts = [...loads(cluster, tracked).values()].slice(0, voters);
        return Math.max(...counts) - Math.min(...counts) <= 1;
      },
      Math.max(1, deadline - hereMs()),
      `${groups} groups spread over the voters`,
    );
    const seen = tracked.changes.length;
    await sleep(settleMs);
    if (tracked.changes.length === seen) return;
  }
}

async function withCluster(options, body) {
  const dir = await mkdtemp(join(tmpdir(), 'baton-groups-'));
  const cluster = new Cluster({ nodes: options.nodes ?? 5, dir, log: options.log });
  let keep = false;
  try {
    await cluster.prepare();
    for (const node of cluster.nodes) Object.assign(node.config, options.config(node));
    return await body(cluster);
  } catch (error) {
    keep = true;
    throw error;
  } finally {
    await cluster.kill().catch(() => undefined);
    cluster.events.end();
    if (keep) options.log(`groups: kept the nodes' lines for a post-mortem: ${dir}`);
    else await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function idleRow(groups, idleMs, settleMs, log) {
  return withCluster({ log, config: () => ({ groups }) }, async (cluster) => {
    const tracked = trackGroups(cluster);
    for (let i = 0; i < cluster.size; i++) cluster.spawn(i);
    await cluster.waitFor(() => cluster.running().every((n) => n.proc.ready), 60_000, 'every node to start');
    cluster.sendAll('trace off');
    await cluster.stable();
    const settled = await spreadOut(cluster, tracked, groups, settleMs, 60_000).then(
      () => true,
      (error) => {
        log(`groups: ${groups} groups did not settle (${error.message}); measuring anyway`);
        return false;
      },
    );
    const before = await cluster.stats();
    const changes = tracked.changes.length;
    await sleep(idleMs);
    const after = await cluster.stats();
    const leader = cluster.stableLeader();
    const rows = [...after.keys()].map((index) => {
      const a = before.get(index);
      const b = after.get(index);
      const cpuUs = b.cpu.user + b.cpu.system - (a.cpu.user + a.cpu.system);
      return {
        node: index + 1,
        default_leader: leader?.index === index,
        groups_led: loads(cluster, tracked).get(index) ?? 0,
        cpu_pct: round((100 * cpuUs) / (idleMs * 1000), 2),
        rss_mb: round(b.rss / 2 ** 20),
        frames_sent_per_s: round(
          ((b.transport?.framesSent ?? 0) - (a.transport?.framesSent ?? 0)) / (idleMs / 1000),
        ),
        messages_sent_per_s: round((b.messages.sent - a.messages.sent) / (idleMs / 1000)),
      };
    });
    const busiest = rows.reduce((x, y) => (y.cpu_pct > x.cpu_pct ? y : x));
    const row = {
      groups,
      busiest_cpu_pct: busiest.cpu_pct,
      busiest_node: busiest.node,
      settled_before_idle: settled,
      group_changes_while_idle: tracked.changes.length - changes,
      load: loadavg().map((x) => round(x, 2)),
      nodes: rows,
    };
    log(
      `groups: ${groups} group(s), idle ${idleMs / 1000} s: busiest ${busiest.cpu_pct} % (node ${busiest.node}, leads ${busiest.groups_led}), ` +
        `per node ${rows.map((r) => `${r.cpu_pct}%/${r.groups_led}g/${r.frames_sent_per_s}fr/s`).join(' ')}, load ${row.load.join(' ')}`,
    );
    return row;
  });
}

async function failover(groups, trials, settleMs, log) {
  return withCluster({ log, config: () => ({ groups }) }, async (cluster) => {
    const tracked = trackGroups(cluster);
    for (let i = 0; i < cluster.size; i++) cluster.spawn(i);
    await cluster.waitFor(() => cluster.running().every((n) => n.proc.ready), 60_000, 'every node to start');
    cluster.sendAll('trace off');
    const samples = [];
    for (let trial = 0; trial < trials; trial++) {
      await spreadOut(cluster, tracked, groups, settleMs, 120_000);
      const counts = loads(cluster, tracked);
      const victim = [...counts.entries()].reduce((x, y) => (y[1] > x[1] ? y : x))[0];
      const led = [...tracked.leaders].filter(([, holder]) => holder === victim).map(([group]) => group);
      const killedAt = hereMs();
      process.kill(-cluster.nodes[victim].proc.pid, 'SIGKILL');
      tracked.forget(victim);
      const next = (group) =>
        tracked.changes.find((c) => c.group === group && c.node !== victim && c.at > killedAt);
      await cluster.waitFor(() => led.every((group) => next(group)), 20_000, 'a new leader of every group');
      const times = led.map((group) => next(group).at - killedAt);
      samples.push(...times);
      log(
        `groups: failover trial ${trial + 1}: killed node ${victim + 1} leading ${led.length} groups; ` +
          `new leaders after ${times.map((t) => round(t)).join(', ')} ms`,
      );
      await cluster.restart(victim);
    }
    return {
      groups,
      n: samples.length,
      p50: round(percentile(samples, 0.5)),
      p99: round(percentile(samples, 0.99)),
      max: round(percentile(samples, 1)),
    };
  });
}

async function spreadAfterJoin(groups, trials, settleMs, log) {
  const samples = [];
  for (let trial = 0; trial < trials; trial++) {
    const result = await withCluster(
      {
        log,
        // Four voters; the fifth starts with no voter list and an empty directory: it joins as an observer.
        config: (node) => ({ groups, membership: true, voters: node.index < 4 ? undefined : [] }),
      },
      async (cluster) => {
        const voters = cluster.nodes.slice(0, 4).map((n) => n.id);
        for (const node of cluster.nodes.slice(0, 4)) node.config.voters = voters;
        cluster.size = 4; // stable() and stableLeader() count the running voters
        const tracked = trackGroups(cluster);
        for (let i = 0; i < 4; i++) cluster.spawn(i);
        await cluster.waitFor(() => cluster.running().every((n) => n.proc.ready), 60_000, 'four voters');
        cluster.sendAll('trace off');
        await spreadOut(cluster, tracked, groups, settleMs, 120_000, 4);
        const joiner = cluster.spawn(4);
        await cluster.waitFor(() => joiner.ready, 30_000, 'the fifth process to start');
        const readyAt = hereMs();
        cluster.size = 5;
        await cluster.waitFor(
          () => {
            const counts = [...loads(cluster, tracked).values()];
            return (
              counts.length === 5 &&
              tracked.leaders.size === groups &&
              Math.max(...counts) - Math.min(...counts) <= 1
            );
          },
          60_000,
          'the groups spread over five voters',
        );
        const ms = hereMs() - readyAt;
        log(
          `groups: spread trial ${trial + 1}: ${groups} groups over 5 voters ${round(ms)} ms after the fifth was ready`,
        );
        return ms;
      },
    );
    samples.push(result);
  }
  return {
    groups,
    n: samples.length,
    p50: round(percentile(samples, 0.5)),
    max: round(percentile(samples, 1)),
  };
}

/**
 * Runs the groups benchmark.
 * @param {{ groups?: number[], idleMs?: number, trials?: number, spreadTrials?: number, failoverGroups?: number,
 *   settleMs?: number, log?: (line: string) => void }} options
 */
export async function runGroupsBench(options = {}) {
  const log = options.log ?? ((line) => console.error(line));
  const counts = options.groups ?? [1, 10, 100];
  const idleMs = options.idleMs ?? 30_000;
  const settleMs = options.settleMs ?? 5_000;
  const failoverGroups = options.failoverGroups ?? 10;
  const idle = [];
  for (const groups of counts) idle.push(await idleRow(groups, idleMs, settleMs, log));
  const base = idle[0]?.busiest_cpu_pct ?? Number.NaN;
  for (const row of idle) row.busiest_ratio_to_first = round(row.busiest_cpu_pct / base, 2);
  const crash =
    (options.trials ?? 30) > 0 ? await failover(failoverGroups, options.trials ?? 30, 3_000, log) : null;
  const spread =
    (options.spreadTrials ?? 5) > 0
      ? await spreadAfterJoin(failoverGroups, options.spreadTrials ?? 5, 3_000, log)
      : null;
  return {
    machine: { cpus: cpus().length, node: process.version },
    idle_ms: idleMs,
    idle,
    crash_failover_ms: crash,
    spread_after_join_ms: spread,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const list = (name, fallback) => {
    const at = process.argv.indexOf(name);
    return at === -1 ? fallback : process.argv[at + 1].split(',').map(Number);
  };
  const json = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : null;
  const result = await runGroupsBench({
    groups: list('--groups', [1, 10, 100]),
    idleMs: numberArg('idle-ms', 30_000),
    trials: numberArg('trials', 30),
    spreadTrials: numberArg('spread-trials', 5),
  });
  console.log(JSON.stringify(result, null, 2));
  if (json) await writeFile(json, `${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}
