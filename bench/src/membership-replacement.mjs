// How fast the autopilot replaces voters, with real timers, file stores, the in-memory transport and the
// default options (stabilizationTime 2 s, deadVoterTimeout 30 s, maxVoters 5), 5 voters in one process.
//
//   pnpm --filter @baton/core build && node bench/src/membership-replacement.mjs [--trials 20] [--crash-trials 3]
//
// Graceful stop (a rolling update's step): a new node with a new id and an empty data directory joins and is
// left until it is a stable observer (the pod is ready); then a voter, the leader in every third trial, is
// stopped with stop(). Measured from the stop() call until the new node holds a configuration in which it is
// a voter (it now counts in every election and lease), and how long stop() took.
// Crash: a voter is cut off from everyone (its process killed, as far as the others can tell) while a stable
// observer waits. Measured from the cut until the leader's configuration no longer holds the dead voter, and
// until it holds the observer as a voter.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStateStore, LeaderElection } from '@baton/core';
import { MemoryNetwork } from '@baton/core/testing';
import { numberArg, summary } from './stats.mjs';

const TRIALS = numberArg('trials', 20);
const CRASH_TRIALS = numberArg('crash-trials', 3);
const quiet = { debug() {}, info() {}, warn() {}, error: (m, c) => console.error('[baton]', m, c ?? '') };
const root = mkdtempSync(join(tmpdir(), 'baton-membership-bench-'));
const network = new MemoryNetwork();
/** @type {Map<string, LeaderElection>} */
const nodes = new Map();
let joined = 0;

async function create(id, voters) {
  const node = new LeaderElection({
    clusterId: 'bench',
    voters,
    transport: network.transport(id),
    store: new FileStateStore(join(root, id)),
    logger: quiet,
  });
  nodes.set(id, node);
  await node.start();
  return node;
}

/** Resolves when `condition` holds, checked every millisecond; rejects after `within` ms. */
function until(condition, what, within = 120_000) {
  const deadline = performance.now() + within;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (condition()) resolve(performance.now());
      else if (performance.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(check, 1);
    };
    check();
  });
}

const leader = () => [...nodes.values()].find((node) => node.isLeader()) ?? null;
const votersOf = (node) => node.membership().voters;

/** A new node that joins and is left until the leader would promote it (it is an observer in steady contact). */
async function stableObserver() {
  joined += 1;
  const id = `j${joined}`;
  const node = await create(id, []);
  await until(() => node.membership().version > 0 && leader() !== null, `${id} to learn the voters`);
  await until(() => leader()?.inspect().lastContact[id] != null, `${id} in contact`);
  await new Promise((resolve) => setTimeout(resolve, 2_100)); // stabilizationTime (2 s) of steady contact
  return { id, node };
}

async function gracefulTrial(i) {
  const fresh = await stableObserver();
  const current = leader();
  const candidates = votersOf(current).filter((id) => (i % 3 === 0 ? id === current.id : id !== current.id));
  const victim = candidates[Math.floor(Math.random() * candidates.length)];
  const start = performance.now();
  const stopping = nodes.get(victim).stop();
  const voting = until(() => votersOf(fresh.node).includes(fresh.id), `${fresh.id} to become a voter`);
  const stopped = stopping.then(() => performance.now());
  const [votingAt, stoppedAt] = await Promise.all([voting, stopped]);
  nodes.delete(victim);
  return { replaced: votingAt - start, stop: stoppedAt - start, leader: victim === current.id };
}

async function crashTrial() {
  const fresh = await stableObserver();
  const current = leader();
  const others = votersOf(current).filter((id) => id !== current.id);
  const victim = others[Math.floor(Math.random() * others.length)];
  const start = performance.now();
  network.isolate(victim);
  const removed = await until(
    () => leader() !== null && !votersOf(leader()).includes(victim),
    `${victim} removed`,
  );
  const replaced = await until(
    () => leader() !== null && votersOf(leader()).includes(fresh.id),
    'a replacement',
  );
  await nodes.get(victim).stop();
  nodes.delete(victim);
  network.heal();
  return { removed: removed - start, replaced: replaced - start };
}

const first = ['n1', 'n2', 'n3', 'n4', 'n5'];
await Promise.all(first.map((id) => create(id, first)));
await until(() => leader() !== null, 'a first leader');

const graceful = [];
for (let i = 0; i < TRIALS; i++) graceful.push(await gracefulTrial(i));
const crashes = [];
for (let i = 0; i < CRASH_TRIALS; i++) crashes.push(await crashTrial());
await Promise.all([...nodes.values()].map((node) => node.stop()));
rmSync(root, { recursive: true, force: true });

const fmt = (s) => `p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms (n=${s.n})`;
console.log(
  `Baton autopilot, 5 voters in one process, real timers, file stores, default options; node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
);
console.log(`graceful stop -> the replacement votes:   ${fmt(summary(graceful.map((t) => t.replaced)))}`);
console.log(
  `  of which the leader stopped (${graceful.filter((t) => t.leader).length}): ${fmt(summary(graceful.filter((t) => t.leader).map((t) => t.replaced)))}`,
);
console.log(`graceful stop -> stop() resolved:         ${fmt(summary(graceful.map((t) => t.stop)))}`);
console.log(`crash -> the dead voter is removed:        ${fmt(summary(crashes.map((t) => t.removed)))}`);
console.log(`crash -> its replacement is a voter:      ${fmt(summary(crashes.map((t) => t.replaced)))}`);
console.log(
  `load average at the end: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
