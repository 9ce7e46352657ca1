// Figure 16 of the Raft paper (Ongaro and Ousterhout, extended version), redone with Baton's state machine in
// the deterministic simulator of @baton/core/testing: the downtime after a leader crash, for several ranges of
// election timeouts, 5 nodes, the leader crashed at a uniformly random point of its heartbeat interval.
//
// How it is set up, and why:
// - As in the paper, the heartbeat interval is half the minimum election timeout (75 ms for 150-x, 6 ms for 12-24).
// - Time is simulated in units of 1/SCALE ms. The machine draws integer timeouts in [min, max), so in
//   milliseconds 150-151 would always give 150; in units of 10 µs it is a real 1 ms of randomness. The paper's
//   150-150 (no randomness) is max = min + 1 unit, which draws exactly `min` every time (our options require
//   max > min).
// - Clocks do not drift (real quartz clocks are within 100 ppm); the election still assumes the default
//   clockDriftBound of 5 %, so the lease is 150 × 0.95 / 1.05 = 135.7 ms of 150.
// - Downtime ends when a new leader holds a lease (a majority acknowledged its first heartbeat), which is when
//   Baton lets it act. That is one round trip later than the paper's "new leader elected"; pre-vote adds one
//   more round trip before the vote. `elected` columns give the time until a node wins its vote, to compare.
// - Networks (one-way delays):
//   "paper": the paper's ~15 ms broadcast time is mostly stable storage ("RPCs require the recipient to persist
//     information to stable storage, broadcast time may range from 0.5ms to 20ms, depending on storage
//     technology", section 5.6). Modelled as a LAN (0.1-0.5 ms) plus a write of 10-18 ms before every message
//     whose state had to be persisted first (a vote request, a granted vote: Ready.persist, as the runtime
//     does: persist, then send). Heartbeats and their acknowledgements carry no new state and are not delayed.
//   "rtt15": the same 15 ms as pure network delay, 6-9 ms each way, storage instant. A vote request then
//     reaches the others 6-9 ms after the candidate's timeout, so a 5 ms spread of timeouts cannot separate
//     candidates.
//   "loopback": 0.10-0.15 ms with 2 % of messages at 0.75-3 ms (round trips as measured for libp2p on
//     loopback while Baton was designed: 0.2-0.3 ms median, 1.5-3.6 ms at the 99th percentile; this machine's
//     figures are in packages/transport-libp2p/README.md), storage instant.
//
// Hooks built here on SimCluster's public API: "crash at a random point of the heartbeat interval" (from
// `machine(id).nextDeadline()`, a leader's next heartbeat, and `localTime(id)`), and the storage delay (a
// `createMachine` that notes whether each Ready persists, and a wrapper around `network.transitDelay()`, which
// the cluster calls for each message of that Ready right after draining it).
import { ElectionMachine } from '@baton/core';
import { Prng, SimCluster } from '@baton/core/testing';
import { percentile, round } from './stats.mjs';

/** Simulated time units per millisecond. */
const SCALE = 100;

/** The ranges of figure 16 (top graph, plus the fastest of the bottom graph). */
export const RANGES = [
  [150, 150],
  [150, 151],
  [150, 155],
  [150, 175],
  [150, 200],
  [150, 300],
  [12, 24],
];

/** One-way latency models, in milliseconds (see the header). */
export const NETWORKS = {
  paper: { baseMs: 0.1, jitterMs: 0.4, slowRate: 0, slowMinMs: 0, slowMaxMs: 0, persistMs: [10, 18] },
  rtt15: { baseMs: 6, jitterMs: 3, slowRate: 0, slowMinMs: 0, slowMaxMs: 0, persistMs: null },
  loopback: { baseMs: 0.1, jitterMs: 0.05, slowRate: 0.02, slowMinMs: 0.75, slowMaxMs: 3, persistMs: null },
};

/**
 * What the paper reports for a range (its figure 16: 5 servers, ~15 ms broadcast time).
 * @type {Record<string, string>}
 */
export const PAPER = {
  '150-150': 'over 10 s (split votes)',
  '150-155': 'median 287 ms',
  '150-200': 'worst 513 ms',
  '12-24': 'mean 35 ms, worst 152 ms',
};

/** @param {typeof NETWORKS.paper} model */
function scaledLatency(model) {
  return {
    baseMs: model.baseMs * SCALE,
    jitterMs: model.jitterMs * SCALE,
    slowRate: model.slowRate,
    slowMinMs: model.slowMinMs * SCALE,
    slowMaxMs: model.slowMaxMs * SCALE,
    stallRate: 0,
  };
}

/**
 * Crashes the leader `trials` times and measures the downtime after each crash.
 * @param {{ min: number, max: number, network: keyof typeof NETWORKS, trials: number, seed?: number,
 *   capMs?: number }} row
 */
export function runRow({ min, max, network, trials, seed = 1, capMs = 20_000 }) {
  const election = {
    electionTimeoutMin: min * SCALE,
    electionTimeoutMax: max === min ? min * SCALE + 1 : max * SCALE,
    heartbeatInterval: Math.round((min * SCALE) / 2),
  };
  const cap = capMs * SCALE;
  const model = NETWORKS[network];
  const storage = new Prng(seed * 7919 + 17);
  /** Per node: the virtual instant its last save completes (saves run one at a time, in order). */
  const diskFreeAt = new Map();
  /** Extra delay of the messages of the Ready drained last: until every save up to its own is durable. */
  let persistDelay = 0;
  /** @type {SimCluster | undefined} */
  let cluster;
  const c = SimCluster.create({
    nodes: 5,
    seed,
    election,
    clockDriftBound: 0,
    network: { latency: scaledLatency(model) },
    log: 'none',
    livenessBound: Number.MAX_SAFE_INTEGER, // measuring, not checking liveness; safety is still checked
    createMachine: (init) => {
      const machine = new ElectionMachine(init);
      if (model.persistMs === null) return machine;
      const drain = machine.ready.bind(machine);
      machine.ready = () => {
        const ready = drain();
        const now = cluster?.now ?? 0;
        // As the runtime's PersistPipeline: a batch with state starts a save after the ones in flight; a batch
        // without waits behind them; its messages leave when the saves are done.
        let doneAt = Math.max(now, diskFreeAt.get(init.id) ?? 0);
        if (ready.persist !== null) {
          const [lo, hi] = model.persistMs;
          doneAt += (lo + (hi - lo) * storage.next()) * SCALE;
          diskFreeAt.set(init.id, doneAt);
        }
        persistDelay = doneAt - now;
        return ready;
      };
      return machine;
    },
  });
  cluster = c;
  const transit = c.network.transitDelay.bind(c.network);
  c.network.transitDelay = () => {
    const delay = transit();
    return delay < 0 ? delay : delay + persistDelay;
  };
  const downtimes = [];
  const elected = [];
  let splitTrials = 0;
  let elections = 0;
  let censored = 0;
  let noLeader = null;
  const stable = () => {
    const leader = c.leaseHolder();
    return leader !== null && c.voters.every((id) => !c.isCrashed(id) && c.leader(id) === leader);
  };
  try {
    c.runUntil(stable, { within: cap });
  } catch {
    const { electionsStarted, electionsWon } = c.stats();
    noLeader = `no node ever held a lease within ${capMs / 1000} s (${electionsStarted} campaigns, ${electionsWon} won)`;
  }
  for (let trial = 0; trial < trials && noLeader === null; trial++) {
    try {
      c.runUntil(stable, { within: cap });
    } catch {
      noLeader = `the cluster did not settle within ${capMs / 1000} s after a restart`;
      break;
    }
    const leader = /** @type {string} */ (c.leaseHolder());
    // Move to the instant of the leader's next heartbeat, then a uniformly random part of the interval on.
    const machine = c.machine(leader);
    c.runFor(Math.max(0, machine.nextDeadline() - c.localTime(leader)));
    c.runFor(phase(seed, trial) * election.heartbeatInterval);
    const crashedAt = c.now;
    const before = c.stats();
    c.crash(leader);
    try {
      const wonAt = c.runUntil(() => c.voters.some((id) => id !== leader && c.role(id) === 'leader'), {
        within: cap,
      });
      const leaseAt = c.runUntil(
        () => {
          const now = c.leaseHolder();
          return now !== null && now !== leader;
        },
        { within: cap - (wonAt - crashedAt) },
      );
      elected.push((wonAt - crashedAt) / SCALE);
      downtimes.push((leaseAt - crashedAt) / SCALE);
    } catch {
      censored++;
      downtimes.push(capMs);
      if (censored >= 3) {
        noLeader = `no new leader within ${capMs / 1000} s in ${censored} trials: row abandoned`;
        break;
      }
    }
    const after = c.stats();
    if (after.splitVotes > before.splitVotes) splitTrials++;
    elections += after.electionsStarted - before.electionsStarted;
    c.restart(leader);
  }
  const n = downtimes.length;
  return {
    range: `${min}-${max}`,
    network,
    median_ms: round(percentile(downtimes, 0.5)),
    p99_ms: round(percentile(downtimes, 0.99)),
    max_ms: n === 0 ? null : round(Math.max(...downtimes)),
    split_vote_rate: n === 0 ? null : round(splitTrials / n, 3),
    mean_ms: n === 0 ? null : round(downtimes.reduce((a, b) => a + b, 0) / n),
    elected_median_ms: round(percentile(elected, 0.5)),
    elected_max_ms: elected.length === 0 ? null : round(Math.max(...elected)),
    campaigns_per_failover: n === 0 ? null : round(elections / n, 2),
    trials: n,
    censored,
    violations: c.violations.length,
    note: noLeader,
    timeout_ms: `${election.electionTimeoutMin / SCALE}-${election.electionTimeoutMax / SCALE}`,
    heartbeat_ms: election.heartbeatInterval / SCALE,
  };
}

/** A reproducible uniform number in [0, 1) for trial `trial` of a row seeded with `seed` (splitmix32). */
function phase(seed, trial) {
  let z = (Math.imul(seed, 0x9e3779b9) + Math.imul(trial + 1, 0x85ebca6b)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return ((z ^ (z >>> 15)) >>> 0) / 2 ** 32;
}

/**
 * Every row of the figure on both networks.
 * @param {{ trials?: number, log?: (line: string) => void }} [options]
 */
export function runFigure16(options = {}) {
  const trials = options.trials ?? 1000;
  const rows = [];
  let seed = 1;
  for (const network of /** @type {const} */ (['paper', 'rtt15', 'loopback'])) {
    for (const [min, max] of RANGES) {
      const started = performance.now();
      const row = runRow({ min, max, network, trials, seed: seed++ });
      options.log?.(
        `sim ${row.range} ${network}: median ${row.median_ms} ms (${((performance.now() - started) / 1000).toFixed(1)} s)`,
      );
      rows.push(row);
    }
  }
  return rows;
}
