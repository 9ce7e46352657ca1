#!/usr/bin/env node
// The Baton demo: N replicas of apps/sample-service as separate processes on loopback, with no voter list: the
// first N form the cluster (EXPECT=N), and a replica started later joins as an observer that the leader
// promotes. It gives each replica fixed ports derived from a base, serves the dashboard and a control endpoint
// (start one more replica, stop one) on the base HTTP port, prints every leader change (from the replicas'
// JSON logs), restarts a replica that exits unless it was stopped on purpose, and on Ctrl-C (SIGINT) or
// SIGTERM stops every replica's process group and exits. Plain ESM, no build step; it needs the service built
// (`npm run demo` does that).
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ControlError, serveControl } from './control.mjs';
import { nextRestart, restartPolicy } from './restart-backoff.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const serviceMain = resolve(here, '..', 'sample-service', 'dist', 'main.js');
const publicDir = resolve(here, '..', 'sample-service', 'public');
const MARKER = '.baton-demo';

const USAGE = `Usage: node apps/demo/demo.mjs [options]

  --replicas <n>        replicas that form the cluster (default 3, 1-9); the dashboard starts more (up to 9
                        running at once)
  --http-port <base>    the dashboard and the demo's controls on <base>, replica i on <base>+i
                        (default 7100: dashboard http://127.0.0.1:7100/, replicas 7101, 7102, ...)
  --p2p-port <base>     replica i listens for libp2p on <base>+i (default 7200)
  --data-dir <dir>      wiped at start; one directory per replica, the shared database, the logs
                        (default .baton-data/demo in the repository)
  --mdns                also find each other by mDNS (bootstrap addresses are always given)
  --restart-delay <ms>  how long to wait before restarting a replica that exited (default 2000); doubled
                        for every further exit in a row within 10 s of coming up, up to 30 s
  --cluster-id <id>     (default baton-demo)
  -h, --help

Timings (ELECTION_TIMEOUT_MIN_MS, ELECTION_TIMEOUT_MAX_MS, HEARTBEAT_INTERVAL_MS, JOB_INTERVAL_MS, ...)
are passed on to the replicas from the environment; see apps/sample-service/README.md.`;

function fail(message) {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(2);
}

function integerOption(values, name, fallback, min, max) {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    fail(`--${name} must be an integer between ${min} and ${max} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      replicas: { type: 'string' },
      'http-port': { type: 'string' },
      'p2p-port': { type: 'string' },
      'data-dir': { type: 'string' },
      mdns: { type: 'boolean', default: false },
      'restart-delay': { type: 'string' },
      'cluster-id': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
} catch (error) {
  fail(`${error.message}\n\n${USAGE}`);
}
const { values } = parsed;
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const replicas = integerOption(values, 'replicas', 3, 1, 9);
const httpBase = integerOption(values, 'http-port', 7100, 1, 65_500);
const p2pBase = integerOption(values, 'p2p-port', 7200, 1, 65_500);
const restarts = restartPolicy(integerOption(values, 'restart-delay', 2000, 0, 600_000));
const clusterId = values['cluster-id'] ?? 'baton-demo';
const dataRoot = resolve(values['data-dir'] ?? join(repoRoot, '.baton-data', 'demo'));

if (!existsSync(serviceMain)) {
  fail(`${relative(process.cwd(), serviceMain)} is missing: build first (npm run demo builds what it needs)`);
}

const started = performance.now();
function say(message) {
  const seconds = ((performance.now() - started) / 1000).toFixed(3).padStart(8);
  process.stdout.write(`[${seconds}s] ${message}\n`);
}

function portFree(port) {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolvePort(true)));
  });
}

function wipe(dir) {
  // Only ever delete a directory this launcher created (it holds the marker), or an empty one.
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(join(dir, MARKER))) {
    fail(`${dir} exists and was not made by the demo: refusing to wipe it (choose another --data-dir)`);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  writeFileSync(join(dir, MARKER), 'made by apps/demo/demo.mjs; wiped at every start\n');
}

// ------------------------------------------------------------------ set-up

/** Replicas running at once, at most (also the bound of --replicas). */
const MAX_RUNNING = 9;
/** Replicas ever named in one run: replica i uses <base>+i, so 99 keeps the HTTP and libp2p ranges apart. */
const MAX_NAMED = 99;

/**
 * Every replica of this run, in the order they were first started. `state`: 'running' (a process exists),
 * 'restarting' (it exited; the launcher starts it again), 'stopping' (SIGTERM sent on purpose), 'stopped'.
 */
const plan = [];

const { loadOrCreatePeerKey } = await import('@baton/transport-libp2p');
const { peerIdFromPrivateKey } = await import('@libp2p/peer-id');

/** Names the next replica, checks its ports and makes its key (so its peer id is known before it starts). */
async function addReplica() {
  const index = plan.length + 1;
  if (index > MAX_NAMED) throw new ControlError(409, `replicas: ${MAX_NAMED} started in this run already`);
  const replica = {
    name: `node-${index}`,
    httpPort: httpBase + index,
    p2pPort: p2pBase + index,
    state: 'stopped',
    upAt: null, // performance.now() of its node-started record, in the current run
    failures: 0, // exits in a row before a healthy run (see restart-backoff.mjs)
  };
  for (const [port, option] of [
    [replica.httpPort, '--http-port'],
    [replica.p2pPort, '--p2p-port'],
  ]) {
    if (!(await portFree(port))) {
      throw new ControlError(
        409,
        `port ${port} on 127.0.0.1 is in use (${replica.name}): pass another ${option} base`,
      );
    }
  }
  replica.dataDir = join(dataRoot, replica.name);
  replica.id = peerIdFromPrivateKey(await loadOrCreatePeerKey(replica.dataDir)).toString();
  replica.address = `/ip4/127.0.0.1/tcp/${replica.p2pPort}/p2p/${replica.id}`;
  replica.url = `http://127.0.0.1:${replica.httpPort}/`;
  replica.log = join(dataRoot, 'logs', `${replica.name}.log`);
  plan.push(replica);
  return replica;
}

if (!(await portFree(httpBase)))
  fail(`port ${httpBase} on 127.0.0.1 is in use: pass another --http-port base`);
wipe(dataRoot);
for (let i = 0; i < replicas; i += 1) {
  try {
    await addReplica();
  } catch (error) {
    fail(error.message);
  }
}
const dbPath = join(dataRoot, 'shared.db');
const dashboard = `http://127.0.0.1:${httpBase}/`;

say(`Baton demo: ${replicas} replicas of apps/sample-service on loopback, cluster "${clusterId}"`);
say(`data, shared database and logs in ${relative(process.cwd(), dataRoot) || '.'}`);
for (const replica of plan) say(`  ${replica.name}  ${replica.url}  ${replica.address}`);

// ------------------------------------------------------------------ replicas

let stopping = false;
const children = new Map(); // name -> ChildProcess

function environment(replica) {
  return {
    ...process.env,
    NODE_NAME: replica.name,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(replica.httpPort),
    DATA_DIR: replica.dataDir,
    LISTEN: `/ip4/127.0.0.1/tcp/${replica.p2pPort}`,
    BOOTSTRAP: plan
      .filter((other) => other !== replica && other.state !== 'stopped')
      .map((other) => other.address)
      .join(','),
    // No voter list: the first --replicas nodes that find each other form the cluster; a later one (and a
    // restarted one, which has a persisted configuration) joins it, and the leader promotes it to voter.
    VOTERS: '',
    EXPECT: String(replicas),
    MDNS: values.mdns ? 'on' : 'off',
    CLUSTER_ID: clusterId,
    DB_PATH: dbPath,
    STOP_ON_STDIN_END: 'on',
  };
}

let currentLeader = null;

function onRecord(replica, record) {
  if (record.log !== 'leadership') return;
  if (record.event === 'became-leader') {
    const previous = currentLeader && currentLeader !== replica.name ? ` (after ${currentLeader})` : '';
    currentLeader = replica.name;
    say(`★ ${replica.name} is the leader, term ${record.term}${previous}`);
  } else if (record.event === 'lost-leadership') {
    if (currentLeader === replica.name) currentLeader = null;
    say(`  ${replica.name} lost leadership of term ${record.term} (${record.reason})`);
  } else if (record.event === 'node-started') {
    replica.upAt = performance.now();
    say(`  ${replica.name} is up: dashboard ${replica.url}`);
  }
}

function start(replica) {
  const logFile = createWriteStream(replica.log, { flags: 'a' });
  const child = spawn(process.execPath, [serviceMain], {
    env: environment(replica),
    stdio: ['pipe', 'pipe', 'pipe'],
    // Each replica in its own process group: Ctrl-C reaches only the launcher, which stops them in order
    // (SIGTERM, so a leader hands over), and kill(-pid) also reaches anything a replica might spawn.
    detached: true,
  });
  children.set(replica.name, child);
  replica.state = 'running';
  replica.pid = child.pid;
  replica.upAt = null;
  say(`  ${replica.name} started: pid ${child.pid}`);
  createInterface({ input: child.stdout }).on('line', (line) => {
    logFile.write(`${line}\n`);
    if (!line.startsWith('{')) return;
    try {
      onRecord(replica, JSON.parse(line));
    } catch {
      // not one of ours
    }
  });
  const errors = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    logFile.write(`${line}\n`);
    errors.push(line);
    if (errors.length > 20) errors.shift();
  });
  child.stdin.on('error', () => {}); // the replica closed its end: nothing to do
  child.on('exit', (code, signal) => {
    children.delete(replica.name);
    logFile.end();
    if (currentLeader === replica.name) currentLeader = null;
    const how = signal ? `exited on ${signal}` : `exited with code ${code}`;
    if (stopping) return;
    if (replica.state === 'stopping') {
      replica.state = 'stopped';
      say(`  ${replica.name} ${how}; stopped from the dashboard, not restarted`);
      return;
    }
    replica.state = 'restarting';
    const upFor = replica.upAt === null ? null : performance.now() - replica.upAt;
    const { failures, delay } = nextRestart(replica.failures, upFor, restarts);
    replica.failures = failures;
    const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
    const why =
      failures <= 1
        ? ''
        : ` (${failures} exits in a row, this one ${upFor === null ? 'before it came up' : `${seconds(upFor)} after it came up`}; ` +
          `the wait doubles up to ${seconds(restarts.maxDelay)} and starts over once it stays up ${seconds(restarts.healthyUptime)})`;
    const lastErrors = code !== 0 && code !== null && errors.length > 0;
    if (lastErrors)
      say(`  ${replica.name} ${how}; last error output:\n      ${errors.slice(-5).join('\n      ')}`);
    const what = lastErrors ? 'restarting it' : `${how}; restarting it`;
    say(`  ${replica.name} ${what} in ${seconds(delay)}${why}`);
    // Not unref()'d: when every replica is down, this timer is what keeps the launcher alive until the restart.
    setTimeout(() => {
      if (!stopping && replica.state === 'restarting') start(replica);
    }, delay);
  });
}

for (const replica of plan) start(replica);

// ------------------------------------------------------------------ the dashboard's controls

const active = () => plan.filter((replica) => replica.state !== 'stopped');

const control = await serveControl({
  host: '127.0.0.1',
  port: httpBase,
  publicDir,
  actions: {
    list: () => ({
      clusterId,
      maxRunning: MAX_RUNNING,
      replicas: plan.map(({ name, id, url, pid, state }) => ({ name, id, url, pid: pid ?? null, state })),
    }),
    async start() {
      if (stopping) throw new ControlError(409, 'the demo is shutting down');
      if (active().length >= MAX_RUNNING) {
        throw new ControlError(409, `replicas: ${MAX_RUNNING} are running already (the demo's limit)`);
      }
      const replica = await addReplica();
      say(`  ${replica.name} added from the dashboard: ${replica.url}  ${replica.address}`);
      start(replica);
      return { name: replica.name, id: replica.id, url: replica.url, pid: replica.pid };
    },
    stop(name) {
      const replica = plan.find((candidate) => candidate.name === name);
      if (!replica)
        throw new ControlError(404, `replica ${JSON.stringify(name)}: no such replica in this demo`);
      const child = children.get(name);
      if (replica.state !== 'running' || !child) {
        throw new ControlError(409, `replica ${name} is ${replica.state}, not running`);
      }
      replica.state = 'stopping';
      say(`  ${name} stopping from the dashboard (SIGTERM: a leader hands over, the leader removes it)`);
      groupKill(child, 'SIGTERM');
      return { stopping: name, pid: child.pid };
    },
  },
}).catch((error) => fail(`the dashboard's port ${httpBase}: ${error.message}`));

say(`dashboard: ${dashboard}  (start and stop replicas there; each replica also serves it)`);
say('Ctrl-C stops every replica.');

// ------------------------------------------------------------------ shutdown

function groupKill(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  control.close();
  say(`${signal}: stopping ${children.size} replica(s)`);
  const running = [...children.values()];
  const exits = running.map((child) => new Promise((resolveExit) => child.once('exit', resolveExit)));
  for (const child of running) groupKill(child, 'SIGTERM');
  const timer = setTimeout(() => {
    for (const child of children.values()) groupKill(child, 'SIGKILL');
  }, 5000);
  await Promise.all(exits);
  clearTimeout(timer);
  // A replica's group may still hold something it spawned after the replica itself exited: SIGKILL the
  // whole group (the replica's pid is the group's id; a group that is empty already just answers ESRCH).
  for (const child of running) groupKill(child, 'SIGKILL');
  say('all replicas stopped');
  process.exit(0);
}

process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGHUP', () => void shutdown('SIGHUP'));
