#!/usr/bin/env node
/**
 * `baton-sim`: runs random fault schedules through the simulator and prints one JSON line.
 *
 *   pnpm --filter @baton/core sim -- --seeds 1000 --seed-start 1 --nodes 5 [--duration 60000] [--verbose]
 *
 * Exits 1 when an invariant is violated, printing each violation and the command that replays its seed;
 * exits 2 on a bad argument. `--verbose` replays the first seed alone and prints its event log.
 */
import { formatViolation } from './invariants.js';
import { runRandomSchedule } from './random-schedule.js';
import { formatLogEntry } from './sim-log.js';
import { groupNames, parseSimArgs, replayCommand, runSeeds, type SimRunOptions } from './sim-runner.js';

function main(argv: readonly string[]): number {
  let options: SimRunOptions;
  try {
    options = parseSimArgs(argv);
  } catch (error) {
    process.stderr.write(`baton-sim: ${(error as Error).message}\n`);
    process.stderr.write(
      'usage: baton-sim [--seeds N] [--seed-start S] [--nodes K] [--duration MS] [--membership] [--groups N] [--verbose]\n',
    );
    return 2;
  }
  if (options.verbose) {
    const run = runRandomSchedule({
      seed: options.seedStart,
      nodes: options.nodes,
      duration: options.duration,
      membership: options.membership,
      groups: groupNames(options.groups),
      log: 'events',
    });
    for (const entry of run.cluster.log) process.stdout.write(`${formatLogEntry(entry)}\n`);
    for (const violation of run.violations) process.stdout.write(`VIOLATION ${formatViolation(violation)}\n`);
    options = { ...options, seeds: 1 };
  }
  const reported = new Set<number>();
  const summary = runSeeds(options, ({ seed, violation }) => {
    process.stderr.write(`VIOLATION seed ${seed}: ${formatViolation(violation)}\n`);
    if (!reported.has(seed)) {
      reported.add(seed);
      process.stderr.write(
        `  replay: ${replayCommand(seed, options.nodes, options.duration, options.membership, options.groups)}\n`,
      );
    }
  });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return summary.violations > 0 ? 1 : 0;
}

// Piping into `head` closes stdout early: that is not an error of the simulation.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
process.exitCode = main(process.argv.slice(2));
