// Checks the shape of the figures `bench.mjs --json` writes: every key issue 7 lists (and the cold starts, CPU
// limits and scaling of issue 13), with the right type.
// It checks shape, never speed: a slow figure passes, a missing or mistyped one fails with a message naming it.
//
// `node src/bench.mjs --quick --check` (the package's `test` script) writes the JSON to a temporary file, reads
// it back and runs this on it; `check-json.test.mjs` shows that it rejects what it should.

/** The sections of the output, as `--only` names them. */
export const SECTIONS = ['cluster', 'sim', 'core', 'cpu-limit', 'scaling', 'groups'];

/** The fields of each row of `sim.figure16`. */
export const FIGURE16_FIELDS = ['range', 'network', 'median_ms', 'p99_ms', 'max_ms', 'split_vote_rate'];

/** The fields of each row of `cpu_limit.cells`, and what each holds. */
export const CPU_LIMIT_FIELDS = /** @type {const} */ ([
  ['millicores', 'count'],
  ['timings', 'string'],
  ['leadership_changes', 'count'],
  ['lease_losses', 'count'],
  ['lease_losses_by_reason', 'counts'],
  ['nr_throttled', 'count'],
]);

/**
 * The fields of each row of `scaling.rows` (dotted inside the row), and what each holds. `observer` is checked
 * apart: `{ cpu_pct, rss_mb }` in a row with observers, null in a row without.
 */
export const SCALING_ROW_FIELDS = /** @type {const} */ ([
  ['voters', 'count'],
  ['observers', 'count'],
  ['leader_held_throughout', 'boolean'],
  ['leader.cpu_pct', 'number'],
  ['leader.rss_mb', 'number'],
  ['follower.cpu_pct', 'number'],
  ['follower.rss_mb', 'number'],
  ['election_messages_delivered', 'count'],
  ['cpu_us_per_election_message', 'number'],
]);

/** The fields of each row of `groups.idle` (one row per count of election groups), and what each holds. */
export const GROUPS_ROW_FIELDS = /** @type {const} */ ([
  ['groups', 'count'],
  ['busiest_cpu_pct', 'number'],
  ['busiest_ratio_to_first', 'number'],
  ['settled_before_idle', 'boolean'],
  ['group_changes_while_idle', 'count'],
]);

const latency = (name) => [
  [`${name}.p50`, 'number'],
  [`${name}.p99`, 'number'],
  [`${name}.max`, 'number'],
  [`${name}.n`, 'count'],
];

/**
 * The keys issue 7 requires, by section, and what each holds. `machine` is always checked.
 * `cluster.rss_mb.by_node` is not in the issue's list of keys, but its text asks for "the RSS of each process".
 * @type {Record<string, [string, Kind][]>}
 * `cpu-limit` is issue 13's: leadership changes and lease losses by reason under a CPU quota, per cell.
 * `scaling` is issue 13's too: idle CPU and RSS by cluster size, and the CPU per election message beside the
 * plain-TCP floor.
 * `groups` is issue 15's: idle CPU of the busiest process by count of election groups, the crash failover of
 * the groups a killed process led, and the time to spread the groups after a process joins.
 * @typedef {'number' | 'count' | 'version' | 'figure16' | 'rssByNode' | 'cpuLimitCells' | 'scalingRows' | 'groupsRows'} Kind
 */
export const REQUIRED = {
  machine: [
    ['machine.cpus', 'count'],
    ['machine.node', 'version'],
  ],
  cluster: [
    ['cluster.nodes', 'count'],
    ['cluster.cold_start_ms', 'number'],
    // Issue 13: cold starts on fresh data directories.
    ['cluster.cold_starts.n', 'count'],
    ...latency('cluster.cold_starts.last_ready_to_lease_ms'),
    ...latency('cluster.cold_starts.ready_ms'),
    ...latency('cluster.cold_starts.terms'),
    ['cluster.cold_starts.more_than_one_term', 'count'],
    ...latency('cluster.crash_failover_ms'),
    ...latency('cluster.handover_ms'),
    ['cluster.overlap_ms_max', 'number'],
    ['cluster.idle_cpu_pct.leader', 'number'],
    ['cluster.idle_cpu_pct.follower', 'number'],
    ['cluster.rss_mb.max', 'number'],
    ['cluster.rss_mb.by_node', 'rssByNode'],
  ],
  sim: [['sim.figure16', 'figure16']],
  core: [['core.msgs_per_s', 'number']],
  'cpu-limit': [
    ['cpu_limit.idle_ms', 'count'],
    ['cpu_limit.cells', 'cpuLimitCells'],
  ],
  scaling: [
    ['scaling.idle_ms', 'count'],
    ['scaling.rows', 'scalingRows'],
    ['scaling.tcp_floor.us_per_message', 'number'],
    ['scaling.cpu_per_election_message.us', 'number'],
    ['scaling.cpu_per_election_message.tcp_floor_us', 'number'],
    ['scaling.cpu_per_election_message.ratio', 'number'],
  ],
  groups: [
    ['groups.idle_ms', 'count'],
    ['groups.idle', 'groupsRows'],
    ['groups.crash_failover_ms.p50', 'number'],
    ['groups.crash_failover_ms.p99', 'number'],
    ['groups.crash_failover_ms.n', 'count'],
    ['groups.spread_after_join_ms.p50', 'number'],
    ['groups.spread_after_join_ms.max', 'number'],
    ['groups.spread_after_join_ms.n', 'count'],
  ],
};

/**
 * The problems with `json`, one message per problem, each starting with the key it is about; empty when the
 * shape is right.
 * @param {unknown} json the parsed JSON
 * @param {{ sections?: readonly string[] }} [options] the sections that ran (`--only`); default all
 * @returns {string[]}
 */
export function checkBenchJson(json, options = {}) {
  const sections = options.sections ?? SECTIONS;
  const problems = [];
  const reported = new Set();
  const report = (message) => {
    if (!reported.has(message)) {
      reported.add(message);
      problems.push(message);
    }
  };
  if (!isObject(json)) return [`(top level): expected an object, got ${describe(json)}`];
  for (const section of ['machine', ...sections]) {
    for (const [path, kind] of REQUIRED[section] ?? []) {
      const found = lookUp(json, path);
      if (!found.ok) {
        report(found.message);
        continue;
      }
      for (const message of checkKind(found.value, kind, path, json)) report(message);
    }
  }
  return problems;
}

/**
 * @param {Record<string, unknown>} root
 * @param {string} path dotted
 * @returns {{ ok: true, value: unknown } | { ok: false, message: string }}
 */
function lookUp(root, path) {
  const parts = path.split('.');
  /** @type {unknown} */
  let value = root;
  for (let i = 0; i < parts.length; i++) {
    const here = parts.slice(0, i + 1).join('.');
    if (!isObject(value)) {
      const parent = parts.slice(0, i).join('.');
      return { ok: false, message: `${parent}: expected an object, got ${describe(value)}` };
    }
    if (!Object.hasOwn(value, parts[i])) return { ok: false, message: `${here}: missing` };
    value = value[parts[i]];
  }
  return { ok: true, value };
}

/**
 * @param {unknown} value
 * @param {Kind} kind
 * @param {string} path
 * @param {Record<string, unknown>} root
 * @returns {string[]}
 */
function checkKind(value, kind, path, root) {
  switch (kind) {
    case 'number':
      return isNumber(value) ? [] : [`${path}: expected a number, got ${describe(value)}`];
    case 'count':
      return Number.isInteger(value) && value >= 0
        ? []
        : [`${path}: expected a whole number, got ${describe(value)}`];
    case 'version':
      return typeof value === 'string' && /^v\d+\.\d+\.\d+/.test(value)
        ? []
        : [`${path}: expected a Node version such as "v20.19.0", got ${describe(value)}`];
    case 'rssByNode':
      return checkRssByNode(value, path, lookUp(root, 'cluster.nodes'));
    case 'figure16':
      return checkFigure16(value, path);
    case 'cpuLimitCells':
      return checkCpuLimitCells(value, path, lookUp(root, 'cpu_limit.skipped'));
    case 'scalingRows':
      return checkScalingRows(value, path);
    case 'groupsRows':
      return checkRows(value, path, GROUPS_ROW_FIELDS);
  }
  return [`${path}: unknown kind ${kind}`];
}

/** `[{ node, leader, mb }]`, one per process, exactly one of them the leader. */
function checkRssByNode(value, path, nodes) {
  if (!Array.isArray(value)) return [`${path}: expected a list, got ${describe(value)}`];
  const problems = [];
  if (nodes.ok && Number.isInteger(nodes.value) && value.length !== nodes.value)
    problems.push(`${path}: expected one entry per process (${nodes.value}), got ${value.length}`);
  value.forEach((entry, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(entry)) {
      problems.push(`${at}: expected an object, got ${describe(entry)}`);
      return;
    }
    if (!Number.isInteger(entry.node))
      problems.push(`${at}.node: expected a whole number, got ${describe(entry.node)}`);
    if (typeof entry.leader !== 'boolean')
      problems.push(`${at}.leader: expected true or false, got ${describe(entry.leader)}`);
    if (!isNumber(entry.mb)) problems.push(`${at}.mb: expected a number, got ${describe(entry.mb)}`);
  });
  const leaders = value.filter((entry) => isObject(entry) && entry.leader === true).length;
  if (value.length > 0 && leaders !== 1)
    problems.push(`${path}: expected exactly one leader, got ${leaders}`);
  return problems;
}

/** Calls `check(row, at)` for each row of `rows` that is an object; a row that is not is a problem. */
function eachRow(rows, path, problems, check) {
  rows.forEach((row, i) => {
    const at = `${path}[${i}]`;
    if (isObject(row)) check(row, at);
    else problems.push(`${at}: expected an object, got ${describe(row)}`);
  });
}

/**
 * A non-empty list of `{ range, network, median_ms, p99_ms, max_ms, split_vote_rate }`. The figures may be null
 * only in a row that ran no trial and says why in `note` (12-24 ms on the slow networks never gives a lease).
 */
function checkFigure16(value, path) {
  if (!Array.isArray(value)) return [`${path}: expected a list, got ${describe(value)}`];
  if (value.length === 0) return [`${path}: expected at least one row, got an empty list`];
  const problems = [];
  eachRow(value, path, problems, (row, at) => {
    const nullAllowed = row.trials === 0 && typeof row.note === 'string' && row.note.length > 0;
    for (const key of FIGURE16_FIELDS) {
      if (!Object.hasOwn(row, key)) {
        problems.push(`${at}.${key}: missing`);
        continue;
      }
      const v = row[key];
      if (key === 'range') {
        if (typeof v !== 'string' || !/^\d+-\d+$/.test(v))
          problems.push(`${at}.range: expected a range such as "150-300", got ${describe(v)}`);
      } else if (key === 'network') {
        if (typeof v !== 'string' || v.length === 0)
          problems.push(`${at}.network: expected a network name, got ${describe(v)}`);
      } else if (v === null && nullAllowed) {
        // no trial ran; `note` says why
      } else if (!isNumber(v)) {
        problems.push(
          `${at}.${key}: expected a number${v === null ? ' (null only in a row with trials 0 and a note)' : ''}, got ${describe(v)}`,
        );
      } else if (key === 'split_vote_rate' && (v < 0 || v > 1)) {
        problems.push(`${at}.split_vote_rate: expected a share between 0 and 1, got ${v}`);
      }
    }
  });
  return problems;
}

/**
 * A list of rows with {@link CPU_LIMIT_FIELDS}; empty only when `cpu_limit.skipped` says why (not root, no
 * cgroup v1).
 */
function checkCpuLimitCells(value, path, skipped) {
  if (!Array.isArray(value)) return [`${path}: expected a list, got ${describe(value)}`];
  const why = skipped.ok && typeof skipped.value === 'string' && skipped.value.length > 0;
  if (value.length === 0 && !why)
    return [`${path}: expected at least one row (or cpu_limit.skipped saying why), got an empty list`];
  const problems = [];
  eachRow(value, path, problems, (row, at) => {
    for (const [key, kind] of CPU_LIMIT_FIELDS) {
      if (!Object.hasOwn(row, key)) {
        problems.push(`${at}.${key}: missing`);
        continue;
      }
      const v = row[key];
      const ok =
        kind === 'string'
          ? typeof v === 'string' && v.length > 0
          : kind === 'count'
            ? Number.isInteger(v) && v >= 0
            : isObject(v) && Object.values(v).every((n) => Number.isInteger(n) && n >= 0);
      const expected = { string: 'a name', count: 'a whole number', counts: 'an object of whole numbers' }[
        kind
      ];
      if (!ok) problems.push(`${at}.${key}: expected ${expected}, got ${describe(v)}`);
    }
  });
  return problems;
}

/**
 * A non-empty list of rows with {@link SCALING_ROW_FIELDS}, and `observer` an object of `cpu_pct` and `rss_mb`
 * in a row with observers, null in a row without.
 */
/**
 * A non-empty list of rows, each with every field of `fields` (dotted inside the row) of its kind; `more`
 * checks a row further.
 */
function checkRows(value, path, fields, more = (_row, _at, _problems) => {}) {
  if (!Array.isArray(value)) return [`${path}: expected a list, got ${describe(value)}`];
  if (value.length === 0) return [`${path}: expected at least one row, got an empty list`];
  const problems = [];
  const expected = { count: 'a whole number', number: 'a number', boolean: 'true or false' };
  const fits = (v, kind) =>
    kind === 'count'
      ? Number.isInteger(v) && v >= 0
      : kind === 'number'
        ? isNumber(v)
        : typeof v === 'boolean';
  eachRow(value, path, problems, (row, at) => {
    for (const [key, kind] of fields) {
      const found = lookUp(row, key);
      if (!found.ok) problems.push(`${at}.${found.message}`);
      else if (!fits(found.value, kind))
        problems.push(`${at}.${key}: expected ${expected[kind]}, got ${describe(found.value)}`);
    }
    more(row, at, problems);
  });
  return problems;
}

function checkScalingRows(value, path) {
  return checkRows(value, path, SCALING_ROW_FIELDS, (row, at, problems) => {
    if (!Number.isInteger(row.observers)) return;
    if (!Object.hasOwn(row, 'observer')) problems.push(`${at}.observer: missing`);
    else if (row.observers === 0) {
      if (row.observer !== null)
        problems.push(
          `${at}.observer: expected null in a row without observers, got ${describe(row.observer)}`,
        );
    } else if (!isObject(row.observer)) {
      problems.push(`${at}.observer: expected an object, got ${describe(row.observer)}`);
    } else {
      for (const key of ['cpu_pct', 'rss_mb'])
        if (!isNumber(row.observer[key]))
          problems.push(`${at}.observer.${key}: expected a number, got ${describe(row.observer[key])}`);
    }
  });
}

/** @returns {value is Record<string, any>} */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** @returns {value is number} */
function isNumber(value) {
  return typeof value === 'number' && Number.isFinite(value);
}

function describe(value) {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
