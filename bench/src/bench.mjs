// `pnpm bench`: Baton's benchmarks in one command.
//
//   node src/bench.mjs [--quick] [--json <path>] [--check] [--nodes N] [--trials N] [--sim-trials N]
//                      [--idle-ms N] [--cold-starts N] [--timings default|constrained|min-max/heartbeat] [--cpu-limit-ms N] [--cpu-limits 250,100] [--cpu-limit-timings default,constrained] [--cpu-limit-groups N]
//                      [--scaling-idle-ms N] [--scaling-voters 3,5,7] [--scaling-observers 20]
//                      [--groups 1,10,100] [--groups-idle-ms N] [--groups-trials N]
//                      [--only cluster,sim,core,cpu-limit,scaling,groups]
//
// 1. a real cluster of N processes over libp2p on loopback (cluster-bench.mjs), at the default timings or,
//    with --timings constrained, at CONSTRAINED_TIMINGS, and cold starts of such a cluster on fresh data
//    directories (cold-starts.mjs);
// 2. figure 16 of the Raft paper in the simulator (sim-figure16.mjs);
// 3. messages per second through one node's state machine (core-throughput.mjs);
// 4. N processes each under a CPU quota (a cgroup of its own), idle for --cpu-limit-ms (default 10 minutes,
//    3 s with --quick): leadership changes and lease losses at each limit and timing profile (cpu-limit.mjs);
//    with --cpu-limit-groups N, every node also asks for N election groups and their leader changes count too.
//    Needs root and cgroup v1; skipped otherwise, saying why.
// 5. how idle cost grows (scaling.mjs): idle CPU and RSS of the leader and of a follower for 3, 5 and 7 voter
//    processes, and for 5 voters + 20 observers (and per observer); the CPU per election message end to end
//    beside the plain-TCP floor measured in the same run (tcp-floor.mjs).
// 6. election groups (groups.mjs): idle CPU of the busiest of 5 processes with 1, 10 and 100 groups (1 and 10
//    with --quick), the crash failover of every group a killed process led, and the time to spread the
//    groups after a fifth process joins.
// Prints tables on stdout (progress on stderr) and, with --json, writes the figures to a file. --check reads the
// JSON back and checks that it has every key issue 7 lists, with the right types (check-json.mjs); without
// --json it writes it to a temporary file, removed afterwards.
//
// --quick --check (CI, via the package's `test` script) runs few trials and a few seconds of idle, so that the
// benchmark cannot rot. It exits non-zero when something is wrong (no leader, a trial without a new leader, two
// leases at once, an invariant violation in the simulator, a key missing from the JSON), never because a figure
// is slow.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkBenchJson, SECTIONS } from './check-json.mjs';
import { runClusterBench } from './cluster-bench.mjs';
import { runColdStarts } from './cold-starts.mjs';
import { runCoreThroughput } from './core-throughput.mjs';
import { parseProfile, runCpuLimitBench } from './cpu-limit.mjs';
import { runGroupsBench } from './groups.mjs';
import { runScalingBench } from './scaling.mjs';
import { PAPER, runFigure16 } from './sim-figure16.mjs';
import { ms, round, summary, table } from './stats.mjs';

const args = parseArgs(process.argv.slice(2));
const quick = args.quick;
const only = new Set(args.only ?? SECTIONS);
const settings = {
  nodes: args.nodes ?? 5,
  trials: args.trials ?? (quick ? 3 : 30),
  simTrials: args.simTrials ?? (quick ? 50 : 1000),
  idleMs: args.idleMs ?? (quick ? 3_000 : 30_000),
  coldStarts: args.coldStarts ?? (quick ? 3 : 20),
  coreMs: quick ? 200 : 1_000,
  cpuLimitMs: args.cpuLimitMs ?? (quick ? 3_000 : 600_000),
  cpuLimits: args.cpuLimits ?? [250, 100],
  cpuLimitTimings: args.cpuLimitTimings,
  cpuLimitGroups: args.cpuLimitGroups ?? 0,
  timings: args.timings ?? 'default',
  scalingIdleMs: args.scalingIdleMs ?? (quick ? 2_000 : 20_000),
  scalingVoters: args.scalingVoters ?? [3, 5, 7],
  // 10 with --quick: 20 observers joining take 20-30 s on two busy cores, over the quick run's budget.
  scalingObservers: args.scalingObservers ?? (quick ? 10 : 20),
  floorRoundTrips: quick ? 1_000 : 4_000,
  groups: args.groups ?? (quick ? [1, 10] : [1, 10, 100]),
  groupsIdleMs: args.groupsIdleMs ?? (quick ? 3_000 : 30_000),
  groupsTrials: args.groupsTrials ?? (quick ? 2 : 30),
  groupsSpreadTrials: quick ? 1 : 5,
  groupsSettleMs: quick ? 2_000 : 5_000,
};
const progress = (line) => process.stderr.write(`[bench] ${line}\n`);
const problems = [];
const started = performance.now();
const loadAtStart = loadavg();

const out = {
  machine: {
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadavg_start: loadAtStart.map((x) => round(x, 2)),
    loadavg_end: null,
    mode: quick ? 'quick' : 'full',
  },
  cluster: null,
  sim: null,
  core: null,
  cpu_limit: null,
  scaling: null,
  groups: null,
};

const sections = [];
sections.push(
  `Baton benchmarks (${quick ? 'quick' : 'full'}): node ${process.version}, ${out.machine.cpus} × ${out.machine.cpu_model}, ` +
    `load average ${loadAtStart.map((x) => x.toFixed(2)).join(' ')} at start`,
);

if (only.has('core')) {
  progress('core: messages per second through one state machine');
  out.core = runCoreThroughput({ durationMs: settings.coreMs });
  const s = out.core.scenarios;
  sections.push(
    [
      '3. The state machine alone: messages per second through one node (receive + ready(), no I/O)',
      table(
        ['scenario', 'msgs/s'],
        [
          ['follower <- heartbeat', s.follower_heartbeats.toLocaleString('en')],
          ['follower <- pre-vote + vote (new term each)', s.follower_votes.toLocaleString('en')],
          ['leader <- heartbeat ack (+ a round per 4)', s.leader_acks.toLocaleString('en')],
          ['mixed (harmonic mean): core.msgs_per_s', out.core.msgs_per_s.toLocaleString('en')],
        ],
      ),
    ].join('\n'),
  );
}

if (only.has('sim')) {
  progress(`sim: figure 16, ${settings.simTrials} trials per row`);
  const rows = runFigure16({ trials: settings.simTrials, log: progress });
  out.sim = {
    trials_per_row: settings.simTrials,
    nodes: 5,
    heartbeat: 'half the minimum election timeout, as in the paper',
    figure16: rows,
  };
  for (const row of rows) {
    if (row.violations > 0)
      problems.push(`sim ${row.range} ${row.network}: ${row.violations} invariant violations`);
    const expectNoLease = row.range === '12-24' && row.network !== 'loopback';
    if (!expectNoLease && row.trials === 0) problems.push(`sim ${row.range} ${row.network}: no leader`);
  }
  sections.push(
    [
      `2. Figure 16 of the Raft paper, in the simulator: downtime after the leader crashes at a random point of its`,
      `   heartbeat interval (5 nodes, ${settings.simTrials} trials per row, heartbeat = min timeout / 2). Downtime ends when a new`,
      '   leader holds a lease; "elected" when it won its vote (the paper\'s measure). Split votes: share of trials with one.',
      table(
        [
          'timeouts',
          'network',
          'median',
          'p99',
          'max',
          'split votes',
          'elected p50',
          'campaigns',
          'paper (~15 ms broadcast)',
        ],
        rows.map((r) => [
          r.range === '150-150' ? '150-150 (fixed)' : r.range,
          r.network,
          r.note ? 'no lease' : ms(r.median_ms),
          ms(r.p99_ms),
          ms(r.max_ms),
          r.split_vote_rate === null ? '-' : `${(r.split_vote_rate * 100).toFixed(1)} %`,
          ms(r.elected_median_ms),
          r.campaigns_per_failover ?? '-',
          r.network === 'paper' ? (PAPER[r.range] ?? '') : '',
        ]),
      ),
      '   paper: LAN 0.1-0.5 ms one way + a 10-18 ms write before every message that follows a persisted change (votes):',
      "   the paper's ~15 ms broadcast time is mostly stable storage (its section 5.6). rtt15: the same 15 ms as pure",
      '   network delay (6-9 ms one way). loopback: 0.10-0.15 ms one way, 2 % at 0.75-3 ms. Storage is instant in both.',
      ...rows.filter((r) => r.note).map((r) => `   ${r.range} on the ${r.network} network: ${r.note}.`),
      '   Why 12-24 gives no lease: on "paper", a vote needs two writes (the candidate\'s, the voter\'s: 20-36 ms),',
      '   longer than the timeout, so every candidate times out before it wins; on "rtt15", the lease (12 × 0.905 =',
      '   10.9 ms from the start of a heartbeat round) ends before any acknowledgement (12-18 ms) can confirm it.',
    ].join('\n'),
  );
}

if (only.has('cluster')) {
  progress(
    `cluster: ${settings.nodes} processes, ${settings.trials} crash and ${settings.trials} handover trials, ${settings.idleMs / 1000} s idle`,
  );
  progress(
    `cluster: ${settings.coldStarts} cold starts of ${settings.nodes} processes on fresh data directories`,
  );
  let cold;
  try {
    cold = await runColdStarts({ nodes: settings.nodes, starts: settings.coldStarts, log: progress });
    for (const failure of cold.failures) problems.push(`cluster: ${failure}`);
    if (cold.starts.length === 0) problems.push('cluster: no cold start got a leader');
  } catch (error) {
    problems.push(`cluster: cold starts: ${error.message}`);
  }
  let r;
  try {
    r = await runClusterBench({
      nodes: settings.nodes,
      crashTrials: settings.trials,
      handoverTrials: settings.trials,
      idleMs: settings.idleMs,
      timings: parseProfile(settings.timings)[1],
      rttWindowMs: quick ? 1_000 : 3_000,
      log: progress,
    });
  } catch (error) {
    problems.push(`cluster: ${error.message}`);
  }
  if (r) {
    const leaderIdle = r.idle.nodes.find((n) => n.leader);
    const followers = r.idle.nodes.filter((n) => !n.leader);
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const crash = summary(r.crash);
    const handover = summary(r.handover);
    const rtt = summary(r.roundTrips);
    out.cluster = {
      nodes: r.nodes,
      timing: r.timing,
      cold_start_ms: round(r.coldStartMs),
      crash_failover_ms: crash,
      handover_ms: handover,
      overlap_ms_max: round(r.overlap.overlapMax, 3),
      idle_cpu_pct: {
        leader: round(leaderIdle?.cpuPct, 2),
        follower: round(mean(followers.map((f) => f.cpuPct)), 2),
      },
      rss_mb: {
        max: round(Math.max(...r.idle.nodes.map((n) => n.rssMb))),
        leader: round(leaderIdle?.rssMb),
        follower_max: round(Math.max(...followers.map((n) => n.rssMb))),
        loaded_before_start_max: round(Math.max(...r.idle.nodes.map((n) => n.rssLoadedMb))),
        // The RSS of each process at the end of the idle window, by node.
        by_node: r.idle.nodes.map((n) => ({ node: n.index + 1, leader: n.leader, mb: round(n.rssMb) })),
      },
      // Beyond the required keys: what the figures above rest on.
      cold_start_nodes_ready_ms: {
        first: round(r.coldStartReadyMs.first),
        last: round(r.coldStartReadyMs.last),
      },
      handover_after_release_ms: summary(r.handoverAfterRelease),
      handover_after_timeout_now_ms: summary(r.handoverAfterTimeoutNow),
      handover_timeout_now_to_campaign_ms: summary(r.handoverToCampaign),
      handover_campaign_to_lease_ms: summary(r.handoverCampaignToLease),
      election_round_trip_ms: rtt,
      crash_point_after_heartbeat_ms: summary(r.crashPhase),
      crash_failover_more_than_one_term: r.crashTrialsDetail.filter((t) => t.terms > 1).length,
      crash_failover_slowest: [...r.crashTrialsDetail]
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 3)
        .map((t) => ({ ms: round(t.ms), after_heartbeat_ms: round(t.afterHeartbeatMs), terms: t.terms })),
      lease_gap_min_ms: round(r.overlap.minGap, 3),
      overlap_until_noticed_ms_max: round(r.overlap.untilNoticedMax, 3),
      idle_tracing_cpu_pct_max: round(Math.max(...r.idle.nodes.map((n) => n.tracingPct)), 3),
      leaderships: r.leaderships,
      leaderships_ended_by: countBy(r.endedBy),
      one_leader_per_term: r.oneLeaderPerTerm,
      idle_ms: r.idle.ms,
      idle_leader_held_throughout: r.idle.leaderHeldThroughout,
      idle_cpu_pct_by_node: r.idle.nodes.map((n) => round(n.cpuPct, 2)),
      idle_stalls: r.idle.nodes.reduce((sum, n) => sum + n.stalls, 0),
      idle_gc_pauses_over_stall_bound: r.idle.nodes.reduce((sum, n) => sum + n.gcPausesOverStallBound, 0),
      processes_at_end: r.lifetime.map((p) => ({
        life_s: round(p.lifeMs / 1000),
        stalls: p.stalls,
        gc_pauses: p.gcPauses,
        gc_pauses_over_stall_bound: p.gcPausesOverStallBound,
        gc_max_ms: round(p.gcMaxMs),
      })),
      cold_starts: coldStartFigures(cold?.starts ?? []),
      // Only with BENCH_TRACE_ELECTION=1: each stage of the handovers, from the nodes' traces.
      handover_stages_ms: stageFigures(r.handoverStagesDetail),
      ratios: {
        crash_failover_p50_over_min_election_timeout: round(crash.p50 / r.timing.electionTimeoutMin, 2),
        handover_p50_over_election_round_trip_p50: rtt.p50 ? round(handover.p50 / rtt.p50, 1) : null,
      },
      failures: r.failures,
    };
    if (r.overlap.overlapMax > 0) {
      const { a, b } = r.overlap.worst;
      problems.push(
        `cluster: two processes held a lease at once for ${r.overlap.overlapMax.toFixed(3)} ms: ${JSON.stringify(a)} and ${JSON.stringify(b)}`,
      );
    }
    if (!r.oneLeaderPerTerm) problems.push('cluster: two leaderships in one term');
    for (const failure of r.failures) problems.push(`cluster: ${failure}`);
    if (r.crash.length === 0 || r.handover.length === 0) problems.push('cluster: no successful trial');

    const c = out.cluster;
    sections.push(
      [
        `1. A real cluster: ${r.nodes} processes over libp2p on loopback, ${settings.timings} timings (election timeout ` +
          `${r.timing.electionTimeoutMin}-${r.timing.electionTimeoutMax} ms, heartbeat ${r.timing.heartbeatInterval} ms, lease ${r.timing.leaseDuration} ms)`,
        table(
          ['measure', 'n', 'p50', 'p99', 'max'],
          [
            ['cold start: spawn -> first lease', 1, ms(c.cold_start_ms), '', ''],
            ['crash failover: kill -9 -> new lease', crash.n, ms(crash.p50), ms(crash.p99), ms(crash.max)],
            [
              'handover: SIGTERM -> new lease',
              handover.n,
              ms(handover.p50),
              ms(handover.p99),
              ms(handover.max),
            ],
            [
              '  of which lease given up -> new lease',
              c.handover_after_release_ms.n,
              ms(c.handover_after_release_ms.p50),
              ms(c.handover_after_release_ms.p99),
              ms(c.handover_after_release_ms.max),
            ],
            [
              '  of which timeout-now sent -> new lease',
              c.handover_after_timeout_now_ms.n,
              ms(c.handover_after_timeout_now_ms.p50),
              ms(c.handover_after_timeout_now_ms.p99),
              ms(c.handover_after_timeout_now_ms.max),
            ],
            ...[
              ['    timeout-now -> successor campaigns', c.handover_timeout_now_to_campaign_ms],
              ['    successor campaigns -> its lease', c.handover_campaign_to_lease_ms],
            ].map(([name, x]) => [name, x.n, ms(x.p50), ms(x.p99), ms(x.max)]),
            ['election round trip (heartbeat -> ack)', rtt.n, ms(rtt.p50), ms(rtt.p99), ms(rtt.max)],
            [
              'crash point after the last heartbeat',
              c.crash_point_after_heartbeat_ms.n,
              ms(c.crash_point_after_heartbeat_ms.p50),
              '',
              ms(c.crash_point_after_heartbeat_ms.max),
            ],
          ],
        ),
        `   crash failover: ${c.crash_failover_more_than_one_term} of ${crash.n} took more than one term (a split vote or a failed ` +
          `campaign); slowest: ${c.crash_failover_slowest.map((t) => `${t.ms} ms (${t.terms} term${t.terms === 1 ? '' : 's'}, crash ${t.after_heartbeat_ms} ms after a heartbeat)`).join(', ')}`,
        coldStartLines(c.cold_starts, r.timing),
        ...(c.handover_stages_ms === null ? [] : [stageLines(c.handover_stages_ms)]),
        `   nodes ready ${c.cold_start_nodes_ready_ms.first}-${c.cold_start_nodes_ready_ms.last} ms after spawn (importing libp2p, opening the store).`,
        `   lease overlap between processes: ${c.overlap_ms_max} ms (max over ${r.leaderships} leaderships; smallest gap ` +
          `between one lease's end and the next one's start: ${c.lease_gap_min_ms} ms). Counting until each process ` +
          `noticed its leadership ended (a blocked event loop notices late): ${c.overlap_until_noticed_ms_max} ms. Leaderships ended by: ` +
          Object.entries(c.leaderships_ended_by)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
        `   idle over ${r.idle.ms / 1000} s: CPU % of one core, leader ${c.idle_cpu_pct.leader}, followers ` +
          `${followers.map((f) => f.cpuPct.toFixed(2)).join(' ')} (mean ${c.idle_cpu_pct.follower}; the bench's own ` +
          `lease tracing: at most ${c.idle_tracing_cpu_pct_max}); RSS leader ` +
          `${c.rss_mb.leader} MB, followers up to ${c.rss_mb.follower_max} MB (Node + libp2p + Baton loaded, not ` +
          `started: up to ${c.rss_mb.loaded_before_start_max} MB)` +
          (r.idle.leaderHeldThroughout ? '' : ' (leadership changed during the idle window)') +
          `; event-loop stalls in the window: ${c.idle_stalls}, GC pauses over the stall bound: ${c.idle_gc_pauses_over_stall_bound}`,
        `   RSS of each process at the end of the idle window: ` +
          c.rss_mb.by_node.map((n) => `node ${n.node} ${n.mb} MB${n.leader ? ' (leader)' : ''}`).join(', '),
        `   the ${r.lifetime.length} processes running at the end: event-loop stalls ${r.lifetime.map((p) => p.stalls).join(' ')}; ` +
          `GC pauses over the stall bound ${r.lifetime.map((p) => p.gcPausesOverStallBound).join(' ')}, longest ${r.lifetime.map((p) => p.gcMaxMs.toFixed(0)).join(' ')} ms`,
        `   ratios: crash failover p50 / electionTimeoutMin = ${c.ratios.crash_failover_p50_over_min_election_timeout}; ` +
          `handover p50 / election round trip p50 = ${c.ratios.handover_p50_over_election_round_trip_p50}`,
        ...(r.failures.length > 0 ? [`   FAILED TRIALS:\n${r.failures.join('\n')}`] : []),
      ].join('\n'),
    );
  }
}

if (only.has('cpu-limit')) {
  progress(
    `cpu-limit: ${settings.nodes} processes per cluster, each in a cgroup, ${settings.cpuLimitMs / 1000} s idle per cell`,
  );
  let r;
  try {
    r = await runCpuLimitBench({
      nodes: settings.nodes,
      idleMs: settings.cpuLimitMs,
      limits: settings.cpuLimits,
      profiles: settings.cpuLimitTimings,
      groups: settings.cpuLimitGroups,
      log: progress,
    });
  } catch (error) {
    problems.push(`cpu-limit: ${error.message}`);
  }
  if (r) {
    out.cpu_limit = r;
    for (const failure of r.failures) problems.push(`cpu-limit: ${failure}`);
    const heading =
      `4. Under a CPU limit: ${r.nodes} processes, each in a cgroup of its own with a CPU quota (CFS, 100 ms ` +
      `periods), idle ${r.idle_ms / 1000} s per cell; the two timing profiles of a limit run side by side`;
    if (r.skipped) {
      progress(`cpu-limit: skipped: ${r.skipped}`);
      sections.push(`${heading}\n   skipped: ${r.skipped}`);
    } else {
      const reasons = [...new Set(r.cells.flatMap((c) => Object.keys(c.lease_losses_by_reason)))].sort();
      sections.push(
        [
          heading,
          table(
            [
              'limit',
              'timings',
              'lease / stall bound',
              'leadership changes',
              ...(settings.cpuLimitGroups > 0 ? [`changes of ${settings.cpuLimitGroups} groups`] : []),
              'lease losses',
              'by reason',
              'nr_throttled',
              'throttled',
              'stalls',
              'load 1m',
            ],
            r.cells.map((c) => [
              c.millicores === 0 ? 'none' : `${c.millicores}m`,
              `${c.timings} (${c.election_timeout_min}-${c.election_timeout_max}/${c.heartbeat_interval})`,
              `${c.lease_ms} / ${c.max_event_loop_stall_ms} ms`,
              c.leadership_changes,
              ...(settings.cpuLimitGroups > 0
                ? [
                    `${c.group_leadership_changes} (${
                      Object.entries(c.group_lease_losses_by_reason)
                        .map(([k, n]) => `${k} ${n}`)
                        .join(', ') || '-'
                    })`,
                  ]
                : []),
              c.lease_losses,
              reasons.map((k) => `${k} ${c.lease_losses_by_reason[k] ?? 0}`).join(', ') || '-',
              `${c.nr_throttled} of ${c.nr_periods}`,
              ms(c.throttled_ms),
              c.event_loop_stalls,
              `${c.loadavg_1m_start}-${c.loadavg_1m_end}`,
            ]),
          ),
          '   timings: election timeout min-max / heartbeat interval (ms). nr_throttled: periods in which a process ran out',
          '   of quota (summed over the processes; of nr_periods with the process runnable). stalls: event-loop stalls over the',
          '   bound the runtimes noticed, leaders and followers.',
          ...(r.failures.length > 0 ? [`   FAILED CELLS:\n${r.failures.join('\n')}`] : []),
        ].join('\n'),
      );
    }
  }
}

if (only.has('scaling')) {
  progress(
    `scaling: ${settings.scalingVoters.join(', ')} voters and ${settings.scalingObservers} observers, ${settings.scalingIdleMs / 1000} s idle per row`,
  );
  try {
    out.scaling = await runScalingBench({
      voters: settings.scalingVoters,
      observers: settings.scalingObservers,
      idleMs: settings.scalingIdleMs,
      floorRoundTrips: settings.floorRoundTrips,
      log: progress,
    });
  } catch (error) {
    problems.push(`scaling: ${error.message}`);
  }
  if (out.scaling) {
    const r = out.scaling;
    for (const failure of r.failures) problems.push(`scaling: ${failure}`);
    if (r.cpu_per_election_message === null) problems.push('scaling: no row of voters alone was measured');
    sections.push(scalingLines(r));
  }
}

if (only.has('groups')) {
  progress(
    `groups: ${settings.groups.join(', ')} election groups on 5 processes, ${settings.groupsIdleMs / 1000} s idle per row; ` +
      `${settings.groupsTrials} kills; ${settings.groupsSpreadTrials} joins`,
  );
  try {
    out.groups = await runGroupsBench({
      groups: settings.groups,
      idleMs: settings.groupsIdleMs,
      trials: settings.groupsTrials,
      spreadTrials: settings.groupsSpreadTrials,
      settleMs: settings.groupsSettleMs,
      log: progress,
    });
    sections.push(groupsLines(out.groups));
  } catch (error) {
    problems.push(`groups: ${error.message}`);
  }
}

out.machine.loadavg_end = loadavg().map((x) => round(x, 2));
sections.push(
  `load average at the end: ${out.machine.loadavg_end.join(' ')}; took ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
// Sections in the order 1, 2, 3 whatever ran first.
const [head, ...rest] = sections;
const tail = rest.pop();
rest.sort((a, b) => a.localeCompare(b));
console.log([head, ...rest, tail].join('\n\n'));

if (args.json || args.check) {
  // With --check and no --json: a temporary file, so that the check reads what --json would write.
  const temporary = args.json ? null : await mkdtemp(join(tmpdir(), 'baton-bench-json-'));
  const path = temporary
    ? join(temporary, 'bench.json')
    : resolve(process.env.INIT_CWD ?? process.cwd(), args.json);
  try {
    await writeFile(path, `${JSON.stringify(out, null, 2)}\n`);
    if (args.json) progress(`figures written to ${path}`);
    if (args.check) {
      const errors = checkBenchJson(JSON.parse(await readFile(path, 'utf8')), { sections: [...only] });
      for (const error of errors) problems.push(`json: ${error}`);
      progress(
        errors.length === 0
          ? `json check: every key issues 7, 13 and 15 list is present with the right type (${['machine', ...only].join(', ')}; ${path})`
          : `json check: ${errors.length} problem(s) in ${path}`,
      );
    }
  } finally {
    if (temporary) await rm(temporary, { recursive: true, force: true });
  }
}
if (problems.length > 0) {
  console.error(`\nbench: ${problems.length} problem(s):\n${problems.map((p) => `- ${p}`).join('\n')}`);
  process.exitCode = 1;
}

/** Section 5: how idle cost grows, and the CPU per election message beside the plain-TCP floor. */
function groupsLines(r) {
  const crash = r.crash_failover_ms;
  const spread = r.spread_after_join_ms;
  return [
    `6. Election groups: 5 processes over libp2p on loopback, default timings, each asking for every group; idle ` +
      `${r.idle_ms / 1000} s per row once the groups' leaders spread (no change for a few seconds). CPU in % of one core.`,
    table(
      ['groups', 'busiest CPU', 'ratio to first row', 'max RSS', 'settled', 'changes while idle'],
      r.idle.map((row) => [
        row.groups,
        `${row.busiest_cpu_pct.toFixed(2)} %`,
        row.busiest_ratio_to_first.toFixed(2),
        `${Math.max(...row.nodes.map((n) => n.rss_mb)).toFixed(0)} MB`,
        row.settled_before_idle ? 'yes' : 'no',
        row.group_changes_while_idle,
      ]),
    ),
    crash === null
      ? '   crash failover: not run'
      : `   crash failover of the groups a killed process led (${crash.groups} groups, ${crash.n} samples): p50 ${ms(crash.p50)}, p99 ${ms(crash.p99)}, max ${ms(crash.max)}`,
    spread === null
      ? '   spread after a join: not run'
      : `   spread of ${spread.groups} groups after a fifth process joins (${spread.n} trials, from its ready; 2 s of it the autopilot's stabilizationTime): p50 ${ms(spread.p50)}, max ${ms(spread.max)}`,
  ].join('\n');
}

function scalingLines(r) {
  const t = r.timing;
  const perMessage = r.cpu_per_election_message;
  const fixed = (x, digits) => (x === null ? '-' : x.toFixed(digits));
  return [
    `5. How idle cost grows: voter processes over libp2p on loopback, default timings (election timeout ` +
      `${t?.election_timeout_min}-${t?.election_timeout_max} ms, heartbeat ${t?.heartbeat_interval} ms, observers every ` +
      `${t?.observer_heartbeat_interval} ms), fixed voters; idle ${r.idle_ms / 1000} s per row. CPU in % of one core;`,
    `   RSS at the end of the window; per observer: its process's figure / the ${r.observers_per_process} observers in it.`,
    table(
      [
        'cluster',
        'leader CPU',
        'leader RSS',
        'follower CPU',
        'follower RSS',
        'observer CPU',
        'observer RSS',
        'election msgs/s',
        'CPU per msg',
        '/ TCP floor',
        'leader held',
      ],
      r.rows.map((row) => [
        `${row.voters} voters${row.observers ? ` + ${row.observers} observers` : ''}`,
        `${fixed(row.leader.cpu_pct, 2)} %`,
        `${fixed(row.leader.rss_mb, 0)} MB`,
        `${fixed(row.follower.cpu_pct, 2)} %`,
        `${fixed(row.follower.rss_mb, 0)} MB`,
        row.observer ? `${fixed(row.observer.cpu_pct, 3)} %` : '-',
        row.observer ? `${fixed(row.observer.rss_mb, 0)} MB` : '-',
        fixed(row.election_messages_per_s, 0),
        row.cpu_us_per_election_message === null ? '-' : `${fixed(row.cpu_us_per_election_message, 0)} µs`,
        fixed(row.cpu_per_message_over_tcp_floor, 1),
        row.leader_held_throughout
          ? row.windows > 1
            ? `yes (window ${row.windows})`
            : 'yes'
          : `NO: changed in each of ${row.windows} windows`,
      ]),
    ),
    '   follower: the mean of the followers (JSON: also the max). CPU per msg: the CPU of every process of the row',
    '   over the window (voters, and observer processes) / the election messages delivered to an election in it.',
    ...r.rows
      .filter((row) => row.observers_joined)
      .map(
        (row) =>
          `   ${row.observers} observers joined ${row.voters} voters in ${(row.observers_joined.ms / 1000).toFixed(1)} s ` +
          `(started -> every one follows a leader); leaderships begun meanwhile: ${row.observers_joined.leaderships_begun}` +
          ` (ended by: ${
            Object.entries(row.observers_joined.leaderships_ended_by)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ') || '-'
          })`,
      ),
    perMessage === null
      ? '   CPU per election message: no row of voters alone was measured'
      : `   CPU per election message end to end (sender and receiver together), ${perMessage.voters} voters: ` +
        `${perMessage.us} µs; plain TCP on loopback in this run (tcp-floor.mjs, ${r.tcp_floor.round_trips} round trips, ` +
        `sender and receiver together): ${r.tcp_floor.us_per_message} µs; ratio ${perMessage.ratio} ` +
        `(goal <= ${perMessage.goal_ratio_max})`,
  ].join('\n');
}

/** p50/p99/max of each handover stage (null without traces). */
function stageFigures(details) {
  if (details.length === 0) return null;
  return Object.fromEntries(Object.keys(details[0]).map((k) => [k, summary(details.map((d) => d[k]))]));
}

/** The table of the handover stages (BENCH_TRACE_ELECTION=1). */
function stageLines(stages) {
  const rows = table(
    ['handover stage (traced)', 'n', 'p50', 'p99', 'max'],
    Object.entries(stages).map(([k, x]) => [k, x.n, ms(x.p50), ms(x.p99), ms(x.max)]),
  );
  return rows
    .split('\n')
    .map((line) => `   ${line}`)
    .join('\n');
}

/** The figures of the cold starts (cold-starts.mjs), as the JSON holds them. */
function coldStartFigures(starts) {
  const terms = starts.map((s) => s.terms);
  return {
    n: starts.length,
    last_ready_to_lease_ms: summary(starts.map((s) => s.lastReadyToLeaseMs)),
    ready_ms: summary(starts.flatMap((s) => s.readyMs)),
    last_ready_ms: summary(starts.map((s) => Math.max(...s.readyMs))),
    loaded_ms: summary(starts.flatMap((s) => s.loadedMs)),
    spawn_to_lease_ms: summary(starts.map((s) => s.spawnToLeaseMs)),
    terms: summary(terms),
    more_than_one_term: terms.filter((t) => t > 1).length,
    pre_vote_rounds: summary(starts.map((s) => s.preVoteRounds)),
  };
}

/** The table of the cold starts, with the bound issue 13 sets (electionTimeoutMax + 150 ms). */
function coldStartLines(c, timing) {
  const row = (name, x) => [name, x.n, ms(x.p50), ms(x.p99), ms(x.max)];
  const plain = (name, x) => [name, x.n, x.p50 ?? '-', x.p99 ?? '-', x.max ?? '-'];
  const rows = table(
    ['cold start', 'n', 'p50', 'p99', 'max'],
    [
      row(
        `last node ready -> first lease (bound ${timing.electionTimeoutMax + 150} ms)`,
        c.last_ready_to_lease_ms,
      ),
      plain('terms campaigned in until the first lease', c.terms),
      plain('pre-vote rounds until the first lease (all nodes)', c.pre_vote_rounds),
      row('spawn -> ready, each process', c.ready_ms),
      row('  of which spawn -> imports done', c.loaded_ms),
      row('spawn -> last node ready', c.last_ready_ms),
      row('spawn -> first lease', c.spawn_to_lease_ms),
    ],
  );
  return [
    `   ${c.n} cold starts (the processes spawned together on fresh data directories):`,
    ...rows.split('\n').map((line) => `   ${line}`),
    `   cold starts that needed more than one term: ${c.more_than_one_term} of ${c.n}`,
  ].join('\n');
}

function countBy(values) {
  const counts = {};
  for (const v of values) counts[v ?? 'open'] = (counts[v ?? 'open'] ?? 0) + 1;
  return counts;
}

function parseArgs(argv) {
  const parsed = { quick: false, check: false };
  const numbers = {
    '--nodes': 'nodes',
    '--trials': 'trials',
    '--sim-trials': 'simTrials',
    '--idle-ms': 'idleMs',
    '--cpu-limit-ms': 'cpuLimitMs',
    '--cold-starts': 'coldStarts',
    '--scaling-idle-ms': 'scalingIdleMs',
    '--groups-idle-ms': 'groupsIdleMs',
    '--groups-trials': 'groupsTrials',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') continue;
    if (arg === '--quick') parsed.quick = true;
    else if (arg === '--check') parsed.check = true;
    else if (arg === '--json') {
      parsed.json = argv[++i];
      if (!parsed.json) usage('--json needs a path');
    } else if (arg === '--only') {
      parsed.only = (argv[++i] ?? '').split(',').filter(Boolean);
      if (!parsed.only.every((x) => SECTIONS.includes(x))) usage(`--only takes ${SECTIONS.join(',')}`);
    } else if (arg === '--scaling-voters') {
      parsed.scalingVoters = (argv[++i] ?? '').split(',').map(Number);
      if (!parsed.scalingVoters.every((x) => Number.isInteger(x) && x >= 3 && x <= 15))
        usage('--scaling-voters takes cluster sizes from 3 to 15, e.g. 3,5,7');
    } else if (arg === '--groups') {
      parsed.groups = (argv[++i] ?? '').split(',').map(Number);
      if (!parsed.groups.every((x) => Number.isInteger(x) && x >= 1 && x <= 1000))
        usage('--groups takes counts of election groups from 1 to 1000, e.g. 1,10,100');
    } else if (arg === '--scaling-observers') {
      parsed.scalingObservers = Number(argv[++i]);
      if (!Number.isInteger(parsed.scalingObservers) || parsed.scalingObservers < 0)
        usage('--scaling-observers needs a whole number (0: no observer row)');
    } else if (arg === '--cpu-limits') {
      parsed.cpuLimits = (argv[++i] ?? '').split(',').map((x) => (x === 'none' ? 0 : Number(x)));
      if (!parsed.cpuLimits.every((x) => Number.isInteger(x) && x >= 0 && x <= 64_000))
        usage('--cpu-limits takes millicores, e.g. 250,100 (none or 0: no limit, a control)');
    } else if (arg === '--cpu-limit-groups') {
      parsed.cpuLimitGroups = Number(argv[++i]);
      if (!Number.isInteger(parsed.cpuLimitGroups) || parsed.cpuLimitGroups < 0)
        usage('--cpu-limit-groups needs a whole number (election groups on every node; 0: none)');
    } else if (arg === '--cpu-limit-timings') {
      parsed.cpuLimitTimings = (argv[++i] ?? '').split(',').filter(Boolean);
      try {
        if (parsed.cpuLimitTimings.length === 0) throw new Error('none given');
        parsed.cpuLimitTimings.forEach(parseProfile);
      } catch (error) {
        usage(`--cpu-limit-timings: ${error.message}`);
      }
    } else if (arg === '--timings') {
      parsed.timings = argv[++i] ?? '';
      try {
        parseProfile(parsed.timings);
      } catch (error) {
        usage(`--timings: ${error.message}`);
      }
    } else if (arg in numbers) {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) usage(`${arg} needs a positive integer`);
      parsed[numbers[arg]] = n;
    } else usage(`unknown argument ${arg}`);
  }
  if (parsed.nodes !== undefined && parsed.nodes < 3) usage('--nodes must be at least 3');
  return parsed;
}

function usage(message) {
  console.error(
    `bench: ${message}\nusage: node src/bench.mjs [--quick] [--json <path>] [--check] [--nodes N] [--trials N] [--sim-trials N] [--idle-ms N] [--cold-starts N] [--timings default|constrained|min-max/heartbeat] [--cpu-limit-ms N] [--cpu-limits 250,100] [--cpu-limit-timings default,constrained] [--cpu-limit-groups N] [--scaling-idle-ms N] [--scaling-voters 3,5,7] [--scaling-observers 20] [--groups 1,10,100] [--groups-idle-ms N] [--groups-trials N] [--only ${SECTIONS.join(',')}]`,
  );
  process.exit(2);
}
