import { describe, expect, it } from 'vitest';
import { parseSimArgs, replayCommand, runSeeds } from '../../src/testing/index.js';

describe('baton-sim arguments', () => {
  it('parses flags, with pnpm\'s "--" separator, and fills in defaults', () => {
    expect(parseSimArgs(['--', '--seeds', '10', '--seed-start', '5', '--nodes', '3', '--verbose'])).toEqual({
      seeds: 10,
      seedStart: 5,
      nodes: 3,
      duration: 60_000,
      verbose: true,
    });
    expect(parseSimArgs([]).nodes).toBe(5);
    expect(parseSimArgs(['--membership']).membership).toBe(true);
    expect(parseSimArgs([]).membership).toBe(undefined);
  });

  it.each([
    [['--seeds', 'ten'], /--seeds/],
    [['--seeds', '0'], /--seeds/],
    [['--nodes', '2.5'], /--nodes/],
    [['--seed-start', '-1'], /--seed-start/],
    [['--duration', ''], /--duration/],
    [['--bogus', '1'], /bogus/],
  ])('rejects %j naming the flag', (argv, message) => {
    expect(() => parseSimArgs(argv)).toThrow(message);
  });
});

describe('runSeeds', () => {
  it('sums up runs in one summary and names the replay command', () => {
    const summary = runSeeds({ seeds: 3, seedStart: 10, nodes: 3, duration: 20_000, verbose: false });
    expect(summary).toMatchObject({ seeds: 3, seedStart: 10, nodes: 3, violations: 0, violatingSeeds: [] });
    expect(summary.elections.won).toBeGreaterThan(0);
    expect(summary.leaderlessMs.fraction).toBeGreaterThan(0);
    expect(summary.leaderlessMs.fraction).toBeLessThan(1);
    expect(summary.failoverMs.p50).toBeLessThanOrEqual(summary.failoverMs.p99);
    expect(replayCommand(10, 3, 20_000)).toBe(
      'pnpm --filter @baton/core sim -- --seeds 1 --seed-start 10 --nodes 3 --duration 20000 --verbose',
    );
  });
});

describe('runSeeds on a broken configuration', () => {
  it('counts violations, names the seeds and reports each one', () => {
    // A lease computed for exact clocks while the simulated clocks drift by 10 % (see invariants.test.ts).
    const heard: number[] = [];
    const summary = runSeeds(
      {
        seeds: 2,
        seedStart: 17,
        nodes: 5,
        duration: 60_000,
        verbose: false,
        election: { clockDriftBound: 0 },
        clockDriftBound: 0.1,
      },
      ({ seed, violation }) => {
        expect(violation.seed).toBe(seed);
        heard.push(seed);
      },
    );
    expect(summary.violatingSeeds).toContain(18);
    expect(summary.violations).toBe(heard.length);
    expect(summary.violations).toBeGreaterThan(0);
  });
});
