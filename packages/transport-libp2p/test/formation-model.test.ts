import { describe, expect, it } from 'vitest';
import { decideFormation } from '../src/formation.js';
import { formOnView, type ModelRun, type Rule, runModel } from './formation-model.js';

/*
 * Model check of the first formation (see formation-model.ts): seeded schedules of connections, losses,
 * restarts and HELLOs, run with the transport's decision rule, and with the old one (form what you see) as a
 * broken variant that the same check must catch.
 */

const SEEDS = 2000;
const EXPECT = 3;

/** Seed s: 3 to 6 nodes; every other seed loses up to 4 connections or restarts. */
function run(rule: Rule, seed: number): ModelRun {
  return runModel(rule, { seed, nodes: 3 + (seed % 4), expect: EXPECT, losses: seed % 2 === 1 ? 4 : 0 });
}

/** A seed (4 nodes) on which the old rule formed {n0,n1,n3} on one node and {n1,n2,n3} on another. */
const OLD_RULE_SPLIT_SEED = 45;

describe('formation model', () => {
  it(`over ${SEEDS} seeds, two formed sets that share a member are equal; every node ends formed, joined, or failed`, () => {
    const counts = { formed: 0, joined: 0, conflict: 0, refused: 0, waiting: 0, violations: 0 };
    for (let seed = 0; seed < SEEDS; seed++) {
      const result = run(decideFormation, seed);
      if (result.violation !== null) counts.violations++;
      expect(result.violation, `seed ${seed}`).toBe(null);
      for (const [id, outcome] of result.outcomes) {
        counts[outcome?.kind ?? 'waiting']++;
        expect(outcome, `seed ${seed}: ${id} still waits at the end`).not.toBe(null);
      }
    }
    console.log(`formation model, new rule, ${SEEDS} seeds (3-6 nodes, expect 3): ${JSON.stringify(counts)}`);
    expect(counts.formed).toBeGreaterThan(0);
  });

  it('with exactly expect nodes, every node forms the one set, with or without losses and restarts', () => {
    for (let seed = 0; seed < SEEDS / 4; seed++) {
      const result = runModel(decideFormation, { seed, nodes: EXPECT, expect: EXPECT, losses: seed % 3 });
      for (const outcome of result.outcomes.values()) {
        expect(outcome, `seed ${seed}`).toEqual({ kind: 'formed', set: ['n0', 'n1', 'n2'] });
      }
    }
  });

  it('the check catches the old rule (form what you see): overlapping, different sets', () => {
    const violating: number[] = [];
    for (let seed = 0; seed < SEEDS; seed++) {
      if (run(formOnView, seed).violation !== null) violating.push(seed);
    }
    console.log(
      `formation model, old rule, ${SEEDS} seeds: ${violating.length} with two overlapping different sets`,
    );
    expect(violating.length).toBeGreaterThan(0);
  });

  it(`regression: seed ${OLD_RULE_SPLIT_SEED} splits the old rule, not the new one`, () => {
    expect(run(formOnView, OLD_RULE_SPLIT_SEED).violation).toEqual([
      ['n0', 'n1', 'n3'],
      ['n1', 'n2', 'n3'],
    ]);
    expect(run(decideFormation, OLD_RULE_SPLIT_SEED).violation).toBe(null);
  });
});
