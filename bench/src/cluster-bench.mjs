// A real Baton cluster: K node processes (cluster-node.mjs) over libp2p on loopback, default timings.
// Measures cold start, crash failover (kill -9 of the leader), graceful handover (SIGTERM of the leader), the
// overlap of leases between processes, idle CPU and memory, and the election round trip over libp2p.
//
// Every timestamp is CLOCK_MONOTONIC (process.hrtime.bigint() here, and in the nodes), so times taken in
// different processes compare directly.
//
// Processes: each node runs in a process group of its own; all of them are killed when this process exits,
// fails or is interrupted, and a node exits by itself when its stdin (a pipe from here) closes.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { resolveElectionOptions } from '@baton/core';
import { loadOrCreatePeerKey } from '@baton/transport-libp2p';
import { percentile, round, sleep } from './stats.mjs';

const NODE_SCRIPT = fileURLToPath(new URL('./cluster-node.mjs', import.meta.url));
const CLUSTER_ID = 'bench';
/** Extra node flags for the node processes, e.g. BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof'. */
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const base = process.hrtime.bigint();
/** Milliseconds since this module loaded, on CLOCK_MONOTONIC. */
export const nowMs = () => Number(process.hrtime.bigint() - base) / 1e6;
/** @param {string} mono nanoseconds as a decimal string @returns {number} ms on nowMs's scale */
const toMs = (mono) => Number(BigInt(mono) - base) / 1e6;

/** Every child process group started here, so that nothing outlives the benchmark. */
const groups = new Set();
function killAllGroups() {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  groups.clear();
}
process.on('exit', killAllGroups);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    killAllGroups();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

/**
 * @typedef {{ node: number, incarnation: number, term: number, start: number, leaseEnd: number,
 *   traced: boolean, transferAt: number, end: number | null, endedBy: string | null,
 *   validEnd: number | null }} Interval
 *   One leadership of one process. `end`: when the process noticed it ended (its handle's signal aborted),
 *   or, for a process killed while leading, the end of the last lease it computed. `validEnd`: when its lease
 *   stopped being valid, `min(end, leaseEnd)`: a leader whose event loop was blocked past its lease end
 *   notices only when the loop runs again, but its lease (and `isLeader()`, which reads the clock) ended at
 *   `leaseEnd`. That needs every extension of the lease reported (`traced`); when some may not have been
 *   (tracing was off), `validEnd` is `end` for a live process and, for a killed one, its exit plus a whole
 *   lease, the most it could have had. `transferAt`: when it sent timeout-now in that term (it gave its
 *   lease up before); this bounds the end when the `lost` line comes late (the became-leader handler runs in
 *   a later task, and a leadership can end before it runs: its `lost` time is then the handler's).
 */

export class Cluster {
  /**
   * @param {{ nodes: number, dir: string, log: (line: string) => void, timings?: Record<string, number>,
   *   onSpawn?: (index: number, pid: number) => void }} init
   *   `timings`: election options every node runs with (`electionTimeoutMin`, ...; default: the defaults).
   *   `onSpawn`: called synchronously once a node's process exists (cpu-limit.mjs puts it in a cgroup).
   */
  constructor({ nodes, dir, log, timings = {}, onSpawn }) {
    this.size = nodes;
    this.dir = dir;
    this.log = log;
    this.timings = timings;
    this.timing = resolveElectionOptions({ clusterId: CLUSTER_ID, ...timings }).options;
    this.onSpawn = onSpawn;
    /** @type {Interval[]} */
    this.intervals = [];
    /** @type {Set<() => void>} */
    this.listeners = new Set();
    /** @type {any[]} */
    this.nodes = [];
    this.incarnations = 0;
    /** Every line from every node, for a post-mortem (kept when the run finds a problem). */
    this.events = createWriteStream(join(dir, 'events.jsonl'));
  }

  async prepare() {
    const ports = await freePorts(this.size);
    for (let i = 0; i < this.size; i++) {
      const dataDir = join(this.dir, `node-${i + 1}`);
      const key = await loadOrCreatePeerKey(dataDir);
      this.nodes.push({ index: i, id: key.publicKey.toString(), port: ports[i], dataDir, proc: null });
    }
    const voters = this.nodes.map((n) => n.id);
    for (const node of this.nodes) {
      node.config = {
        clusterId: CLUSTER_ID,
        dataDir: node.dataDir,
        listen: `/ip4/127.0.0.1/tcp/${node.port}`,
        bootstrap: this.nodes
          .filter((other) => other !== node)
          .map((other) => `/ip4/127.0.0.1/tcp/${other.port}/p2p/${other.id}`),
        voters,
        timings: this.timings,
      };
    }
  }

  /** Starts node `i` (again); resolves once the process is spawned. */
  spawn(i) {
    const node = this.nodes[i];
    if (node.proc?.alive) throw new Error(`node ${i + 1} is already running`);
    const child = spawn(process.execPath, [...NODE_FLAGS, NODE_SCRIPT, JSON.stringify(node.config)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // a process group of its own: killed as a group
    });
    groups.add(child.pid);
    this.onSpawn?.(i, child.pid);
    const incarnation = ++this.incarnations;
    const stderr = createWriteStream(join(this.dir, `node-${i + 1}.log`), { flags: 'a' });
    const proc = {
      child,
      pid: child.pid,
      incarnation,
      alive: true,
      ready: false,
      leading: /** @type {Interval | null} */ (null),
      knownLeader: /** @type {string | null} */ (null),
      heartbeats: /** @type {number[]} */ ([]),
      /** The latest lease end reported, by term. */
      leaseEnds: /** @type {Map<number, number>} */ (new Map()),
      /** When timeout-now was first sent, by term: the lease of that term was given up before. */
      transfers: /** @type {Map<number, number>} */ (new Map()),
      /** When the first vote request of a campaign went out, by term. */
      campaigns: /** @type {Map<number, number>} */ (new Map()),
      /** When each pre-vote round's requests went out. */
      preVotes: /** @type {number[]} */ ([]),
      /** When each peer connected (the count of connected peers rises by one at each). */
      peersAt: /** @type {number[]} */ ([]),
      /** Election messages and saves (BENCH_TRACE_ELECTION=1 only), times on nowMs's scale. */
      trace: /** @type {any[]} */ ([]),
      stats: /** @type {any[]} */ ([]),
      stderrTail: /** @type {string[]} */ ([]),
      spawnedAt: nowMs(),
      loadedAt: Number.NaN,
      readyAt: Number.NaN,
      exitCode: /** @type {number | string | null} */ (null),
    };
    proc.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        proc.alive = false;
        proc.exitCode = code ?? signal;
        groups.delete(child.pid);
        // A process killed while leading ends its leadership at the end of the last lease it computed.
        const exitAt = nowMs();
        for (const interval of this.intervals) {
          if (interval.incarnation === incarnation && interval.end === null) {
            interval.end = interval.traced ? interval.leaseEnd : exitAt + this.timing.leaseDuration;
            interval.validEnd = interval.end;
            interval.endedBy = 'process died';
          }
        }
        proc.leading = null;
        stderr.end();
        this.notify();
        resolve();
      });
    });
    child.on('error', (error) => this.log(`node ${i + 1}: ${error.message}`));
    child.stdin.on('error', () => {}); // writing to a node that just died
    child.stderr.on('data', (chunk) => {
      stderr.write(chunk);
      proc.stderrTail.push(String(chunk));
      if (proc.stderrTail.length > 20) proc.stderrTail.shift();
    });
    createInterface({ input: child.stdout }).on('line', (line) => this.onLine(node, proc, line));
    node.proc = proc;
    return proc;
  }

  onLine(node, proc, text) {
    this.events.write(
      `${JSON.stringify({ node: node.index + 1, incarnation: proc.incarnation, at: nowMs(), text })}\n`,
    );
    let line;
    try {
      line = JSON.parse(text);
    } catch {
      this.log(`node ${node.index + 1}: ${text}`);
      return;
    }
    switch (line.ev) {
      case 'loaded':
        proc.loadedAt = toMs(line.mono);
        break;
      case 'pre-vote':
        proc.preVotes.push(toMs(line.mono));
        break;
      case 'peer':
        proc.peersAt.push(toMs(line.mono));
        break;
      case 'tx':
      case 'rx':
        proc.trace.push({ ...line, at: toMs(line.mono) });
        break;
      case 'saved':
        proc.trace.push({ ...line, begun: toMs(line.startMono), at: toMs(line.mono) });
        break;
      case 'ready':
        proc.ready = true;
        proc.readyAt = toMs(line.mono);
        proc.rssLoaded = line.rssLoaded;
        break;
      case 'leader': {
        const interval = {
          node: node.index,
          incarnation: proc.incarnation,
          term: line.term,
          start: toMs(line.mono),
          leaseEnd: Math.max(toMs(line.leaseEnd), proc.leaseEnds.get(line.term) ?? Number.NEGATIVE_INFINITY),
          traced: line.traced === true,
          transferAt: proc.transfers.get(line.term) ?? Number.POSITIVE_INFINITY,
          end: null,
          endedBy: null,
          validEnd: null,
        };
        this.intervals.push(interval);
        proc.leading = interval;
        break;
      }
      case 'campaign':
        proc.campaigns.set(line.term, toMs(line.mono));
        break;
      case 'transfer': {
        const at = toMs(line.mono);
        if (!proc.transfers.has(line.term)) proc.transfers.set(line.term, at);
        const interval = this.intervals.find(
          (i) => i.incarnation === proc.incarnation && i.term === line.term,
        );
        if (interval) interval.transferAt = Math.min(interval.transferAt, at);
        break;
      }
      case 'lease': {
        // The first one of a term comes before the term's `leader` line.
        const end = Math.max(toMs(line.end), proc.leaseEnds.get(line.term) ?? Number.NEGATIVE_INFINITY);
        proc.leaseEnds.set(line.term, end);
        if (proc.leading?.term === line.term) proc.leading.leaseEnd = Math.max(proc.leading.leaseEnd, end);
        break;
      }
      case 'lost': {
        const interval = this.intervals.find(
          (i) => i.incarnation === proc.incarnation && i.term === line.term && i.end === null,
        );
        if (interval) {
          interval.end = toMs(line.mono);
          interval.endedBy = line.reason;
          interval.validEnd = interval.traced ? Math.min(interval.end, interval.leaseEnd) : interval.end;
        }
        if (proc.leading === interval) proc.leading = null;
        break;
      }
      case 'leader-changed':
        proc.knownLeader = line.leader;
        break;
      case 'hb':
        proc.heartbeats.push(toMs(line.mono));
        if (proc.heartbeats.length > 8) proc.heartbeats.shift();
        break;
      case 'stats':
        proc.stats.push({ ...line, at: toMs(line.mono) });
        break;
      case 'error':
        this.log(`node ${node.index + 1} failed: ${line.message}`);
        break;
    }
    this.notify();
  }

  notify() {
    for (const listener of [...this.listeners]) listener();
  }

  /**
   * Resolves with the first truthy value of `probe`, checked at every line from a node and every 20 ms.
   * @template T
   * @param {() => T} probe
   * @param {number} timeoutMs
   * @param {string} what
   * @returns {Promise<NonNullable<T>>}
   */
  waitFor(probe, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      const done = () => {
        this.listeners.delete(check);
        clearInterval(poll);
        clearTimeout(timer);
      };
      const check = () => {
        const value = probe();
        if (value) {
          done();
          resolve(value);
        }
      };
      const poll = setInterval(check, 20);
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  running() {
    return this.nodes.filter((n) => n.proc?.alive);
  }

  /** The leader when exactly one running node leads and every running node follows it; else null. */
  stableLeader() {
    const running = this.running();
    if (running.length !== this.size || !running.every((n) => n.proc.ready)) return null;
    const leaders = running.filter((n) => n.proc.leading !== null);
    if (leaders.length !== 1) return null;
    const [leader] = leaders;
    return running.every((n) => n.proc.knownLeader === leader.id) ? leader : null;
  }

  /** Waits until the cluster is stable and stays so for `settleMs`. */
  async stable(timeoutMs = 30_000, settleMs = 300) {
    const deadline = nowMs() + timeoutMs;
    for (;;) {
      const remaining = deadline - nowMs();
      if (remaining <= 0) throw new Error(`the cluster did not settle within ${timeoutMs} ms`);
      const leader = await this.waitFor(() => this.stableLeader(), remaining, 'a stable leader');
      const leading = leader.proc.leading;
      await sleep(settleMs);
      if (this.stableLeader() === leader && leader.proc.leading === leading) return leader;
    }
  }

  send(node, command) {
    if (node.proc?.alive) node.proc.child.stdin.write(`${command}\n`);
  }

  sendAll(command) {
    for (const node of this.running()) this.send(node, command);
  }

  /** Asks every running node for its stats; resolves with them by node index. */
  async stats() {
    const running = this.running();
    const before = new Map(running.map((n) => [n.index, n.proc.stats.length]));
    for (const node of running) this.send(node, 'stats');
    await this.waitFor(
      () => running.every((n) => n.proc.stats.length > before.get(n.index)),
      5_000,
      'stats from every node',
    );
    return new Map(running.map((n) => [n.index, n.proc.stats.at(-1)]));
  }

  /** Restarts node `i` after its process ended, and waits until it has started its election. */
  async restart(i) {
    const node = this.nodes[i];
    await withTimeout(node.proc.exited, 10_000, `node ${i + 1} to exit`);
    const proc = this.spawn(i);
    await this.waitFor(() => proc.ready, 20_000, `node ${i + 1} to restart`);
  }

  /** SIGKILL to every node of this cluster; resolves once they have exited. */
  async kill() {
    const running = this.running();
    for (const node of running) {
      try {
        process.kill(-node.proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await withTimeout(Promise.all(running.map((n) => n.proc.exited)), 10_000, 'the nodes to exit');
  }

  /**
   * SIGTERM to every node (a leader hands over and logs its end), then SIGKILL to what is left of this
   * cluster's process groups (not another cluster's: cpu-limit.mjs runs clusters side by side).
   */
  async shutdown() {
    const running = this.running();
    for (const node of running) node.proc.child.kill('SIGTERM');
    await withTimeout(Promise.all(running.map((n) => n.proc.exited)), 8_000, 'the nodes to exit').catch(
      () => undefined,
    );
    for (const node of this.running()) {
      try {
        process.kill(-node.proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** {@link describeFailure}, plus each running node's own view (role, term, lease, runtime leadership). */
  async describeFailureWithState() {
    const states = await this.stats().catch(() => new Map());
    const lines = [...states].map(([index, s]) => `  node ${index + 1} says: ${JSON.stringify(s.election)}`);
    return [this.describeFailure(), ...lines].join('\n');
  }

  describeFailure() {
    return this.nodes
      .map((n) => {
        const p = n.proc;
        const state = p
          ? `alive=${p.alive} ready=${p.ready} leading=${p.leading?.term ?? '-'} follows=${p.knownLeader?.slice(-6) ?? '-'} exit=${p.exitCode}`
          : 'never started';
        const tail = p?.stderrTail.join('').trim().split('\n').slice(-3).join(' | ') ?? '';
        return `  node ${n.index + 1} (${n.id.slice(-6)}): ${state}${tail ? `\n    stderr: ${tail}` : ''}`;
      })
      .join('\n');
  }
}

/** @param {Interval} i */
const validEnd = (i) => Math.min(i.validEnd ?? Number.POSITIVE_INFINITY, i.transferAt);

/**
 * The longest time two different processes both held a valid lease (must be 0), the same until each process
 * noticed its leadership had ended, and the smallest gap between the end of one lease and the start of the next.
 * @param {Interval[]} intervals
 */
export function leaseOverlap(intervals) {
  const closed = intervals.filter((i) => i.end !== null);
  const longest = (endOf) => {
    let worst = {
      overlap: 0,
      a: /** @type {Interval | null} */ (null),
      b: /** @type {Interval | null} */ (null),
    };
    for (let x = 0; x < closed.length; x++) {
      for (let y = x + 1; y < closed.length; y++) {
        const a = closed[x];
        const b = closed[y];
        if (a.incarnation === b.incarnation) continue;
        const overlap = Math.min(endOf(a), endOf(b)) - Math.max(a.start, b.start);
        if (overlap > worst.overlap) worst = { overlap, a, b };
      }
    }
    return worst;
  };
  const valid = longest(validEnd);
  // The runtime ends a leadership (its signal aborts) before it sends timeout-now.
  const noticed = longest((i) => Math.min(i.end, i.transferAt));
  const ordered = [...closed].sort((a, b) => a.start - b.start);
  let minGap = Number.POSITIVE_INFINITY;
  for (let k = 1; k < ordered.length; k++)
    minGap = Math.min(minGap, ordered[k].start - validEnd(ordered[k - 1]));
  return {
    overlapMax: valid.overlap,
    worst: valid.a === null ? null : { a: valid.a, b: valid.b },
    untilNoticedMax: noticed.overlap,
    worstNoticed: noticed.a === null ? null : { a: noticed.a, b: noticed.b },
    minGap: Number.isFinite(minGap) ? minGap : null,
    open: intervals.length - closed.length,
  };
}

/**
 * Runs the cluster benchmark.
 * @param {{ nodes?: number, crashTrials?: number, handoverTrials?: number, idleMs?: number,
 *   rttWindowMs?: number, timings?: Record<string, number>, log?: (line: string) => void }} [options]
 *   `timings`: election options for every node (default: the defaults).
 */
export async function runClusterBench(options = {}) {
  const size = options.nodes ?? 5;
  const crashTrials = options.crashTrials ?? 30;
  const handoverTrials = options.handoverTrials ?? 30;
  const idleMs = options.idleMs ?? 30_000;
  const rttWindowMs = options.rttWindowMs ?? 2_000;
  const log = options.log ?? ((line) => console.error(line));
  const dir = await mkdtemp(join(tmpdir(), 'baton-bench-'));
  const cluster = new Cluster({ nodes: size, dir, log, timings: options.timings });
  const TIMING = cluster.timing;
  let keep = false;
  const failures = [];
  try {
    await cluster.prepare();

    // Cold start: all processes spawned together; until the first node holds a lease.
    const t0 = nowMs();
    for (let i = 0; i < size; i++) cluster.spawn(i);
    const first = await cluster.waitFor(() => cluster.intervals[0], 30_000, 'the first leader');
    const coldStartMs = first.start - t0;
    await cluster.waitFor(() => cluster.running().every((n) => n.proc.ready), 30_000, 'every node to start');
    const lastReady = Math.max(...cluster.nodes.map((n) => n.proc.readyAt));
    const firstReady = Math.min(...cluster.nodes.map((n) => n.proc.readyAt));
    log(
      `cold start: ${coldStartMs.toFixed(0)} ms to the first lease (nodes ready ${(firstReady - t0).toFixed(0)}-${(lastReady - t0).toFixed(0)} ms after spawn)`,
    );

    // Idle cost: a stable cluster, cpuUsage over idleMs. Heartbeat tracing is off; lease reporting stays on
    // (the overlap needs it), and its own share is measured by the nodes and reported next to the total.
    let leader = await cluster.stable();
    await sleep(Math.min(3_000, idleMs / 3)); // let start-up garbage and JIT settle
    leader = await cluster.stable();
    cluster.sendAll('trace off');
    const before = await cluster.stats();
    await sleep(idleMs);
    const after = await cluster.stats();
    cluster.sendAll('trace on');
    const idleLeaderHeld = cluster.stableLeader() === leader;
    const idle = [...after.keys()].map((index) => {
      const a = before.get(index);
      const b = after.get(index);
      const cpuUs = b.cpu.user + b.cpu.system - (a.cpu.user + a.cpu.system);
      const wallUs = (b.at - a.at) * 1000;
      return {
        index,
        leader: index === leader.index,
        cpuPct: (100 * cpuUs) / wallUs,
        rssMb: b.rss / 2 ** 20,
        tracingPct: (100 * (b.tracingMs - a.tracingMs)) / (b.at - a.at),
        gcPauses: b.gc.count - a.gc.count,
        gcPausesOverStallBound: b.gc.overStallBound - a.gc.overStallBound,
        stalls: (b.election?.stalls ?? 0) - (a.election?.stalls ?? 0),
        // Node, libp2p and Baton loaded, nothing started: the floor under rssMb.
        rssLoadedMb: (cluster.nodes[index].proc.rssLoaded ?? Number.NaN) / 2 ** 20,
      };
    });
    const leaderIdle = idle.find((x) => x.leader);
    const followersIdle = idle.filter((x) => !x.leader);
    log(
      `idle: leader ${leaderIdle.cpuPct.toFixed(2)} % CPU, followers ${followersIdle.map((f) => f.cpuPct.toFixed(2)).join(' ')} %`,
    );

    // The election round trip over libp2p between processes: heartbeat → acknowledgement, at the leader.
    await sleep(rttWindowMs);
    // Every node that led in the window measured some (leadership may have moved).
    const roundTrips = [...(await cluster.stats()).values()].flatMap((s) => s.roundTrips);

    const crash = [];
    const crashPhase = [];
    const crashTrialsDetail = [];
    for (let trial = 0; trial < crashTrials; trial++) {
      try {
        const victim = await cluster.stable();
        await sleep(Math.random() * TIMING.heartbeatInterval);
        const killedAt = nowMs();
        const oldTerm = victim.proc.leading?.term ?? 0;
        process.kill(victim.proc.pid, 'SIGKILL');
        const proc = victim.proc;
        const next = await cluster.waitFor(
          () => cluster.intervals.find((i) => i.start > killedAt && i.node !== victim.index),
          10_000,
          'a new leader after kill -9',
        );
        crash.push(next.start - killedAt);
        await withTimeout(proc.exited, 10_000, 'the killed leader to exit');
        const lastHeartbeat = proc.heartbeats.filter((t) => t <= killedAt).at(-1);
        if (lastHeartbeat !== undefined) crashPhase.push(killedAt - lastHeartbeat);
        // More than one term from the old leader's to the new one's: a split vote or a failed campaign.
        crashTrialsDetail.push({
          ms: next.start - killedAt,
          afterHeartbeatMs: lastHeartbeat === undefined ? null : killedAt - lastHeartbeat,
          terms: next.term - oldTerm,
        });
        await cluster.restart(victim.index);
      } catch (error) {
        failures.push(
          `crash trial ${trial + 1}: ${error.message}\n${await cluster.describeFailureWithState()}`,
        );
        await recover(cluster);
      }
    }
    log(`crash failover: ${crash.length} trials, p50 ${round(percentile(crash, 0.5))} ms`);

    const handover = [];
    const handoverAfterRelease = [];
    const handoverAfterTimeoutNow = [];
    /** timeout-now sent → the successor's vote requests out (one way + the successor's save). */
    const handoverToCampaign = [];
    /** The successor's vote requests out → its lease (votes saved and sent back, a heartbeat acknowledged). */
    const handoverCampaignToLease = [];
    /** Each stage of each handover, from the nodes' traces (BENCH_TRACE_ELECTION=1 only). */
    const handoverStagesDetail = [];
    for (let trial = 0; trial < handoverTrials; trial++) {
      try {
        const victim = await cluster.stable();
        await sleep(Math.random() * TIMING.heartbeatInterval);
        const interval = victim.proc.leading;
        const signalledAt = nowMs();
        victim.proc.child.kill('SIGTERM');
        const next = await cluster.waitFor(
          () => cluster.intervals.find((i) => i.start > signalledAt && i.node !== victim.index),
          10_000,
          'a new leader after SIGTERM',
        );
        handover.push(next.start - signalledAt);
        await cluster.restart(victim.index);
        if (interval?.end != null && interval.endedBy !== 'process died') {
          handoverAfterRelease.push(next.start - interval.end);
        }
        if (interval && Number.isFinite(interval.transferAt)) {
          handoverAfterTimeoutNow.push(next.start - interval.transferAt);
          const campaign = cluster.nodes[next.node].proc?.campaigns.get(next.term);
          if (campaign !== undefined && campaign >= interval.transferAt) {
            handoverToCampaign.push(campaign - interval.transferAt);
            handoverCampaignToLease.push(next.start - campaign);
          }
          const stages = handoverStages(cluster, victim, interval.transferAt, next);
          if (stages !== null) handoverStagesDetail.push(stages);
        }
      } catch (error) {
        failures.push(
          `handover trial ${trial + 1}: ${error.message}\n${await cluster.describeFailureWithState()}`,
        );
        await recover(cluster);
      }
    }
    log(`handover: ${handover.length} trials, p50 ${round(percentile(handover, 0.5))} ms`);

    // Event-loop stalls and garbage-collection pauses over each running process's life.
    const lifetime = [...(await cluster.stats().catch(() => new Map())).values()].map((s) => ({
      stalls: s.election?.stalls ?? 0,
      gcPauses: s.gc.count,
      gcPausesOverStallBound: s.gc.overStallBound,
      gcMaxMs: s.gc.maxMs,
      lifeMs: s.at - (cluster.nodes.find((n) => n.proc?.stats.includes(s))?.proc.spawnedAt ?? s.at),
    }));
    await cluster.shutdown();
    const overlap = leaseOverlap(cluster.intervals);
    keep = overlap.overlapMax > 0 || failures.length > 0;
    const terms = cluster.intervals.map((i) => i.term);
    return {
      nodes: size,
      timing: {
        electionTimeoutMin: TIMING.electionTimeoutMin,
        electionTimeoutMax: TIMING.electionTimeoutMax,
        heartbeatInterval: TIMING.heartbeatInterval,
        leaseDuration: round(TIMING.leaseDuration, 2),
      },
      coldStartMs,
      coldStartReadyMs: { first: firstReady - t0, last: lastReady - t0 },
      crash,
      crashPhase,
      crashTrialsDetail,
      handover,
      handoverAfterRelease,
      handoverAfterTimeoutNow,
      handoverToCampaign,
      handoverCampaignToLease,
      handoverStagesDetail,
      overlap,
      leaderships: cluster.intervals.length,
      endedBy: cluster.intervals.map((i) => i.endedBy),
      oneLeaderPerTerm: new Set(terms).size === terms.length,
      idle: { ms: idleMs, leaderHeldThroughout: idleLeaderHeld, nodes: idle },
      lifetime,
      roundTrips,
      failures,
    };
  } catch (error) {
    keep = true;
    throw new Error(`${error.message}\n${await cluster.describeFailureWithState()}`, { cause: error });
  } finally {
    killAllGroups();
    cluster.events.end();
    if (keep) log(`kept the nodes' lines and logs for a post-mortem: ${dir}`);
    else await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * The stages of one handover from the nodes' traces (BENCH_TRACE_ELECTION=1), in ms, or null without them:
 * timeout-now sent → received by the successor → its save (term and own vote) begun → done (its vote requests
 * leave then) → the vote requests received by the voters whose grants made the majority → their saves done →
 * their grants received → the successor's lease. The voters' figures are those of the grant that completed
 * the majority.
 */
function handoverStages(cluster, victim, transferAt, next) {
  const successor = cluster.nodes[next.node].proc;
  const old = victim.id.slice(-6);
  const self = cluster.nodes[next.node].id.slice(-6);
  const rxTimeoutNow = successor?.trace.find(
    (e) => e.ev === 'rx' && e.type === 'timeout-now' && e.from === old && e.at >= transferAt,
  );
  const save = successor?.trace.find(
    (e) => e.ev === 'saved' && e.term === next.term && e.votedFor === self && e.at >= transferAt,
  );
  const requested = successor?.campaigns.get(next.term);
  if (!rxTimeoutNow || !save || requested === undefined) return null;
  const grants = successor.trace
    .filter((e) => e.ev === 'rx' && e.type === 'vote-response' && e.term === next.term && e.granted)
    .sort((a, b) => a.at - b.at);
  const majority = Math.floor(cluster.size / 2); // grants from others that, with its own, make a majority
  const deciding = grants[majority - 1];
  if (!deciding) return null;
  const voter = cluster.nodes.find((n) => n.id.slice(-6) === deciding.from)?.proc;
  const voterRx = voter?.trace.find((e) => e.ev === 'rx' && e.type === 'vote' && e.term === next.term);
  const voterSave = voter?.trace.find(
    (e) => e.ev === 'saved' && e.term === next.term && e.votedFor === self && e.at >= (voterRx?.at ?? 0),
  );
  const voterTx = voter?.trace.find(
    (e) => e.ev === 'tx' && e.type === 'vote-response' && e.term === next.term && e.granted,
  );
  if (!voterRx || !voterSave || !voterTx) return null;
  return {
    timeoutNowOneWay: rxTimeoutNow.at - transferAt,
    successorSaveQueued: save.begun - rxTimeoutNow.at,
    successorSave: save.at - save.begun,
    successorSavedToRequests: requested - save.at,
    voteRequestOneWay: voterRx.at - requested,
    voterSaveQueued: voterSave.begun - voterRx.at,
    voterSave: voterSave.at - voterSave.begun,
    voterSavedToGrant: voterTx.at - voterSave.at,
    grantOneWay: deciding.at - voterTx.at,
    majorityToLease: next.start - deciding.at,
    total: next.start - transferAt,
  };
}

/** After a failed trial: start every node that is down again and wait for a stable leader. */
async function recover(cluster) {
  for (const node of cluster.nodes) {
    if (node.proc && !node.proc.alive) await cluster.restart(node.index);
  }
  await cluster.stable();
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** `count` TCP ports free on 127.0.0.1 now (held together, so they are distinct). */
export async function freePorts(count) {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}
