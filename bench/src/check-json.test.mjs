// The JSON check can fail: it accepts a well-formed output and rejects, naming the key, one with a key missing or
// mistyped. Run by the package's `test` script (`node --test src/check-json.test.mjs`), before the quick bench.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CPU_LIMIT_FIELDS,
  checkBenchJson,
  FIGURE16_FIELDS,
  GROUPS_ROW_FIELDS,
  REQUIRED,
  SCALING_ROW_FIELDS,
} from './check-json.mjs';

const latency = { p50: 180.2, p99: 290.5, max: 290.5, n: 3 };

/** A row of `scaling.rows`, with or without observers. */
function scalingRow(voters, observers = 0) {
  return {
    voters,
    observers,
    leader_held_throughout: true,
    windows: 1,
    leader: { cpu_pct: 3.1, rss_mb: 95 },
    follower: { cpu_pct: 1.9, cpu_pct_max: 2.1, rss_mb: 90, rss_mb_max: 91 },
    observer: observers === 0 ? null : { cpu_pct: 0.31, rss_mb: 40 },
    election_messages_delivered: 1600,
    cpu_us_per_election_message: 400.5,
  };
}

/** A well-formed output, shaped as bench.mjs writes it (with fewer extras). */
function sample() {
  return {
    machine: { cpus: 2, cpu_model: 'x', node: 'v20.19.0', platform: 'linux-x64', mode: 'quick' },
    cluster: {
      nodes: 3,
      cold_start_ms: 1500.3,
      cold_starts: {
        n: 3,
        last_ready_to_lease_ms: { ...latency },
        ready_ms: { ...latency, n: 15 },
        terms: { p50: 1, p99: 2, max: 2, n: 3 },
        more_than_one_term: 1,
      },
      crash_failover_ms: { ...latency },
      handover_ms: { ...latency },
      overlap_ms_max: 0,
      idle_cpu_pct: { leader: 1.2, follower: 0.8 },
      rss_mb: {
        max: 120.5,
        leader: 120.5,
        follower_max: 110,
        by_node: [
          { node: 1, leader: false, mb: 110 },
          { node: 2, leader: true, mb: 120.5 },
          { node: 3, leader: false, mb: 108.2 },
        ],
      },
    },
    sim: {
      figure16: [
        {
          range: '150-300',
          network: 'paper',
          median_ms: 300,
          p99_ms: 500,
          max_ms: 600,
          split_vote_rate: 0.02,
        },
        // A row that never got a lease: null figures, with trials 0 and a note saying why.
        {
          range: '12-24',
          network: 'rtt15',
          median_ms: null,
          p99_ms: null,
          max_ms: null,
          split_vote_rate: null,
          trials: 0,
          note: 'no node ever held a lease within 20 s',
        },
      ],
    },
    core: { msgs_per_s: 1_000_000 },
    cpu_limit: {
      skipped: null,
      idle_ms: 3000,
      cells: [
        {
          millicores: 100,
          timings: 'default',
          leadership_changes: 2,
          lease_losses: 2,
          lease_losses_by_reason: { 'lease-lapsed': 1, 'event-loop-stall': 1 },
          nr_throttled: 40,
        },
      ],
    },
    scaling: {
      idle_ms: 2000,
      rows: [scalingRow(3), scalingRow(5), scalingRow(5, 20)],
      tcp_floor: { round_trips: 1000, messages: 2000, us_per_message: 80.2, us_per_message_one_side: 45 },
      cpu_per_election_message: { voters: 5, us: 400.5, tcp_floor_us: 80.2, ratio: 4.99, goal_ratio_max: 3 },
      failures: [],
    },
    groups: {
      machine: { cpus: 2, node: 'v20.19.0' },
      idle_ms: 3000,
      idle: [1, 10].map((groups) => ({
        groups,
        busiest_cpu_pct: 6.7 + groups / 10,
        busiest_node: 1,
        busiest_ratio_to_first: 1 + groups / 70,
        settled_before_idle: true,
        group_changes_while_idle: 0,
        load: [1, 1, 1],
        nodes: [],
      })),
      crash_failover_ms: { groups: 10, n: 4, p50: 175.5, p99: 236.2, max: 236.2 },
      spread_after_join_ms: { groups: 10, n: 1, p50: 3477.4, max: 3477.4 },
    },
  };
}

/** Deletes the key at a dotted path. */
function remove(object, path) {
  const parts = path.split('.');
  const last = parts.pop();
  delete parts.reduce((o, p) => o[p], object)[last];
}

/** Sets the key at a dotted path. */
function set(object, path, value) {
  const parts = path.split('.');
  const last = parts.pop();
  parts.reduce((o, p) => o[p], object)[last] = value;
}

test('a well-formed output passes', () => {
  assert.deepEqual(checkBenchJson(sample()), []);
  // What bench.mjs writes survives a round trip through JSON text.
  assert.deepEqual(checkBenchJson(JSON.parse(JSON.stringify(sample()))), []);
});

test('every required key, when missing, fails with a message naming it', () => {
  const paths = Object.values(REQUIRED).flatMap((entries) => entries.map(([path]) => path));
  assert.ok(paths.includes('cluster.handover_ms.n') && paths.includes('core.msgs_per_s'));
  for (const path of paths) {
    const json = sample();
    remove(json, path);
    const problems = checkBenchJson(json);
    assert.deepEqual(problems, [`${path}: missing`], path);
  }
});

test('a mistyped key fails with a message naming it', () => {
  const cases = [
    ['machine.cpus', '2'],
    ['machine.node', 20],
    ['cluster.crash_failover_ms.p99', null],
    ['cluster.handover_ms.n', 2.5],
    ['cluster.cold_starts.last_ready_to_lease_ms.p99', '450'],
    ['cluster.cold_starts.more_than_one_term', -1],
    ['cluster.overlap_ms_max', '0'],
    ['cluster.idle_cpu_pct.follower', undefined],
    ['cluster.rss_mb.max', [120]],
    ['cluster.rss_mb.by_node', 120],
    ['sim.figure16', {}],
    ['core.msgs_per_s', null],
    ['cpu_limit.idle_ms', 'long'],
    ['cpu_limit.cells', {}],
    ['scaling.idle_ms', 2.5],
    ['scaling.rows', null],
    ['scaling.tcp_floor.us_per_message', '80'],
    ['scaling.cpu_per_election_message.ratio', null],
  ];
  for (const [path, value] of cases) {
    const json = sample();
    set(json, path, value);
    const problems = checkBenchJson(json);
    assert.equal(problems.length, 1, `${path}: ${problems.join('; ')}`);
    assert.ok(problems[0].startsWith(`${path}: expected`), problems[0]);
  }
});

test('a missing section is reported once, at the section', () => {
  const json = sample();
  json.cluster = null;
  assert.deepEqual(checkBenchJson(json), ['cluster: expected an object, got null']);
  // ... unless it did not run (--only).
  assert.deepEqual(checkBenchJson(json, { sections: ['sim', 'core'] }), []);
});

test('figure 16 rows: every field, and null figures only in a row without trials that says why', () => {
  for (const key of FIGURE16_FIELDS) {
    const json = sample();
    delete json.sim.figure16[0][key];
    assert.deepEqual(checkBenchJson(json), [`sim.figure16[0].${key}: missing`]);
  }
  const json = sample();
  json.sim.figure16[0].median_ms = null;
  json.sim.figure16[1].note = null;
  json.sim.figure16.push({ ...json.sim.figure16[0], median_ms: 1, split_vote_rate: 1.5 });
  const problems = checkBenchJson(json);
  assert.equal(problems.length, 6, problems.join('\n'));
  assert.ok(problems[0].startsWith('sim.figure16[0].median_ms: expected a number'));
  assert.ok(problems.slice(1, 5).every((p) => p.startsWith('sim.figure16[1].')));
  assert.equal(problems[5], 'sim.figure16[2].split_vote_rate: expected a share between 0 and 1, got 1.5');
  set(json, 'sim.figure16', []);
  assert.deepEqual(checkBenchJson(json), ['sim.figure16: expected at least one row, got an empty list']);
});

test('the RSS of each process: one entry per process, one leader', () => {
  const json = sample();
  json.cluster.rss_mb.by_node.pop();
  json.cluster.rss_mb.by_node[0].mb = 'a lot';
  assert.deepEqual(checkBenchJson(json), [
    'cluster.rss_mb.by_node: expected one entry per process (3), got 2',
    'cluster.rss_mb.by_node[0].mb: expected a number, got the string "a lot"',
  ]);
  json.cluster.rss_mb.by_node[1].leader = false;
  assert.ok(checkBenchJson(json).includes('cluster.rss_mb.by_node: expected exactly one leader, got 0'));
});

test('cpu-limit rows: every field; no row only when the section says why it was skipped', () => {
  for (const [key] of CPU_LIMIT_FIELDS) {
    const json = sample();
    delete json.cpu_limit.cells[0][key];
    assert.deepEqual(checkBenchJson(json), [`cpu_limit.cells[0].${key}: missing`]);
  }
  const json = sample();
  json.cpu_limit.cells[0].lease_losses_by_reason = { 'lease-lapsed': -1 };
  json.cpu_limit.cells[0].timings = '';
  assert.deepEqual(checkBenchJson(json), [
    'cpu_limit.cells[0].timings: expected a name, got the string ""',
    'cpu_limit.cells[0].lease_losses_by_reason: expected an object of whole numbers, got an object',
  ]);
  json.cpu_limit.cells = [];
  assert.deepEqual(checkBenchJson(json), [
    'cpu_limit.cells: expected at least one row (or cpu_limit.skipped saying why), got an empty list',
  ]);
  json.cpu_limit.skipped = 'not root: making a cgroup needs root';
  assert.deepEqual(checkBenchJson(json), []);
});

test('scaling rows: every field; an observer figure exactly in the rows with observers', () => {
  for (const [key] of SCALING_ROW_FIELDS) {
    const json = sample();
    remove(json.scaling.rows[0], key);
    assert.deepEqual(checkBenchJson(json), [`scaling.rows[0].${key}: missing`]);
  }
  const json = sample();
  json.scaling.rows[0].leader_held_throughout = 'yes';
  json.scaling.rows[0].cpu_us_per_election_message = null;
  json.scaling.rows[1].observer = { cpu_pct: 0.3, rss_mb: 40 };
  json.scaling.rows[2].observer = { cpu_pct: 0.3 };
  assert.deepEqual(checkBenchJson(json), [
    'scaling.rows[0].leader_held_throughout: expected true or false, got the string "yes"',
    'scaling.rows[0].cpu_us_per_election_message: expected a number, got null',
    'scaling.rows[1].observer: expected null in a row without observers, got an object',
    'scaling.rows[2].observer.rss_mb: expected a number, got nothing',
  ]);
  json.scaling.rows = [];
  assert.deepEqual(checkBenchJson(json), ['scaling.rows: expected at least one row, got an empty list']);
  // No row of voters alone: no CPU per election message, reported at its key.
  const none = sample();
  none.scaling.cpu_per_election_message = null;
  assert.deepEqual(checkBenchJson(none), ['scaling.cpu_per_election_message: expected an object, got null']);
});

test('anything but an object at the top fails', () => {
  assert.deepEqual(checkBenchJson(null), ['(top level): expected an object, got null']);
});

test('groups rows: every field, of its kind', () => {
  for (const [key] of GROUPS_ROW_FIELDS) {
    const json = sample();
    remove(json.groups.idle[1], key);
    assert.deepEqual(checkBenchJson(json), [`groups.idle[1].${key}: missing`]);
  }
  const json = sample();
  json.groups.idle[0].settled_before_idle = 'yes';
  json.groups.idle[1].group_changes_while_idle = 1.5;
  assert.deepEqual(checkBenchJson(json), [
    'groups.idle[0].settled_before_idle: expected true or false, got the string "yes"',
    'groups.idle[1].group_changes_while_idle: expected a whole number, got number 1.5',
  ]);
  json.groups.idle = [];
  assert.deepEqual(checkBenchJson(json), ['groups.idle: expected at least one row, got an empty list']);
  const noFailover = sample();
  noFailover.groups.crash_failover_ms = null;
  assert.deepEqual(checkBenchJson(noFailover, { sections: ['groups'] }), [
    'groups.crash_failover_ms: expected an object, got null',
  ]);
});
