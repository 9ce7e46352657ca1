/**
 * Seeds that once found a problem, kept as fixed cases (etcd keeps its interaction tests the same way). Each
 * entry says what it found. Only change an entry if you understand what caused the change.
 */
import { describe, expect, it } from 'vitest';
import { runRandomSchedule } from '../../src/testing/index.js';

interface Regression {
  readonly seed: number;
  readonly nodes: number;
  readonly durationMs?: number;
  readonly found: string;
}

const REGRESSIONS: readonly Regression[] = [];

describe('regression seeds', () => {
  it.each(REGRESSIONS)('seed $seed with $nodes nodes: $found', ({ seed, nodes, durationMs }) => {
    const run = runRandomSchedule({ seed, nodes, durationMs });
    expect(run.violations).toEqual([]);
  });
});
