// Many replicas: 5 voters and 45 observers, as a web service with 50 replicas of LeaderModule would run them.
// Default timings (election timeout 150-300 ms, heartbeat 50 ms, observerHeartbeatInterval 1 s), autopilot on
// with its defaults (maxVoters 5: the observers stay observers while the five voters are up).
//
//   pnpm --filter @baton/core --filter @baton/transport-libp2p build
//   node bench/src/many-replicas.mjs [--observers 45] [--hosts 5] [--idle-ms 20000] [--trials 10] [--stagger 500]
//                                    [--observer-heartbeat-interval 1000]
//
// Each voter is a process of its own (cluster-node.mjs), so that the leader's CPU is its process's; the
// observers run several to a process (observer-host.mjs, one libp2p node each), `--hosts` processes.
// 1. Idle cost, plain: the 5 voters alone; CPU of each voter process over --idle-ms.
// 2. Idle cost with the observers: the same 5 voter processes once every observer follows the leader; CPU of
//    the leader and followers, and of the observer processes (per observer). The leader's ratio of 2. to 1.
//    is what the observers cost it; both are measured in this one run, on the same processes.
// 3. Crash failover seen by the observers, --trials times: the leader's process is SIGKILLed; measured, from
//    the kill, until each observer follows the new leader (the first leader it reports after the kill that
//    is not the killed one), and until the new leader's lease began. Then the killed voter is restarted on
//    its data directory (it is still a voter: deadVoterTimeout is 30 s) and the cluster settles.
// The script exits non-zero if two voter processes held a valid lease at once or a step times out.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadOrCreatePeerKey } from '@baton/transport-libp2p';
import { freePorts, leaseOverlap } from './cluster-bench.mjs';
import { conditions } from './conditions.mjs';
import { numberArg, round, sleep, summary } from './stats.mjs';

const VOTER_SCRIPT = fileURLToPath(new URL('./cluster-node.mjs', import.meta.url));
const HOST_SCRIPT = fileURLToPath(new URL('./observer-host.mjs', import.meta.url));
const OBSERVERS = numberArg('observers', 45);
const HOSTS = Math.min(numberArg('hosts', 5), OBSERVERS);
const IDLE_MS = numberArg('idle-ms', 20_000);
const TRIALS = numberArg('trials', 10);
/** ms between two observers starting (the hosts start one after the other, each once its observers follow). */
const STAGGER = numberArg('stagger', 500);
/** The voters' observerHeartbeatInterval (ms): how often the leader heartbeats each observer. */
const OBSERVER_HEARTBEAT = numberArg('observer-heartbeat-interval', 1_000);
const CLUSTER_ID = 'many-replicas';
const dir = await mkdtemp(join(tmpdir(), 'baton-many-replicas-'));
const events = createWriteStream(join(dir, 'events.jsonl'));
const toMs = (mono) => Number(BigInt(mono)) / 1e6;
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

const { until, notify } = conditions(60_000);

/** Spawns a child that speaks JSON lines; `onLine` gets each parsed line. */
function spawnChild(script, config, name, onLine) {
  const child = spawn(process.execPath, [script, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.on('error', () => {});
  const stderr = [];
  child.stderr.on('data', (chunk) => {
    stderr.push(String(chunk));
    if (stderr.length > 50) stderr.shift();
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const process_ = { name, child, exited, alive: true, stats: null, stderr };
  child.on('exit', () => {
    process_.alive = false;
    notify();
  });
  createInterface({ input: child.stdout }).on('line', (text) => {
    events.write(`${name} ${text}\n`);
    let line;
    try {
      line = JSON.parse(text);
    } catch {
      return;
    }
    if (line.ev === 'stats') process_.stats = { ...line, at: toMs(line.mono) };
    if (line.ev === 'error') console.error(`${name}: ${line.message}`);
    onLine(line);
    notify();
  });
  return process_;
}

/** Asks every process in `processes` for its stats; resolves with the answers, in order. */
async function stats(processes) {
  for (const p of processes) {
    p.stats = null;
    p.child.stdin.write('stats\n');
  }
  await until(() => processes.every((p) => p.stats !== null), 'stats');
  return processes.map((p) => p.stats);
}

/** CPU in % of a core between two stats answers of one process. */
const cpuPct = (a, b) =>
  (100 * (b.cpu.user + b.cpu.system - a.cpu.user - a.cpu.system)) / ((b.at - a.at) * 1000);

// --- the voters -------------------------------------------------------------------------------------------

/** Leaderships in the shape leaseOverlap() reads: one per process and term. */
const intervals = [];
const ports = await freePorts(5 + OBSERVERS);
const voters = [];
for (let i = 0; i < 5; i++) {
  const dataDir = join(dir, `voter-${i + 1}`);
  const key = await loadOrCreatePeerKey(dataDir);
  voters.push({ name: `voter-${i + 1}`, id: key.publicKey.toString(), port: ports[i], dataDir, proc: null });
}
const addressOf = (voter) => `/ip4/127.0.0.1/tcp/${voter.port}/p2p/${voter.id}`;

function startVoter(voter) {
  const config = {
    clusterId: CLUSTER_ID,
    dataDir: voter.dataDir,
    listen: `/ip4/127.0.0.1/tcp/${voter.port}`,
    bootstrap: voters.filter((other) => other !== voter).map(addressOf),
    voters: voters.map((v) => v.id),
    membership: true,
    timings: { observerHeartbeatInterval: OBSERVER_HEARTBEAT },
  };
  let incarnation;
  const find = (term) => intervals.find((i) => i.incarnation === incarnation && i.term === term);
  const open = (term) => {
    const interval = {
      voter,
      incarnation,
      term,
      start: Number.POSITIVE_INFINITY,
      end: null,
      validEnd: 0,
      transferAt: Number.POSITIVE_INFINITY,
    };
    intervals.push(interval);
    return interval;
  };
  voter.proc = spawnChild(VOTER_SCRIPT, config, voter.name, (line) => {
    if (line.ev === 'ready') voter.ready = true;
    else if (line.ev === 'leader') {
      const interval = find(line.term) ?? open(line.term);
      interval.start = toMs(line.mono);
      interval.validEnd = Math.max(interval.validEnd, toMs(line.leaseEnd));
    } else if (line.ev === 'lease') {
      const interval = find(line.term) ?? open(line.term);
      interval.validEnd = Math.max(interval.validEnd, toMs(line.end));
    } else if (line.ev === 'transfer') {
      const interval = find(line.term);
      if (interval) interval.transferAt = Math.min(interval.transferAt, toMs(line.mono));
    } else if (line.ev === 'lost') {
      const interval = find(line.term);
      if (interval) {
        interval.reason = line.reason;
        interval.end = toMs(line.mono);
        interval.validEnd = Math.min(interval.validEnd, interval.end);
      }
    }
  });
  incarnation = voter.proc.child.pid;
  voter.ready = false;
  voter.proc.child.on('exit', () => {
    for (const i of intervals) if (i.incarnation === incarnation && i.end === null) i.end = i.validEnd;
  });
}

/** The voter holding a leadership that has not ended, or null. */
function leaderNow() {
  const open = intervals.filter((i) => i.end === null && i.voter.proc.alive && Number.isFinite(i.start));
  return open.length === 0 ? null : open.reduce((a, b) => (b.term > a.term ? b : a));
}

/**
 * Waits for a leadership and returns the one seen: read again after the wait, it may have ended meanwhile
 * (the script crashed so when leases lapsed).
 */
async function aLeader(what, timeout) {
  let seen = null;
  await until(
    () => {
      seen = leaderNow();
      return seen !== null;
    },
    what,
    timeout,
  );
  return seen;
}

// --- the observers ----------------------------------------------------------------------------------------

/** Every observer: { host, index, id, follows: { leader, term, at } | null, role, history: [{ leader, term, at }] }. */
const observers = [];
const hosts = [];
async function startObservers() {
  const perHost = Math.ceil(OBSERVERS / HOSTS);
  for (let h = 0; h < HOSTS; h++) {
    const count = Math.min(perHost, OBSERVERS - h * perHost);
    const nodes = [];
    const mine = [];
    for (let k = 0; k < count; k++) {
      const n = h * perHost + k;
      nodes.push({ dataDir: join(dir, `observer-${n + 1}`), listen: `/ip4/127.0.0.1/tcp/${ports[5 + n]}` });
      const observer = { host: h, index: k, id: null, follows: null, role: 'observer', history: [] };
      observers.push(observer);
      mine.push(observer);
    }
    const config = { clusterId: CLUSTER_ID, bootstrap: voters.map(addressOf), nodes, stagger: STAGGER };
    hosts.push(
      spawnChild(HOST_SCRIPT, config, `observers-${h + 1}`, (line) => {
        const observer = mine[line.index];
        if (line.ev === 'ready') observer.id = line.id;
        else if (line.ev === 'leader-changed') {
          const at = toMs(line.mono);
          observer.follows = line.leader === null ? null : { leader: line.leader, term: line.term, at };
          observer.history.push({ leader: line.leader, term: line.term, at });
        } else if (line.ev === 'role') observer.role = line.role;
      }),
    );
    hosts.at(-1).observers = count;
    await until(
      () => mine.every((o) => o.history.some((x) => x.leader !== null)),
      `the observers of host ${h + 1} to follow a leader`,
      120_000,
    );
  }
}

const leaderIdOf = (interval) => interval.voter.id;
const allFollow = (interval) => observers.every((o) => o.follows?.leader === leaderIdOf(interval));

async function idleCost(label) {
  await sleep(3_000); // let start-up garbage, JIT and joins settle
  const leader = await aLeader('a leader');
  for (const v of voters) v.proc.child.stdin.write('trace off\n');
  const before = await stats([...voters.map((v) => v.proc), ...hosts]);
  await sleep(IDLE_MS);
  const after = await stats([...voters.map((v) => v.proc), ...hosts]);
  const held = leaderNow() === leader;
  const voterCpu = voters.map((v, i) => ({
    leader: v === leader.voter,
    cpu: cpuPct(before[i], after[i]),
    rss: after[i].rss,
  }));
  const hostCpu = hosts.map((_, i) => cpuPct(before[5 + i], after[5 + i]));
  const result = {
    label,
    leaderHeldThroughout: held,
    leaderCpuPct: voterCpu.find((v) => v.leader).cpu,
    followerCpuPct: voterCpu.filter((v) => !v.leader).map((v) => v.cpu),
    leaderRssMb: voterCpu.find((v) => v.leader).rss / 2 ** 20,
    observerCpuPct: hosts.length === 0 ? [] : hostCpu.map((c, i) => c / hosts[i].observers),
    connectionsPerObserver:
      hosts.length === 0
        ? null
        : hosts.reduce((sum, _, i) => sum + after[5 + i].connections, 0) /
          hosts.reduce((sum, host) => sum + host.observers, 0),
  };
  console.log(
    `${label}: leader ${result.leaderCpuPct.toFixed(2)} % of a core (RSS ${result.leaderRssMb.toFixed(0)} MB), followers ${result.followerCpuPct.map((c) => c.toFixed(2)).join(' ')} %${
      hosts.length
        ? `, per observer ${result.observerCpuPct.map((c) => c.toFixed(2)).join(' ')} % (${result.connectionsPerObserver.toFixed(1)} connections each)`
        : ''
    }${held ? '' : ' (the leadership changed during the measurement)'}`,
  );
  return result;
}

const trials = [];
try {
  console.log(
    `Baton with many replicas: 5 voters, ${OBSERVERS} observers in ${HOSTS} processes (libp2p on loopback, default timings, autopilot defaults); node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
  );
  for (const v of voters) startVoter(v);
  await until(() => leaderNow() !== null && voters.every((v) => v.ready), 'a first leader');
  const plain = await idleCost('idle, 5 voters alone');

  const joinedFrom = nowMs();
  const termsBefore = intervals.length;
  await startObservers();
  await until(
    () => leaderNow() !== null && allFollow(leaderNow()),
    'every observer to follow the leader',
    120_000,
  );
  console.log(
    `every observer follows the leader ${((nowMs() - joinedFrom) / 1000).toFixed(1)} s after the first started (leaderships begun meanwhile: ${intervals.length - termsBefore})`,
  );
  const crowded = await idleCost(`idle, 5 voters + ${OBSERVERS} observers`);
  const promoted = observers.filter((o) => o.role !== 'observer').length;
  if (promoted > 0) console.log(`(${promoted} observers were promoted to voters)`);

  for (let t = 0; t < TRIALS; t++) {
    const old = await aLeader('a leader before the kill');
    const killedAt = nowMs();
    old.voter.proc.child.kill('SIGKILL');
    // The leadership every observer follows, kept when seen: by the time the wait returns it may have ended.
    let next = null;
    await until(() => {
      const now = leaderNow();
      if (now === null || now.voter === old.voter || !allFollow(now)) return false;
      next = now;
      return true;
    }, 'every observer to follow a new leader');
    const learnt = observers.map((o) => {
      const first = o.history.find((h) => h.at > killedAt && h.leader !== null && h.leader !== old.voter.id);
      // Followed the new leader before the kill: the leadership had moved away from `old` already.
      return first === undefined ? 0 : first.at - killedAt;
    });
    trials.push({
      leaseBegan: next.start - killedAt,
      lastObserver: Math.max(...learnt),
      observers: learnt,
      afterLease: Math.max(...learnt) - (next.start - killedAt),
    });
    console.log(
      `trial ${t + 1}: new lease ${(next.start - killedAt).toFixed(0)} ms after the kill, every observer follows it at ${Math.max(...learnt).toFixed(0)} ms (p50 ${summary(learnt).p50} ms)`,
    );
    await old.voter.proc.exited;
    startVoter(old.voter);
    await until(() => old.voter.ready && leaderNow() !== null, `${old.voter.name} to restart`);
    await sleep(2_000);
  }

  const overlap = leaseOverlap(
    intervals
      .filter((i) => Number.isFinite(i.start))
      .map((i) => ({ ...i, node: i.voter, end: i.end ?? i.validEnd })),
  );
  const fmt = (s) => `p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms (n=${s.n})`;
  console.log(
    `leader's idle CPU with ${OBSERVERS} observers / without: ${round(crowded.leaderCpuPct / plain.leaderCpuPct, 2)} (${crowded.leaderCpuPct.toFixed(2)} / ${plain.leaderCpuPct.toFixed(2)} %)`,
  );
  console.log(
    `a follower's (mean): ${round(mean(crowded.followerCpuPct) / mean(plain.followerCpuPct), 2)}; per observer: mean ${mean(crowded.observerCpuPct).toFixed(2)} % of a core`,
  );
  if (trials.length > 0) {
    console.log(
      `crash of the leader -> its successor's lease: ${fmt(summary(trials.map((t) => t.leaseBegan)))}`,
    );
    console.log(
      `crash of the leader -> every observer follows the new leader: ${fmt(summary(trials.map((t) => t.lastObserver)))}`,
    );
    console.log(`  each observer: ${fmt(summary(trials.flatMap((t) => t.observers)))}`);
    console.log(`  new lease -> the last observer knows: ${fmt(summary(trials.map((t) => t.afterLease)))}`);
  }
  const endings = {};
  for (const i of intervals) if (i.reason) endings[i.reason] = (endings[i.reason] ?? 0) + 1;
  console.log(`leaderships: ${intervals.length}, ended by ${JSON.stringify(endings)} (kills not counted)`);
  console.log(`overlap of valid leases: ${overlap.overlapMax.toFixed(3)} ms (must be 0)`);
  console.log(
    `load average at the end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  if (overlap.overlapMax > 0) process.exitCode = 1;
} catch (error) {
  process.exitCode = 1;
  console.error(error.message);
  for (const p of [...voters.map((v) => v.proc), ...hosts])
    if (p?.stderr.length) console.error(`${p.name}:\n${p.stderr.join('')}`);
} finally {
  for (const p of [...voters.map((v) => v.proc), ...hosts]) if (p?.alive) p.child.kill('SIGKILL');
  await Promise.all([...voters.map((v) => v.proc), ...hosts].filter(Boolean).map((p) => p.exited));
  events.end();
  if (process.exitCode === 1) console.error(`the lines are in ${dir}/events.jsonl`);
  else await rm(dir, { recursive: true, force: true });
}

function mean(values) {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
