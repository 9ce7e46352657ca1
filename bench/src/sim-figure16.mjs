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
// - Networks: "paper", one-way delays uniform in 6-9 ms (round trip 12-18 ms, about the paper's 15 ms broadcast
//   time); "loopback", one-way 0.10-0.15 ms with 2 % of messages at 0.75-3 ms (round trips as measured for
//   libp2p on loopback in PRIOR-ART.md: 0.2-0.3 ms median, 1.5-3.6 ms at the 99th percentile).
//
// SimCluster has no "crash at a random point of the heartbeat interval" helper: it is built here from
// `machine(id).nextDeadline()` (a leader's next deadline is its next heartbeat) and `localTime(id)`.
import { SimCluster } from '@baton/core/testing';
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
  paper: { baseMs: 6, jitterMs: 3, slowRate: 0, slowMinMs: 0, slowMaxMs: 0 },
  loopback: { baseMs: 0.1, jitterMs: 0.05, slowRate: 0.02, slowMinMs: 0.75, slowMaxMs: 3 },
};

/**
 * What the paper reports for a range (PRIOR-ART.md: figure 16, 5 servers, ~15 ms broadcast time).
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
export function runRow({ min, max, network, trials, seed = 1, capMs = 60_000 }) {
  const election = {
    electionTimeoutMin: min * SCALE,
    electionTimeoutMax: max === min ? min * SCALE + 1 : max * SCALE,
    heartbeatInterval: Math.round((min * SCALE) / 2),
  };
  const cap = capMs * SCALE;
  const c = SimCluster.create({
    nodes: 5,
    seed,
    election,
    clockDriftBound: 0,
    network: { latency: scaledLatency(NETWORKS[network]) },
    log: 'none',
    livenessBoundMs: Number.MAX_SAFE_INTEGER, // measuring, not checking liveness; safety is still checked
  });
  const downtimes = [];
  const elected = [];
  let splitTrials = 0;
  let elections = 0;
  let censored = 0;
  let noLeader = null;
  const stable = () => {
    const leader = c.leader();
    return leader !== null && c.voters.every((id) => !c.isCrashed(id) && c.knownLeader(id) === leader);
  };
  try {
    c.runUntil(stable, { within: cap });
  } catch {
    noLeader = `no node ever held a lease within ${capMs / 1000} s`;
  }
  for (let trial = 0; trial < trials && noLeader === null; trial++) {
    c.runUntil(stable, { within: cap });
    const leader = /** @type {string} */ (c.leader());
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
          const now = c.leader();
          return now !== null && now !== leader;
        },
        { within: cap - (wonAt - crashedAt) },
      );
      elected.push((wonAt - crashedAt) / SCALE);
      downtimes.push((leaseAt - crashedAt) / SCALE);
    } catch {
      censored++;
      downtimes.push(capMs);
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
  for (const network of /** @type {const} */ (['paper', 'loopback'])) {
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
