#!/usr/bin/env node
/**
 * `pnpm --filter @baton/core sim:story [-- --seed N]`: a 5-node simulated cluster told as a story. Exits 1 if
 * an invariant was violated, 2 on a bad argument.
 */
import { parseArgs } from 'node:util';
import { runStory } from './story.js';

function main(argv: readonly string[]): number {
  let seed = 1;
  try {
    const { values } = parseArgs({
      args: argv.filter((arg) => arg !== '--'),
      options: { seed: { type: 'string' } },
      strict: true,
    });
    if (values.seed !== undefined) {
      seed = Number(values.seed);
      if (values.seed.trim() === '' || !Number.isSafeInteger(seed) || seed < 0) {
        throw new RangeError(`--seed must be an integer >= 0 (got ${JSON.stringify(values.seed)})`);
      }
    }
  } catch (error) {
    process.stderr.write(`baton-sim-story: ${(error as Error).message}\n`);
    return 2;
  }
  const { violations } = runStory((line) => process.stdout.write(`${line}\n`), seed);
  return violations === 0 ? 0 : 1;
}

// Piping into `head` closes stdout early: that is not an error of the simulation.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
process.exitCode = main(process.argv.slice(2));
