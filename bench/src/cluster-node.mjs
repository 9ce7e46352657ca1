// One node of the benchmark cluster: a LeaderElection over libp2p with a FileStateStore, in a process of its own.
// Started by cluster-bench.mjs with its configuration as JSON in argv[2]:
//   { clusterId, dataDir, listen, bootstrap: [multiaddr/p2p/id], voters: [peer id], membership?: true,
//     timings?: { electionTimeoutMin, electionTimeoutMax, heartbeatInterval, ... } }
// `timings` are spread into the LeaderElection's options (default: the defaults).
// With `groups: N` (groups.mjs) the node asks for election groups g1 ... gN and reports their leaderships:
//   {"ev":"group-leader","group","term","mono"}  leads `group` (mono = when its lease became valid)
//   {"ev":"group-lost","group","term","reason","mono"}
// The peer key is already in dataDir (written by the orchestrator), so every voter id is known in advance.
// With `membership` (membership-processes.mjs) the autopilot runs with its defaults, `voters` may be empty (the
// node joins as an observer), and the node reports each configuration it installs:
//   {"ev":"voters","voters","version","mono"}
//
// It writes one JSON line to stdout per fact the orchestrator needs. Every timestamp is `mono`: nanoseconds of
// CLOCK_MONOTONIC as a decimal string (process.hrtime.bigint()), which every process on the machine shares.
//   {"ev":"loaded","mono"}                       the imports ran (Node, libp2p and Baton loaded), nothing started
//   {"ev":"ready","rssLoaded"}                   the election started (store open, transport listening)
//   {"ev":"leader","term","mono","leaseEnd","traced"}  holds a lease: mono = when the lease became valid;
//                                                leaseEnd = its end then; traced = lease extensions are reported
//   {"ev":"lost","term","reason","mono"}         leadership ended (the handle's signal aborted, synchronously)
//   {"ev":"leader-changed","leader","term"}      the leader this node follows
//   {"ev":"hb","round","mono"}                   (tracing) a heartbeat round went out
//   {"ev":"lease","term","end"}                  the lease was extended to `end` (always: the overlap needs it)
//   {"ev":"transfer","term","mono"}              timeout-now sent: the lease of `term` was given up before
//   {"ev":"campaign","term","mono"}              the first vote request of a campaign in `term` went out
//   {"ev":"pre-vote","term","mono"}              the first pre-vote request of a pre-vote round went out
//   {"ev":"peer","peers","mono"}                 a peer connected; `peers`: how many are connected now
//   {"ev":"trace","on"}                          a trace command took effect
//   {"ev":"stats",...}                           answer to the `stats` command: cpuUsage, memory, round trips,
//                                                election messages sent and delivered (`messages`), and the
//                                                transport's counters (`transport`: framesSent, ...)
// With BENCH_TRACE_ELECTION=1 (a post-mortem of elections, off in the benchmark's figures):
//   {"ev":"tx"|"rx","type","to"|"from","term","granted"?,"mono"}  every election message but heartbeats
//   {"ev":"saved","term","votedFor","startMono","mono"}           a save of the state store, begun and done
// Commands on stdin, one per line: `trace on`, `trace off` (heartbeat lines and round trips; on from the
// start), `stats`. When stdin closes (the orchestrator is gone),
// the node exits at once. SIGTERM: `election.stop()` (a leader hands over), then exit.
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { FileStateStore, LeaderElection, resolveElectionOptions } from '@baton/core';
import { libp2pTransport } from '@baton/transport-libp2p';
import { childLogger, emit, nowMono } from './child-lines.mjs';

/** Node, libp2p and Baton loaded (imports run first), nothing started: the floor under the idle RSS. */
const rssLoaded = process.memoryUsage().rss;
process.stdout.write(`${JSON.stringify({ ev: 'loaded', mono: process.hrtime.bigint().toString() })}\n`);
const config = JSON.parse(process.argv[2] ?? '{}');
const timings = config.timings ?? {};
const LEASE_MS = resolveElectionOptions({ clusterId: config.clusterId, ...timings }).options.leaseDuration;

// performance.now() (what the runtime reports) and hrtime both read CLOCK_MONOTONIC; convert once.
const hrOrigin = process.hrtime.bigint();
const perfOrigin = performance.now();
/** @param {number} perfMs a performance.now() reading @returns {bigint} the same instant in hrtime nanoseconds */
const monoOf = (perfMs) => hrOrigin + BigInt(Math.round((perfMs - perfOrigin) * 1e6));
const logger = childLogger;

/** Election messages and saves, one line each (BENCH_TRACE_ELECTION=1). */
const traceElection = process.env.BENCH_TRACE_ELECTION === '1';
/** @param {'tx' | 'rx'} ev @param {any} message */
function traceMessage(ev, message) {
  if (!traceElection || message.type === 'heartbeat' || message.type === 'heartbeat-response') return;
  const peer = ev === 'tx' ? { to: message.to.slice(-6) } : { from: message.from.slice(-6) };
  emit({ ev, type: message.type, ...peer, term: message.term, granted: message.granted, mono: nowMono() });
}

/** Heartbeat lines and round-trip samples. Lease extensions are always reported. */
let tracing = true;
/** Time spent in the observing code below (ms), so that its share of the idle CPU can be told apart. */
let tracingMs = 0;
/** Heartbeats in flight: `${to}/${round}` → performance.now() at send (tracing only). */
const inFlight = new Map();
/** Election round trips (heartbeat → its acknowledgement) measured while tracing, in ms. */
let roundTrips = [];
let lastRound = 0;
/** The latest lease end reported, by term (performance.now() ms). */
const leaseEnds = new Map();
/** Election messages handed to the transport, and delivered by it to the election, since the start. */
const messages = { sent: 0, received: 0 };

const transport = libp2pTransport({
  clusterId: config.clusterId,
  listen: [config.listen],
  bootstrap: config.bootstrap,
  dataDir: config.dataDir,
  logger,
});

// Observe election traffic without changing it: the heartbeat rounds this node sends as leader (while
// tracing), and the acknowledgements that extend its lease (always).
const send = transport.send.bind(transport);
let lastCampaign = 0;
/** The pre-vote round in progress: its requests go out together, in one step. */
let preVoteRound = null;
transport.send = (message) => {
  messages.sent++;
  traceMessage('tx', message);
  // A leader hands over by giving its lease up and then telling the successor to campaign: the moment it
  // sends timeout-now bounds its lease's end, even when the became-leader handler has not run yet.
  if (message.type === 'timeout-now') emit({ ev: 'transfer', term: message.term, mono: nowMono() });
  // A candidate's vote requests leave once its new term and its own vote are saved.
  if (message.type === 'vote' && message.term !== lastCampaign) {
    lastCampaign = message.term;
    emit({ ev: 'campaign', term: message.term, mono: nowMono() });
  }
  if (message.type === 'pre-vote' && preVoteRound === null) {
    preVoteRound = message.term;
    emit({ ev: 'pre-vote', term: message.term, mono: nowMono() });
    queueMicrotask(() => {
      preVoteRound = null;
    });
  }
  if (tracing && message.type === 'heartbeat') {
    const at = performance.now();
    const t0 = at;
    if (message.round !== lastRound) {
      lastRound = message.round;
      emit({ ev: 'hb', round: message.round, mono: monoOf(at).toString() });
    }
    inFlight.set(`${message.to}/${message.round}`, at);
    tracingMs += performance.now() - t0;
  }
  send(message);
};
const start = transport.start.bind(transport);
transport.start = (handlers, options) =>
  start(
    {
      ...handlers,
      onMessage: (message) => {
        messages.received++;
        traceMessage('rx', message);
        handlers.onMessage(message);
        if (message.type === 'heartbeat-response') {
          const t0 = performance.now();
          afterAck(message);
          tracingMs += performance.now() - t0;
        }
      },
    },
    options,
  );

/** Acknowledgements per heartbeat round, by `term/round`. */
const acksByRound = new Map();
/** Acknowledgements from others that, with this node's own, make a majority of the voters (now). */
const quorumOthers = () => Math.floor(election.membership().voters.length / 2);

function afterAck(message) {
  if (tracing) {
    const key = `${message.from}/${message.round}`;
    const sentAt = inFlight.get(key);
    if (sentAt !== undefined) {
      inFlight.delete(key);
      roundTrips.push(performance.now() - sentAt);
    }
    if (inFlight.size > 1000) inFlight.clear();
  }
  if (!message.ok || !election.isLeader()) return;
  // Only the acknowledgement that completes a majority for a round can extend the lease; read the lease
  // then (inspect() costs tens of microseconds: once per round, not once per acknowledgement). The runtime
  // stepped the machine synchronously, so the lease already reflects this acknowledgement.
  const round = `${message.term}/${message.round}`;
  const count = (acksByRound.get(round) ?? 0) + 1;
  acksByRound.set(round, count);
  if (acksByRound.size > 64) acksByRound.delete(acksByRound.keys().next().value);
  if (count !== quorumOthers()) return;
  // A late acknowledgement of an earlier term of this node (it leads again, in a newer term) extends
  // nothing: the machine drops it. Counted, it would stretch the old term's lease over another leader's.
  const { term, leaseRemaining } = election.inspect();
  if (term !== message.term) return;
  const end = performance.now() + leaseRemaining;
  if (end > (leaseEnds.get(message.term) ?? Number.NEGATIVE_INFINITY) + 0.001) {
    leaseEnds.set(message.term, end);
    if (leaseEnds.size > 16) leaseEnds.delete(leaseEnds.keys().next().value);
    // Comes before the `leader` line of the term: the became-leader handler runs in a later task.
    emit({ ev: 'lease', term: message.term, end: monoOf(end).toString() });
  }
}

// Garbage-collection pauses: a pause longer than maxEventLoopStall (the lease's slack between renewals,
// 85.7 ms at the default timings) ends a leadership. The bound is read from the runtime once it runs.
let stallBoundMs = Number.POSITIVE_INFINITY;
const gc = { count: 0, totalMs: 0, maxMs: 0, overStallBound: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.count++;
    gc.totalMs += entry.duration;
    gc.maxMs = Math.max(gc.maxMs, entry.duration);
    if (entry.duration > stallBoundMs) gc.overStallBound++;
  }
}).observe({ entryTypes: ['gc'] });

const store = new FileStateStore(config.dataDir);
if (traceElection) {
  const save = store.save.bind(store);
  store.save = async (state) => {
    const startMono = nowMono();
    await save(state);
    emit({
      ev: 'saved',
      term: state.term,
      votedFor: state.votedFor?.slice(-6) ?? null,
      startMono,
      mono: nowMono(),
    });
  };
}
const election = new LeaderElection({
  clusterId: config.clusterId,
  ...timings,
  voters: config.voters,
  transport,
  store,
  logger,
  // A fixed set of five voters that restart on their disks between trials, as the figures are defined; with
  // the autopilot on, a stopped voter would be removed and promoted again after its restart.
  ...(config.membership ? {} : { autopilot: false }),
});

election.on('became-leader', (handle) => {
  // The lease as last reported for this term; if it is still held, as it stands now. The handler runs a
  // task after the lease began, possibly after an event-loop stall ended it: then only a reported end counts,
  // and without one, the longest the first lease can have lasted.
  let leaseEnd = leaseEnds.get(handle.term) ?? Number.NEGATIVE_INFINITY;
  if (election.isLeader())
    leaseEnd = Math.max(leaseEnd, performance.now() + election.inspect().leaseRemaining);
  if (!Number.isFinite(leaseEnd)) leaseEnd = handle.since + LEASE_MS;
  emit({
    ev: 'leader',
    term: handle.term,
    traced: true, // lease extensions are always reported
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
for (let i = 1; i <= (config.groups ?? 0); i++) {
  const name = `g${i}`;
  election.group(name).on('became-leader', (handle) => {
    emit({ ev: 'group-leader', group: name, term: handle.term, mono: monoOf(handle.since).toString() });
    const onEnd = () =>
      emit({
        ev: 'group-lost',
        group: name,
        term: handle.term,
        reason: handle.signal.reason?.reason ?? 'unknown',
        mono: nowMono(),
      });
    if (handle.signal.aborted) onEnd();
    else handle.signal.addEventListener('abort', onEnd, { once: true });
  });
}
if (config.membership) {
  election.on('voters-changed', ({ configuration }) =>
    emit({ ev: 'voters', voters: configuration.voters, version: configuration.version, mono: nowMono() }),
  );
}
election.on('peer-joined', () => emit({ ev: 'peer', peers: election.peerCount(), mono: nowMono() }));
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
    emit({ ev: 'trace', on: true });
  } else if (command === 'trace off') {
    tracing = false;
    inFlight.clear();
    emit({ ev: 'trace', on: false });
  } else if (command === 'stats') {
    const memory = process.memoryUsage();
    emit({
      ev: 'stats',
      mono: nowMono(),
      cpu: process.cpuUsage(),
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      election: election.status === 'running' ? electionState() : election.status,
      tracingMs,
      gc,
      roundTrips,
      messages,
      transport: transport.stats(),
    });
    roundTrips = [];
  }
});
// The orchestrator is gone (or closed our stdin to end us): leave at once.
commands.on('close', () => process.exit(0));

try {
  await election.start();
  stallBoundMs = election.inspect().eventLoop.maxStall;
  emit({ ev: 'ready', id: election.id, pid: process.pid, mono: nowMono(), rssLoaded });
} catch (error) {
  emit({ ev: 'error', message: String(error?.stack ?? error) });
  process.exit(2);
}

/** What the runtime and its machine say about this node's role, for the orchestrator's failure reports. */
function electionState() {
  const { role, term, leader, isLeader, leaseRemaining, leadership, eventLoop } = election.inspect();
  return { role, term, leader, isLeader, leaseRemaining, leadership, stalls: eventLoop.stalls };
}
