// Graceful handover and crash failover of a 5-node Baton cluster in one process, with real timers,
// default timings and the in-memory transport. Prints p50/p99/max over N trials of each.
//
//   pnpm --filter @baton/core build && node bench/src/runtime-handover.mjs [--trials 100] [--nodes 5]
//
// What is measured (performance.now(), one process, so every timestamp is on one clock):
// - graceful handover: from the call of the leader's stop() until another node holds a lease (the
//   `since` of its leadership handle: the moment a majority confirmed it);
// - crash failover: from the moment the leader is cut off from everyone (as when its process is killed: its
//   connections drop, nothing more comes from it) until another node holds a lease. The crash happens at a
//   random point of the heartbeat interval.
// Between trials the old leader is restarted on its own store and the cluster is left to settle.
import { cpus, loadavg } from 'node:os';
import { LeaderElection, MemoryStateStore } from '@baton/core';
import { MemoryNetwork } from '@baton/core/testing';

const args = parseArgs(process.argv.slice(2));
const TRIALS = args.trials ?? 100;
const NODES = args.nodes ?? 5;
const IDS = Array.from({ length: NODES }, (_, i) => `node-${i + 1}`);
const quiet = { debug() {}, info() {}, warn() {}, error: (m, c) => console.error('[baton]', m, c ?? '') };

const network = new MemoryNetwork();
const stores = new Map(IDS.map((id) => [id, new MemoryStateStore(null, `memory:${id}`)]));
const nodes = new Map();
/** Every leadership any node held: { id, term, since }. */
const leaderships = [];
const leadershipWaiters = new Set();
/** Why leaderships ended, by reason: anything but 'stopped' and 'lease-lapsed' (crashes) is worth a look. */
const lossReasons = {};
let skipped = 0;

function create(id) {
  const node = new LeaderElection({
    clusterId: 'bench',
    voters: IDS,
    transport: network.transport(id),
    store: stores.get(id),
    logger: quiet,
    autopilot: false, // a fixed voter set, restarted on its stores between trials
  });
  node.on('leadership-lost', ({ reason }) => {
    lossReasons[reason] = (lossReasons[reason] ?? 0) + 1;
  });
  node.on('became-leader', (handle) => {
    const record = { id, term: handle.term, since: handle.since };
    leaderships.push(record);
    for (const waiter of [...leadershipWaiters]) waiter(record);
  });
  nodes.set(id, node);
  return node;
}

/** The first leadership that begins after `after` on a node other than `except`. */
function nextLeadership(after, except) {
  const found = leaderships.find((l) => l.since > after && l.id !== except);
  if (found) return Promise.resolve(found);
  return new Promise((resolve) => {
    const waiter = (record) => {
      if (record.since > after && record.id !== except) {
        leadershipWaiters.delete(waiter);
        resolve(record);
      }
    };
    leadershipWaiters.add(waiter);
  });
}

const tick = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until one node leads and every node follows it; returns its id. */
async function stable() {
  for (let waited = 0; ; waited += 5) {
    const leaders = IDS.filter((id) => nodes.get(id).isLeader());
    if (leaders.length === 1 && IDS.every((id) => nodes.get(id).leader() === leaders[0])) return leaders[0];
    if (waited > 30_000) throw new Error('the cluster did not settle within 30 s');
    await tick(5);
  }
}

async function restart(id) {
  await nodes.get(id).stop();
  network.heal();
  await create(id).start();
}

/**
 * A stable leader, at a random point of its heartbeat interval, that still leads at that point. On a busy
 * machine a leader can lose its leadership in the wait (an event-loop stall ends it): such a draw is
 * counted in `skipped` and drawn again, so that every trial starts from a leader that leads.
 */
async function leaderAtRandomPoint() {
  for (;;) {
    const leader = await stable();
    await tick(Math.random() * 50);
    if (nodes.get(leader).isLeader()) return leader;
    skipped += 1;
  }
}

async function handoverTrial() {
  const leader = await leaderAtRandomPoint();
  const start = performance.now();
  const next = nextLeadership(start, leader);
  const stopping = nodes.get(leader).stop();
  const successor = await next;
  await stopping;
  await restart(leader);
  return successor.since - start;
}

async function crashTrial() {
  const leader = await leaderAtRandomPoint();
  const start = performance.now();
  const next = nextLeadership(start, leader);
  network.isolate(leader); // the leader's process is gone, as far as anyone else can tell
  const successor = await next;
  await restart(leader);
  return successor.since - start;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function row(name, samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (x) => `${x.toFixed(1)} ms`.padStart(10);
  return `${name.padEnd(20)}${String(sorted.length).padStart(6)}${f(sorted[0])}${f(percentile(sorted, 50))}${f(percentile(sorted, 99))}${f(sorted.at(-1))}`;
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (key === '--trials' || key === '--nodes') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${key} must be a positive integer (got ${value})`);
      out[key.slice(2)] = n;
      i++;
    } else throw new Error(`unknown argument ${key} (known: --trials N, --nodes N)`);
  }
  return out;
}

for (const id of IDS) create(id);
await Promise.all(IDS.map((id) => nodes.get(id).start()));
await stable();

const handovers = [];
for (let i = 0; i < TRIALS; i++) handovers.push(await handoverTrial());
const failovers = [];
for (let i = 0; i < TRIALS; i++) failovers.push(await crashTrial());
await Promise.all(IDS.map((id) => nodes.get(id).stop()));

const terms = leaderships.map((l) => l.term);
console.log(
  `Baton runtime: ${NODES} nodes in one process, in-memory transport, real timers, default timings`,
);
console.log(
  `(election timeout 150-300 ms, heartbeat 50 ms); node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
);
console.log('');
console.log(
  `${'scenario'.padEnd(20)}${'n'.padStart(6)}${'min'.padStart(10)}${'p50'.padStart(10)}${'p99'.padStart(10)}${'max'.padStart(10)}`,
);
console.log(row('graceful handover', handovers));
console.log(row('crash failover', failovers));
console.log('');
console.log(
  `${leaderships.length} leaderships in terms 1-${Math.max(...terms)}; one leader per term: ${new Set(terms).size === terms.length}`,
);
console.log(`leaderships ended by reason: ${JSON.stringify(lossReasons)}`);
console.log(`draws skipped because the leader had lost its leadership before the trial began: ${skipped}`);
console.log(`load average over the last 5 min: ${loadavg()[1].toFixed(2)} on ${cpus().length} CPUs`);
