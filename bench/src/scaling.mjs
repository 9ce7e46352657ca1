// How idle cost grows with the cluster (issue 13): idle CPU and RSS of the leader and of a follower for clusters
// of 3, 5 and 7 voters, each a process of its own (cluster-node.mjs, as in cluster-bench.mjs), over libp2p on
// loopback at the default timings with a fixed set of voters (autopilot off); and of the same 5 voter processes
// with observers joined (observer-host.mjs, several libp2p nodes per process: per observer = its process's
// figure / the observers in it). And the CPU per election message end to end, beside plain TCP's.
//
// Each row: wait for a stable leader (every voter follows it, for 300 ms), let start-up garbage and JIT settle,
// then ask every process for its stats (cpuUsage, RSS, election messages sent and delivered) before and after
// `idleMs`. A window in which the leadership changed is measured again (up to WINDOWS times); a row whose last
// window still saw a change says so (`leader_held_throughout: false`).
//
// CPU per election message, end to end: the CPU of every process of the row over the window (sender and
// receiver together, and whatever else the processes did: timers, libp2p's own traffic, the bench's lease
// lines) divided by the election messages delivered to an election in the window. The floor beside it is
// plain Node TCP between two processes, measured in the same run (tcp-floor.mjs, sender and receiver together).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Cluster, freePorts } from './cluster-bench.mjs';
import { conditions } from './conditions.mjs';
import { round, sleep } from './stats.mjs';
import { runTcpFloor } from './tcp-floor.mjs';

const HOST_SCRIPT = fileURLToPath(new URL('./observer-host.mjs', import.meta.url));
/** The voters the observers join. */
export const OBSERVED_VOTERS = 5;
/** Observers per process (observer-host.mjs). */
export const OBSERVERS_PER_PROCESS = 5;
/** The longest wait between a stable leader and the idle window (a third of the window when that is less). */
const SETTLE_MS = 5_000;
/** Idle windows tried per row until the leadership holds through one. */
const WINDOWS = 3;
/** The ratio issue 13 aims for: CPU per election message / the plain-TCP floor. */
export const GOAL_RATIO_MAX = 3;

/**
 * Runs the scaling section.
 * @param {{ voters?: number[], observers?: number, idleMs?: number, floorRoundTrips?: number,
 *   log?: (line: string) => void }} [options]
 *   `voters`: the cluster sizes (a 5-voter cluster is added when observers are asked for and 5 is not listed);
 *   `observers`: joined to the 5-voter cluster (0: no observer row); `floorRoundTrips`: of the TCP floor.
 */
export async function runScalingBench(options = {}) {
  const sizes = [...(options.voters ?? [3, 5, 7])];
  const observers = options.observers ?? 20;
  const idleMs = options.idleMs ?? 20_000;
  const log = options.log ?? ((line) => console.error(line));
  if (observers > 0 && !sizes.includes(OBSERVED_VOTERS)) sizes.push(OBSERVED_VOTERS);

  log(`scaling: plain TCP floor, ${options.floorRoundTrips ?? 4000} round trips`);
  const tcpFloor = await runTcpFloor({ messages: options.floorRoundTrips ?? 4000 });
  log(`scaling: plain TCP floor ${tcpFloor.us_per_message} µs of CPU per message, sender and receiver`);

  const rows = [];
  const failures = [];
  let timing = null;
  for (const size of sizes) {
    const dir = await mkdtemp(join(tmpdir(), 'baton-scaling-'));
    const cluster = new Cluster({ nodes: size, dir, log });
    timing ??= cluster.timing;
    const hosts = [];
    let keep = false;
    try {
      await cluster.prepare();
      for (let i = 0; i < size; i++) cluster.spawn(i);
      await cluster.waitFor(
        () => cluster.running().every((n) => n.proc.ready),
        60_000,
        'every voter to start',
      );
      cluster.sendAll('trace off'); // no heartbeat lines, as in the cluster section's idle window
      rows.push(await idleRow(cluster, [], idleMs, log));
      if (size === OBSERVED_VOTERS && observers > 0) {
        const joinFrom = performance.now();
        const leaderships = cluster.intervals.length;
        await startObservers(cluster, observers, dir, hosts, log);
        // Leaderships that ended while the observers joined, by why (`lease-lapsed`, ...).
        const endedBy = {};
        for (const interval of cluster.intervals.slice(Math.max(0, leaderships - 1)))
          if (interval.endedBy) endedBy[interval.endedBy] = (endedBy[interval.endedBy] ?? 0) + 1;
        const joined = {
          ms: round(performance.now() - joinFrom),
          leaderships_begun: cluster.intervals.length - leaderships,
          leaderships_ended_by: endedBy,
        };
        rows.push({ ...(await idleRow(cluster, hosts, idleMs, log)), observers_joined: joined });
      }
    } catch (error) {
      keep = true;
      failures.push(`${size} voters: ${error.message}\n${cluster.describeFailure()}`);
    } finally {
      for (const host of hosts) host.child.kill('SIGKILL');
      await Promise.all(hosts.map((h) => h.exited));
      await cluster.kill().catch(() => undefined);
      cluster.events.end();
      if (keep) log(`scaling: kept the nodes' lines and logs for a post-mortem: ${dir}`);
      else await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  for (const row of rows)
    row.cpu_per_message_over_tcp_floor =
      row.cpu_us_per_election_message === null
        ? null
        : round(row.cpu_us_per_election_message / tcpFloor.us_per_message, 2);
  const headline =
    rows.find((r) => r.voters === OBSERVED_VOTERS && r.observers === 0) ??
    rows.find((r) => r.observers === 0);
  return {
    idle_ms: idleMs,
    timing: timing && {
      election_timeout_min: timing.electionTimeoutMin,
      election_timeout_max: timing.electionTimeoutMax,
      heartbeat_interval: timing.heartbeatInterval,
      observer_heartbeat_interval: timing.observerHeartbeatInterval,
    },
    observers_per_process: OBSERVERS_PER_PROCESS,
    rows,
    tcp_floor: tcpFloor,
    cpu_per_election_message:
      headline === undefined
        ? null
        : {
            voters: headline.voters,
            us: headline.cpu_us_per_election_message,
            tcp_floor_us: tcpFloor.us_per_message,
            ratio: round(headline.cpu_us_per_election_message / tcpFloor.us_per_message, 2),
            goal_ratio_max: GOAL_RATIO_MAX,
          },
    failures,
  };
}

/**
 * One row: an idle window (measured again while the leadership changed in it, up to WINDOWS times) of the
 * cluster's voters and the observer processes `hosts`.
 */
async function idleRow(cluster, hosts, idleMs, log) {
  const { until, notify } = conditions(60_000);
  for (const host of hosts) host.notify = notify;
  const what = `${cluster.size} voters${hosts.length ? ` + ${observerCount(hosts)} observers` : ''}`;
  for (let window = 1; ; window++) {
    let leader = await cluster.stable();
    // Let start-up garbage, JIT and joins settle: a 5-voter cluster's idle CPU reads about half as high again in
    // the first 3 s after it is stable as 6 s later.
    await sleep(Math.min(SETTLE_MS, idleMs / 3));
    leader = await cluster.stable();
    if (hosts.length > 0) {
      await until(
        () => failed(hosts) || hosts.every((h) => h.follows.every((id) => id === leader.id)),
        'every observer to follow the leader',
      );
      if (failed(hosts)) throw new Error(failed(hosts));
    }
    const leading = leader.proc.leading;
    const leaderships = cluster.intervals.length;
    log(`scaling: ${what}, idle ${idleMs / 1000} s (window ${window})`);
    const before = await snapshot(cluster, hosts, until);
    await sleep(idleMs);
    const after = await snapshot(cluster, hosts, until);
    const held =
      cluster.stableLeader() === leader &&
      leader.proc.leading === leading &&
      cluster.intervals.length === leaderships;
    if (held || window === WINDOWS) return figures(cluster, hosts, leader, before, after, held, window);
    log(`scaling: ${what}: the leadership changed during the window; measuring again`);
  }
}

/** Every voter's and observer process's stats, at once. */
async function snapshot(cluster, hosts, until) {
  for (const host of hosts) {
    host.stats = null;
    host.child.stdin.write('stats\n');
  }
  const voters = await cluster.stats();
  await until(
    () => failed(hosts) || hosts.every((h) => h.stats !== null),
    'stats from every observer process',
    5_000,
  );
  if (failed(hosts)) throw new Error(failed(hosts));
  return { voters, hosts: hosts.map((h) => h.stats) };
}

/** What changed in one process between two stats answers (`at`: ms; `cpu`: µs). */
function delta(a, b) {
  const cpuUs = b.cpu.user + b.cpu.system - (a.cpu.user + a.cpu.system);
  const t = (key) => (b.transport?.[key] ?? 0) - (a.transport?.[key] ?? 0);
  return {
    cpuUs,
    cpuPct: (100 * cpuUs) / ((b.at - a.at) * 1000),
    wallMs: b.at - a.at,
    rssMb: b.rss / 2 ** 20,
    received: b.messages.received - a.messages.received,
    sent: b.messages.sent - a.messages.sent,
    framesSent: t('framesSent'),
    framesReceived: t('framesReceived'),
    gossipPublished: t('gossipPublished'),
  };
}

function figures(cluster, hosts, leader, before, after, held, windows) {
  const voters = [...after.voters.keys()].map((index) => ({
    leader: index === leader.index,
    ...delta(before.voters.get(index), after.voters.get(index)),
  }));
  const processes = hosts.map((h, i) => ({
    observers: h.observers,
    ...delta(before.hosts[i], after.hosts[i]),
  }));
  const all = [...voters, ...processes];
  const sum = (xs, key) => xs.reduce((total, x) => total + x[key], 0);
  const mean = (xs, key) => sum(xs, key) / xs.length;
  const max = (xs, key) => Math.max(...xs.map((x) => x[key]));
  const leaderFigures = voters.find((v) => v.leader);
  const followers = voters.filter((v) => !v.leader);
  const observers = observerCount(hosts);
  const delivered = sum(all, 'received');
  const wallMs = mean(all, 'wallMs');
  return {
    voters: cluster.size,
    observers,
    observer_processes: hosts.length,
    leader_held_throughout: held,
    windows,
    leader: { cpu_pct: round(leaderFigures.cpuPct, 2), rss_mb: round(leaderFigures.rssMb) },
    follower: {
      cpu_pct: round(mean(followers, 'cpuPct'), 2),
      cpu_pct_max: round(max(followers, 'cpuPct'), 2),
      rss_mb: round(mean(followers, 'rssMb')),
      rss_mb_max: round(max(followers, 'rssMb')),
    },
    // Per observer: each process's figure divided by the observers in it, averaged over the processes.
    observer:
      observers === 0
        ? null
        : {
            cpu_pct: round(sum(processes, 'cpuPct') / observers, 3),
            rss_mb: round(sum(processes, 'rssMb') / observers),
            process_rss_mb_max: round(max(processes, 'rssMb')),
          },
    cpu_ms: round(sum(all, 'cpuUs') / 1000),
    election_messages_delivered: delivered,
    election_messages_sent: sum(all, 'sent'),
    election_messages_per_s: round((1000 * delivered) / wallMs),
    frames_sent: sum(all, 'framesSent'),
    frames_received: sum(all, 'framesReceived'),
    gossip_published: sum(all, 'gossipPublished'),
    cpu_us_per_election_message: delivered === 0 ? null : round(sum(all, 'cpuUs') / delivered, 1),
  };
}

/** Why an observer process failed, or undefined. */
function failed(hosts) {
  return hosts.find((h) => h.failed)?.failed;
}

function observerCount(hosts) {
  return hosts.reduce((total, h) => total + h.observers, 0);
}

/**
 * Starts `count` observers of `cluster`, OBSERVERS_PER_PROCESS to a process (all processes at once, each
 * starting its observers 100 ms apart), each process put in `hosts` as it starts (so that the caller ends
 * them even when this fails); resolves once every observer follows a leader.
 */
async function startObservers(cluster, count, dir, hosts, log) {
  const { until, notify } = conditions(120_000);
  const ports = await freePorts(count);
  const bootstrap = cluster.nodes.map((n) => `/ip4/127.0.0.1/tcp/${n.port}/p2p/${n.id}`);
  log(`scaling: starting ${count} observers in ${Math.ceil(count / OBSERVERS_PER_PROCESS)} processes`);
  for (let first = 0; first < count; first += OBSERVERS_PER_PROCESS) {
    const nodes = ports.slice(first, first + OBSERVERS_PER_PROCESS).map((port, k) => ({
      dataDir: join(dir, `observer-${first + k + 1}`),
      listen: `/ip4/127.0.0.1/tcp/${port}`,
    }));
    const config = { clusterId: cluster.nodes[0].config.clusterId, bootstrap, nodes, stagger: 100 };
    hosts.push(spawnHost(config, `observers-${hosts.length + 1}`, notify));
  }
  await until(
    () => failed(hosts) || hosts.every((h) => h.follows.every((id) => id !== null)),
    'every observer to follow a leader',
  );
  if (failed(hosts)) throw new Error(failed(hosts));
}

/** An observer process (observer-host.mjs): the leader each of its observers follows, its stats answers. */
function spawnHost(config, name, notify) {
  const child = spawn(process.execPath, [HOST_SCRIPT, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.on('error', () => {});
  const host = {
    name,
    child,
    observers: config.nodes.length,
    /** The leader each observer follows (null: none yet). */
    follows: config.nodes.map(() => null),
    stats: null,
    stderr: [],
    notify,
    exited: new Promise((resolve) => child.on('exit', resolve)),
  };
  child.stderr.on('data', (chunk) => {
    host.stderr.push(String(chunk));
    if (host.stderr.length > 20) host.stderr.shift();
  });
  child.on('exit', (code, signal) => {
    if (code !== null && code !== 0)
      host.failed = `${name} exited with ${code ?? signal}: ${host.stderr.join('').trim()}`;
    host.notify();
  });
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line;
    try {
      line = JSON.parse(text);
    } catch {
      return;
    }
    if (line.ev === 'leader-changed') host.follows[line.index] = line.leader;
    else if (line.ev === 'stats') host.stats = { ...line, at: Number(BigInt(line.mono)) / 1e6 };
    else if (line.ev === 'error') host.failed = `${name}: ${line.message}`;
    host.notify();
  });
  return host;
}
