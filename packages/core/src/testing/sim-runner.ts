import { parseArgs } from 'node:util';
import type { ElectionOptions } from '../machine/options.js';
import type { Violation } from './invariants.js';
import { runRandomSchedule } from './random-schedule.js';
import { percentile } from './sim-stats.js';

/**
 * What `baton-sim` was asked to do.
 *
 * @example
 * ```ts
 * import { runSeeds, type SimRunOptions } from '@baton/core/testing';
 * const options: SimRunOptions = { seeds: 10, seedStart: 1, nodes: 3, duration: 20_000, verbose: false };
 * console.log(JSON.stringify(runSeeds(options)));
 * ```
 */
export interface SimRunOptions {
  /** How many seeds to run. @default 100 */
  seeds: number;
  /** The first seed. @default 1 */
  seedStart: number;
  /** Voters per cluster. @default 5 */
  nodes: number;
  /** Virtual duration of each run. @default 60_000 */
  duration: number;
  /** Replay the first seed only and print its event log. @default false */
  verbose: boolean;
  /** Membership faults too (`--membership`; see `RandomScheduleOptions.membership`). @default false */
  membership?: boolean;
  /**
   * Election groups besides the default one (`--groups N`: groups `g1` ... `gN` that every node asks for; see
   * `RandomScheduleOptions.groups`). @default 0
   */
  groups?: number;
  /** Election options of every node (not a CLI flag: for tests of the runner). @default the defaults */
  election?: Partial<ElectionOptions>;
  /** How far simulated clocks drift (not a CLI flag). @default the election's clockDriftBound */
  clockDriftBound?: number;
}

/**
 * The one-line JSON summary of many random schedules. Durations are virtual milliseconds.
 *
 * @example
 * ```ts
 * import { runSeeds } from '@baton/core/testing';
 * const { violations, failoverMs, leaderlessMs } = runSeeds({
 *   seeds: 10, seedStart: 1, nodes: 5, duration: 60_000, verbose: false,
 * });
 * console.log(violations, failoverMs.p99, leaderlessMs.fraction);
 * ```
 */
export interface SimSummary {
  seeds: number;
  seedStart: number;
  nodes: number;
  /** Whether the schedules had membership faults. */
  membership: boolean;
  /** How many election groups besides the default one every node asked for. */
  groups: number;
  durationMs: number;
  violations: number;
  violatingSeeds: number[];
  elections: { started: number; won: number; splitVotes: number };
  leaderlessMs: { total: number; fraction: number };
  failoverMs: { count: number; p50: number; p90: number; p99: number; max: number };
  handoverMs: { count: number; p50: number; max: number };
  /** The longest leaderless stretch while free of faults, against the liveness bound. */
  healedGapMs: { max: number; livenessBound: number };
  steps: number;
  wallMs: number;
}

/**
 * A violation, with the seed it happened in.
 *
 * @example
 * ```ts
 * import { formatViolation, runSeeds } from '@baton/core/testing';
 * runSeeds({ seeds: 10, seedStart: 1, nodes: 5, duration: 60_000, verbose: false }, ({ seed, violation }) =>
 *   console.error(seed, formatViolation(violation)),
 * );
 * ```
 */
export interface SeededViolation {
  readonly seed: number;
  readonly violation: Violation;
}

/**
 * Parses `baton-sim`'s arguments with `node:util`'s `parseArgs`; a bad value throws an error naming the flag.
 *
 * @example
 * ```ts
 * import { parseSimArgs } from '@baton/core/testing';
 * parseSimArgs(['--seeds', '10', '--nodes', '3']); // { seeds: 10, seedStart: 1, nodes: 3, duration: 60000, ... }
 * ```
 */
export function parseSimArgs(argv: readonly string[]): SimRunOptions {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== '--'),
    options: {
      seeds: { type: 'string' },
      'seed-start': { type: 'string' },
      nodes: { type: 'string' },
      duration: { type: 'string' },
      membership: { type: 'boolean' },
      groups: { type: 'string' },
      verbose: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  return {
    seeds: integerFlag('--seeds', values.seeds, 100, 1),
    seedStart: integerFlag('--seed-start', values['seed-start'], 1, 0),
    nodes: integerFlag('--nodes', values.nodes, 5, 1),
    duration: integerFlag('--duration', values.duration, 60_000, 1),
    ...(values.membership ? { membership: true } : {}),
    ...(values.groups === undefined ? {} : { groups: integerFlag('--groups', values.groups, 0, 0) }),
    verbose: values.verbose ?? false,
  };
}

function integerFlag(flag: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${flag} must be an integer >= ${min} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

/**
 * Runs `options.seeds` random schedules and sums them up; `onViolation` hears of each violation as it is found.
 *
 * @example
 * ```ts
 * import { runSeeds } from '@baton/core/testing';
 * const summary = runSeeds({ seeds: 20, seedStart: 1, nodes: 5, duration: 60_000, verbose: false });
 * console.log(summary.violations, summary.failoverMs.p99);
 * ```
 */
export function runSeeds(options: SimRunOptions, onViolation?: (found: SeededViolation) => void): SimSummary {
  const started = performance.now();
  const failovers: number[] = [];
  const handovers: number[] = [];
  const violatingSeeds: number[] = [];
  let violations = 0;
  let electionsStarted = 0;
  let electionsWon = 0;
  let splitVotes = 0;
  let leaderless = 0;
  let virtual = 0;
  let healedGap = 0;
  let steps = 0;
  let livenessBound = 0;
  for (let seed = options.seedStart; seed < options.seedStart + options.seeds; seed++) {
    const run = runRandomSchedule({
      seed,
      nodes: options.nodes,
      duration: options.duration,
      election: options.election,
      clockDriftBound: options.clockDriftBound,
      membership: options.membership,
      groups: groupNames(options.groups),
    });
    const s = run.stats;
    electionsStarted += s.electionsStarted;
    electionsWon += s.electionsWon;
    splitVotes += s.splitVotes;
    leaderless += s.leaderlessMs;
    virtual += s.virtualMs;
    steps += s.steps;
    healedGap = Math.max(healedGap, s.longestHealedGapMs);
    livenessBound = run.cluster.livenessBound;
    for (const f of s.failoversMs) failovers.push(f);
    for (const h of s.handoversMs) handovers.push(h);
    if (run.violations.length > 0) {
      violatingSeeds.push(seed);
      violations += run.violations.length;
      for (const violation of run.violations) onViolation?.({ seed, violation });
    }
  }
  const ms = (x: number) => Math.round(x * 10) / 10;
  return {
    seeds: options.seeds,
    seedStart: options.seedStart,
    nodes: options.nodes,
    membership: options.membership === true,
    groups: options.groups ?? 0,
    durationMs: options.duration,
    violations,
    violatingSeeds,
    elections: { started: electionsStarted, won: electionsWon, splitVotes },
    leaderlessMs: {
      total: ms(leaderless),
      fraction: virtual === 0 ? 0 : Math.round((leaderless / virtual) * 1e4) / 1e4,
    },
    failoverMs: {
      count: failovers.length,
      p50: ms(percentile(failovers, 0.5)),
      p90: ms(percentile(failovers, 0.9)),
      p99: ms(percentile(failovers, 0.99)),
      max: ms(percentile(failovers, 1)),
    },
    handoverMs: {
      count: handovers.length,
      p50: ms(percentile(handovers, 0.5)),
      max: ms(percentile(handovers, 1)),
    },
    healedGapMs: { max: ms(healedGap), livenessBound },
    steps,
    wallMs: Math.round(performance.now() - started),
  };
}

/**
 * The command that replays one seed with its event log.
 *
 * @example
 * ```ts
 * import { replayCommand } from '@baton/core/testing';
 * replayCommand(42, 5, 60_000);
 * // 'pnpm --filter @baton/core sim -- --seeds 1 --seed-start 42 --nodes 5 --duration 60000 --verbose'
 * ```
 */
export function replayCommand(
  seed: number,
  nodes: number,
  duration: number,
  membership = false,
  groups = 0,
): string {
  const extra = `${membership ? ' --membership' : ''}${groups > 0 ? ` --groups ${groups}` : ''}`;
  return `pnpm --filter @baton/core sim -- --seeds 1 --seed-start ${seed} --nodes ${nodes} --duration ${duration}${extra} --verbose`;
}

/**
 * The names of `count` election groups the simulator's CLI asks every node for: `g1` ... `gN`.
 *
 * @example
 * ```ts
 * import { groupNames } from '@baton/core/testing';
 * console.log(groupNames(3)); // ['g1', 'g2', 'g3']
 * ```
 */
export function groupNames(count = 0): string[] {
  return Array.from({ length: count }, (_, i) => `g${i + 1}`);
}
