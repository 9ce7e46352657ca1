// Dynamic membership over real processes at the default timings (election timeout 150-300 ms, heartbeat 50 ms;
// autopilot: stabilizationTime 2 s, deadVoterTimeout 30 s, maxVoters 5): one cluster-node.mjs process per
// node (LeaderElection, libp2p on 127.0.0.1, FileStateStore), each with `membership: true`.
//
//   pnpm --filter @baton/core --filter @baton/transport-libp2p build
//   node bench/src/membership-processes.mjs [--kill-trials 2]
//
// 1. Scale-up: three voters form the cluster; two new nodes (new ids, empty data directories, no voter list)
//    join one after the other. Measured: from the new node's `ready` until a configuration lists it as a voter.
// 2. Rolling replacement of all five: for each original voter, a new node joins and is left until it is a
//    stable observer (it follows the leader for stabilizationTime + 100 ms: the pod is ready); then the old
//    one gets SIGTERM (stop(): a leader hands over; the leader replaces it by the stable observer). Measured
//    per step: from the SIGTERM until a configuration has the new node and not the old one, and the longest
//    time no process held a valid lease during the step; over the whole replacement, the longest such gap.
// 3. Crash: a voter (not the leader) is SIGKILLed; measured until a configuration no longer lists it (then a
//    new node joins: one more sample of 1.).
// A configuration counts from the first node that reports installing it (the leader, which appends it).
// The script exits non-zero when two processes held a valid lease at once or a step times out.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AUTOPILOT_DEFAULTS } from '@baton/core';
import { loadOrCreatePeerKey } from '@baton/transport-libp2p';
import { freePorts, leaseOverlap } from './cluster-bench.mjs';
import { conditions } from './conditions.mjs';
import { numberArg, summary } from './stats.mjs';

const NODE_SCRIPT = fileURLToPath(new URL('./cluster-node.mjs', import.meta.url));
const KILL_TRIALS = numberArg('kill-trials', 2);
const CLUSTER_ID = 'membership-bench';
const dir = await mkdtemp(join(tmpdir(), 'baton-membership-processes-'));
const events = createWriteStream(join(dir, 'events.jsonl'));
const toMs = (mono) => Number(BigInt(mono)) / 1e6;
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Every node ever started: { name, id, port, dataDir, child, alive, exited, readyAt, follows }. */
const nodes = [];
/** Leaderships, in the shape leaseOverlap() reads: one per process and term. */
const intervals = [];
/** Configurations by version: the voters and when a node first reported installing it. */
const configurations = new Map();
const { until, notify } = conditions();

/** The latest configuration reported: { version, voters, at }. */
function latest() {
  let best = null;
  for (const [version, configuration] of configurations)
    if (best === null || version > best.version) best = { version, ...configuration };
  return best;
}

const leaderNow = () => intervals.find((i) => i.end === null && i.node.alive) ?? null;

async function createNode() {
  const name = `node-${nodes.length + 1}`;
  const dataDir = join(dir, name);
  const key = await loadOrCreatePeerKey(dataDir);
  const [port] = await freePorts(1);
  const node = {
    name,
    id: key.publicKey.toString(),
    port,
    dataDir,
    alive: false,
    readyAt: Number.NaN,
    follows: null,
  };
  nodes.push(node);
  return node;
}

const addressOf = (node) => `/ip4/127.0.0.1/tcp/${node.port}/p2p/${node.id}`;

/** Starts `node`; `voters` forms the first configuration (empty: it joins as an observer). */
function start(node, voters) {
  const config = {
    clusterId: CLUSTER_ID,
    dataDir: node.dataDir,
    listen: `/ip4/127.0.0.1/tcp/${node.port}`,
    bootstrap: nodes.filter((other) => other !== node && other.alive).map(addressOf),
    voters,
    membership: true,
  };
  const child = spawn(process.execPath, [NODE_SCRIPT, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  Object.assign(node, { child, alive: true, readyAt: Number.NaN, follows: null, incarnation: child.pid });
  const log = createWriteStream(join(dir, `${node.name}.log`), { flags: 'a' });
  child.stderr.pipe(log);
  child.stdin.on('error', () => {});
  node.exited = new Promise((resolve) => {
    child.on('exit', () => {
      node.alive = false;
      // Killed while leading: its leadership ended with the last lease it computed.
      for (const i of intervals)
        if (i.node === node && i.incarnation === child.pid && i.end === null) i.end = i.validEnd;
      notify();
      resolve();
    });
  });
  createInterface({ input: child.stdout }).on('line', (text) => {
    events.write(`${JSON.stringify({ node: node.name, pid: child.pid, line: text })}\n`);
    let line;
    try {
      line = JSON.parse(text);
    } catch {
      return;
    }
    onLine(node, child.pid, line);
    notify();
  });
}

function onLine(node, incarnation, line) {
  const find = (term) => intervals.find((i) => i.incarnation === incarnation && i.term === term);
  if (line.ev === 'ready') node.readyAt = toMs(line.mono);
  else if (line.ev === 'leader-changed') node.follows = line.leader;
  else if (line.ev === 'voters' && !configurations.has(line.version))
    configurations.set(line.version, { voters: line.voters, at: toMs(line.mono) });
  else if (line.ev === 'leader') {
    const leaseEnd = toMs(line.leaseEnd);
    const known = find(line.term);
    if (known) known.start = toMs(line.mono);
    else
      intervals.push({
        node,
        incarnation,
        term: line.term,
        start: toMs(line.mono),
        end: null,
        validEnd: leaseEnd,
        transferAt: Number.POSITIVE_INFINITY,
      });
  } else if (line.ev === 'lease') {
    // Comes before the `leader` line of its term.
    const known = find(line.term);
    if (known) known.validEnd = Math.max(known.validEnd, toMs(line.end));
    else
      intervals.push({
        node,
        incarnation,
        term: line.term,
        start: Number.POSITIVE_INFINITY,
        end: null,
        validEnd: toMs(line.end),
        transferAt: Number.POSITIVE_INFINITY,
      });
  } else if (line.ev === 'transfer') {
    const known = find(line.term);
    if (known) known.transferAt = Math.min(known.transferAt, toMs(line.mono));
  } else if (line.ev === 'lost') {
    const known = find(line.term);
    if (known) {
      known.end = toMs(line.mono);
      known.validEnd = Math.min(known.validEnd, known.end);
    }
  }
}

/** The longest time within [from, to] when no process held a valid lease. */
function longestGap(from, to) {
  const covered = intervals
    .filter((i) => Number.isFinite(i.start))
    .map((i) => [i.start, Math.min(i.end ?? Number.POSITIVE_INFINITY, i.validEnd, i.transferAt)])
    .map(([s, e]) => [s, Math.min(e, nowMs())]) // a leadership still open is valid until now at most
    .filter(([s, e]) => e > from && s < to)
    .sort((a, b) => a[0] - b[0]);
  let longest = 0;
  let reached = from;
  for (const [s, e] of covered) {
    if (s > reached) longest = Math.max(longest, s - reached);
    reached = Math.max(reached, e);
  }
  return Math.max(longest, to - reached);
}

/** A new node joins (no voter list); resolves when it has been following the leader for stabilizationTime. */
async function joinNode() {
  const node = await createNode();
  start(node, []);
  await until(() => node.follows !== null, `${node.name} to follow a leader`);
  return node;
}

const votes = (node) => latest()?.voters.includes(node.id) ?? false;
const joins = [];
const steps = [];
const removals = [];
try {
  // 1. Three voters, then two joins.
  const first = [await createNode(), await createNode(), await createNode()];
  for (const node of first)
    start(
      node,
      first.map((n) => n.id),
    );
  await until(() => leaderNow() !== null, 'a first leader');
  for (let k = 0; k < 2; k++) {
    const node = await joinNode();
    const at = await until(() => votes(node), `${node.name} to become a voter`);
    joins.push(at - node.readyAt);
  }

  // 2. The rolling replacement of the five.
  const originals = nodes.filter((node) => votes(node));
  const rollingFrom = nowMs();
  for (const old of originals) {
    const fresh = await joinNode();
    const followed = nowMs();
    await until(
      () => nowMs() - followed > AUTOPILOT_DEFAULTS.stabilizationTime + 100,
      'stabilizationTime',
      AUTOPILOT_DEFAULTS.stabilizationTime + 1_000,
    );
    const wasLeader = leaderNow()?.node === old;
    const signalled = nowMs();
    old.child.kill('SIGTERM');
    const replaced = await until(() => votes(fresh) && !votes(old), `${fresh.name} to replace ${old.name}`);
    await old.exited;
    await until(() => leaderNow() !== null, 'a leader after the step');
    steps.push({ replaced: replaced - signalled, gap: longestGap(signalled, nowMs()), wasLeader });
  }
  const rollingGap = longestGap(rollingFrom, nowMs());

  // 3. Crashes.
  for (let k = 0; k < KILL_TRIALS; k++) {
    const leader = leaderNow()?.node;
    const victim = nodes.find((node) => node.alive && votes(node) && node !== leader);
    const killed = nowMs();
    victim.child.kill('SIGKILL');
    const removed = await until(
      () => !votes(victim),
      `${victim.name} to be removed`,
      AUTOPILOT_DEFAULTS.deadVoterTimeout * 3,
    );
    removals.push(removed - killed);
    const node = await joinNode();
    const at = await until(() => votes(node), `${node.name} to become a voter`);
    joins.push(at - node.readyAt);
  }

  const overlap = leaseOverlap(
    intervals.filter((i) => Number.isFinite(i.start)).map((i) => ({ ...i, end: i.end ?? i.validEnd })),
  );
  const fmt = (s) => `p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms (n=${s.n})`;
  console.log(
    `Baton membership over real processes (libp2p on loopback, default timings, autopilot defaults); node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
  );
  console.log(`rolling replacement of 5: longest time without a leader ${rollingGap.toFixed(1)} ms`);
  console.log(`  per step, longest time without a leader: ${fmt(summary(steps.map((s) => s.gap)))}`);
  console.log(
    `  per step, SIGTERM -> the new node votes, the old one gone: ${fmt(summary(steps.map((s) => s.replaced)))}`,
  );
  console.log(`  steps that stopped the leader: ${steps.filter((s) => s.wasLeader).length}`);
  console.log(`new node ready -> a voter (a free seat): ${fmt(summary(joins))}`);
  console.log(`SIGKILLed voter -> removed: ${fmt(summary(removals))}`);
  console.log(`overlap of valid leases: ${overlap.overlapMax.toFixed(3)} ms (must be 0)`);
  console.log(
    `load average at the end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  if (overlap.overlapMax > 0) {
    process.exitCode = 1;
    console.log(`two processes held a lease at once; the lines are in ${dir}/events.jsonl`);
  }
} catch (error) {
  process.exitCode = 1;
  console.error(`${error.message}; the lines and logs are in ${dir}`);
} finally {
  for (const node of nodes) if (node.alive) node.child.kill('SIGKILL');
  await Promise.all(nodes.filter((n) => n.exited).map((n) => n.exited));
  events.end();
  if (process.exitCode !== 1) await rm(dir, { recursive: true, force: true });
}
