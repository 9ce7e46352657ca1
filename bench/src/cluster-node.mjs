// One node of the benchmark cluster: a LeaderElection over libp2p with a FileStateStore, in a process of its own.
// Started by cluster-bench.mjs with its configuration as JSON in argv[2]:
//   { clusterId, dataDir, listen, bootstrap: [multiaddr/p2p/id], voters: [peer id] }
// The peer key is already in dataDir (written by the orchestrator), so every voter id is known in advance.
//
// It writes one JSON line to stdout per fact the orchestrator needs. Every timestamp is `mono`: nanoseconds of
// CLOCK_MONOTONIC as a decimal string (process.hrtime.bigint()), which every process on the machine shares.
//   {"ev":"ready"}                               the election started (store open, transport listening)
//   {"ev":"leader","term","mono","leaseEnd"}     holds a lease: mono = when the lease became valid; leaseEnd = its end then
//   {"ev":"lost","term","reason","mono"}         leadership ended (the handle's signal aborted, synchronously)
//   {"ev":"leader-changed","leader","term"}      the leader this node follows
//   {"ev":"hb","round","mono"}                   (tracing) a heartbeat round went out
//   {"ev":"lease","end"}                         (tracing) the lease was extended to `end`
//   {"ev":"stats",...}                           answer to the `stats` command: cpuUsage, memory, round trips
// Commands on stdin, one per line: `trace on`, `trace off`, `stats`. When stdin closes (the orchestrator is gone),
// the node exits at once. SIGTERM: `election.stop()` (a leader hands over), then exit.
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { FileStateStore, LeaderElection } from '@baton/core';
import { libp2pTransport } from '@baton/transport-libp2p';

const config = JSON.parse(process.argv[2] ?? '{}');

// performance.now() (what the runtime reports) and hrtime both read CLOCK_MONOTONIC; convert once.
const hrOrigin = process.hrtime.bigint();
const perfOrigin = performance.now();
/** @param {number} perfMs a performance.now() reading @returns {bigint} the same instant in hrtime nanoseconds */
const monoOf = (perfMs) => hrOrigin + BigInt(Math.round((perfMs - perfOrigin) * 1e6));
const nowMono = () => process.hrtime.bigint().toString();

/** @param {Record<string, unknown>} line */
function emit(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const logger = {
  debug() {},
  info() {},
  warn: (message, context) => process.stderr.write(`[warn] ${message} ${safeJson(context)}\n`),
  error: (message, context) => process.stderr.write(`[error] ${message} ${safeJson(context)}\n`),
};

let tracing = false;
/** Heartbeats in flight: `${to}/${round}` → performance.now() at send (tracing only). */
const inFlight = new Map();
/** Election round trips (heartbeat → its acknowledgement) measured while tracing, in ms. */
let roundTrips = [];
let lastRound = 0;
let lastLeaseEnd = Number.NEGATIVE_INFINITY;

const transport = libp2pTransport({
  clusterId: config.clusterId,
  listen: [config.listen],
  bootstrap: config.bootstrap,
  dataDir: config.dataDir,
  logger,
});

// Observe election traffic without changing it: the heartbeat rounds this node sends as leader, and the
// acknowledgements that extend its lease. Nothing is recorded unless tracing is on.
const send = transport.send.bind(transport);
transport.send = (message) => {
  if (tracing && message.type === 'heartbeat') {
    const at = performance.now();
    if (message.round !== lastRound) {
      lastRound = message.round;
      emit({ ev: 'hb', round: message.round, mono: monoOf(at).toString() });
    }
    inFlight.set(`${message.to}/${message.round}`, at);
  }
  send(message);
};
const start = transport.start.bind(transport);
transport.start = (handlers, options) =>
  start(
    {
      ...handlers,
      onMessage: (message) => {
        handlers.onMessage(message);
        if (tracing && message.type === 'heartbeat-response') afterAck(message);
      },
    },
    options,
  );

function afterAck(message) {
  const key = `${message.from}/${message.round}`;
  const sentAt = inFlight.get(key);
  if (sentAt !== undefined) {
    inFlight.delete(key);
    roundTrips.push(performance.now() - sentAt);
  }
  if (inFlight.size > 1000) inFlight.clear();
  if (!election.isLeader()) return;
  // The runtime stepped the machine synchronously: the lease now reflects this acknowledgement.
  const end = performance.now() + election.inspect().leaseRemainingMs;
  if (end > lastLeaseEnd + 0.001) {
    lastLeaseEnd = end;
    emit({ ev: 'lease', end: monoOf(end).toString() });
  }
}

const election = new LeaderElection({
  clusterId: config.clusterId,
  voters: config.voters,
  transport,
  store: new FileStateStore(config.dataDir),
  logger,
});

election.on('became-leader', (handle) => {
  const remaining = election.isLeader() ? election.inspect().leaseRemainingMs : 0;
  const leaseEnd = performance.now() + remaining;
  lastLeaseEnd = Math.max(lastLeaseEnd, leaseEnd);
  emit({
    ev: 'leader',
    term: handle.term,
    mono: monoOf(handle.since).toString(),
    leaseEnd: monoOf(leaseEnd).toString(),
  });
  const onEnd = () =>
    emit({
      ev: 'lost',
      term: handle.term,
      reason: handle.signal.reason?.reason ?? 'unknown',
      mono: nowMono(),
    });
  if (handle.signal.aborted) onEnd();
  else handle.signal.addEventListener('abort', onEnd, { once: true });
});
election.on('leader-changed', ({ leader, term }) =>
  emit({ ev: 'leader-changed', leader, term, mono: nowMono() }),
);

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  emit({ ev: 'sigterm', mono: nowMono() });
  const deadline = setTimeout(() => process.exit(3), 5_000);
  election.stop().then(
    () => {
      clearTimeout(deadline);
      emit({ ev: 'stopped', mono: nowMono() });
      process.exit(0);
    },
    (error) => {
      logger.error('stop failed', { error: String(error) });
      process.exit(4);
    },
  );
});

const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  const command = line.trim();
  if (command === 'trace on') {
    tracing = true;
  } else if (command === 'trace off') {
    tracing = false;
    inFlight.clear();
  } else if (command === 'stats') {
    const memory = process.memoryUsage();
    emit({
      ev: 'stats',
      mono: nowMono(),
      cpu: process.cpuUsage(),
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      role: election.status === 'running' ? election.inspect().role : election.status,
      roundTrips,
    });
    roundTrips = [];
  }
});
// The orchestrator is gone (or closed our stdin to end us): leave at once.
commands.on('close', () => process.exit(0));

try {
  await election.start();
  emit({ ev: 'ready', id: election.id, pid: process.pid, mono: nowMono() });
} catch (error) {
  emit({ ev: 'error', message: String(error?.stack ?? error) });
  process.exit(2);
}

function safeJson(value) {
  try {
    return value === undefined ? '' : JSON.stringify(value);
  } catch {
    return String(value);
  }
}
