// Messages per second through one node's election state machine (no network, no disk, no timers): each
// message is handed to `receive(message, now)` and the machine's output drained with `ready()`, as the runtime
// does after every input.
//
// Scenarios (5 voters, default timings):
// - follower ← heartbeat: the steady state of every follower (one acknowledgement out per heartbeat);
// - follower ← pre-vote and vote requests: a new term every time (vote granted, state to persist, reply out);
// - leader ← heartbeat acknowledgements: the steady state of the leader, with `advance(now)` starting a new
//   heartbeat round (4 heartbeats out) after every 4 acknowledgements; the lease is extended by each quorum.
import { ElectionMachine } from '@baton/core';

const VOTERS = ['n1', 'n2', 'n3', 'n4', 'n5'];
const OPTIONS = { clusterId: 'bench', voters: VOTERS };
const ENVELOPE = { cluster: 'bench' };
/** The configuration every machine starts with (`voters` at version 1, formed in term 0). */
const CONFIGURATION = { term: 0, version: 1 };

/** A machine whose random source is fixed (the timeouts do not matter here). */
function machine(id, now = 0) {
  return new ElectionMachine({ id, options: OPTIONS, state: null, random: () => 0.5, now });
}

/**
 * Runs `step` (which handles `batch` messages) until `durationMs` has passed; returns messages per second.
 * @param {number} durationMs
 * @param {number} batch
 * @param {() => void} step
 */
function measure(durationMs, batch, step) {
  // Warm up the JIT first, so that the figure is the steady state.
  const warmUntil = performance.now() + Math.min(200, durationMs / 2);
  while (performance.now() < warmUntil) step();
  let messages = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < 64; i++) step();
    messages += 64 * batch;
    elapsed = performance.now() - started;
  }
  return (messages / elapsed) * 1000;
}

function drain(m) {
  if (m.hasReady()) return m.ready();
  return null;
}

/** Follower n2 receiving heartbeats of leader n1 in term 1. */
function followerHeartbeats(durationMs) {
  const m = machine('n2');
  let now = 200; // past the start-up stickiness
  let round = 0;
  let sent = 0;
  const rate = measure(durationMs, 1, () => {
    now += 0.01;
    const heartbeat = {
      type: 'heartbeat',
      from: 'n1',
      to: 'n2',
      term: 1,
      round: ++round,
      configuration: CONFIGURATION,
    };
    m.receive({ ...ENVELOPE, ...heartbeat }, now);
    sent += drain(m)?.messages.length ?? 0;
  });
  if (sent === 0 || m.leader !== 'n1')
    throw new Error('core bench: the follower did not acknowledge heartbeats');
  return rate;
}

/** Follower n2 receiving, for term after term, a pre-vote and then a vote request from n1 or n3. */
function followerVotes(durationMs) {
  const m = machine('n2');
  let now = 200;
  let term = 0;
  let granted = 0;
  const rate = measure(durationMs, 2, () => {
    now += 0.01;
    term += 1;
    const from = term % 2 === 0 ? 'n1' : 'n3';
    m.receive({ ...ENVELOPE, type: 'pre-vote', from, to: 'n2', term, configuration: CONFIGURATION }, now);
    drain(m);
    const vote = { type: 'vote', from, to: 'n2', term, configuration: CONFIGURATION, transfer: false };
    m.receive({ ...ENVELOPE, ...vote }, now);
    const ready = drain(m);
    if (ready?.messages[0]?.granted) granted++;
  });
  if (granted === 0) throw new Error('core bench: the follower granted no vote');
  return rate;
}

/** Leader n1 of term 1 receiving the acknowledgements of its heartbeat rounds. */
function leaderAcks(durationMs) {
  const m = machine('n1');
  let now = m.nextDeadline();
  m.advance(now); // election timeout: pre-vote
  drain(m);
  for (const from of ['n2', 'n3'])
    m.receive({ ...ENVELOPE, type: 'pre-vote-response', from, to: 'n1', term: 1, granted: true }, now);
  drain(m);
  for (const from of ['n2', 'n3'])
    m.receive({ ...ENVELOPE, type: 'vote-response', from, to: 'n1', term: 1, granted: true }, now);
  const won = drain(m);
  if (m.role !== 'leader' || won === null) throw new Error('core bench: n1 did not become leader');
  let round = 1;
  // What the followers hold once they adopted the new leader's (re-stamped) configuration.
  const configuration = { term: m.configuration.term, version: m.configuration.version };
  const rate = measure(durationMs, 4, () => {
    for (const from of ['n2', 'n3', 'n4', 'n5']) {
      const ack = {
        type: 'heartbeat-response',
        from,
        to: 'n1',
        term: 1,
        round,
        ok: true,
        configuration,
        leaving: false,
      };
      m.receive({ ...ENVELOPE, ...ack }, now);
      drain(m);
    }
    now += 50; // the next heartbeat is due
    m.advance(now);
    drain(m);
    round += 1;
  });
  if (!m.isLeader(now)) throw new Error('core bench: the leader lost its lease');
  return rate;
}

/**
 * @param {{ durationMs?: number }} [options] how long each scenario runs
 */
export function runCoreThroughput(options = {}) {
  const durationMs = options.durationMs ?? 1_000;
  const scenarios = {
    follower_heartbeats: followerHeartbeats(durationMs),
    follower_votes: followerVotes(durationMs),
    leader_acks: leaderAcks(durationMs),
  };
  const rates = Object.values(scenarios);
  // The harmonic mean: the rate of a stream with equal numbers of each kind of message.
  const mixed = rates.length / rates.reduce((sum, r) => sum + 1 / r, 0);
  return { msgs_per_s: Math.round(mixed), scenarios: mapValues(scenarios, Math.round) };
}

function mapValues(object, fn) {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, fn(v)]));
}
