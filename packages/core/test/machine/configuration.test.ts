import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareConfigurations,
  initialConfiguration,
  majoritiesOverlap,
  voterDifference,
} from '../../src/machine/configuration.js';
import { majority } from '../../src/machine/quorum.js';

describe('configurations', () => {
  it('are ordered by term, then version: a later leader stamp wins over a higher version', () => {
    expect(compareConfigurations({ term: 5, version: 3 }, { term: 4, version: 9 })).toBeGreaterThan(0);
    expect(compareConfigurations({ term: 5, version: 3 }, { term: 5, version: 4 })).toBeLessThan(0);
    expect(compareConfigurations({ term: 5, version: 3 }, { term: 5, version: 3 })).toBe(0);
  });

  it('form from a voter list as version 1 of term 0, sorted; an empty list is no configuration', () => {
    expect(initialConfiguration(['c', 'a', 'b'])).toEqual({ term: 0, version: 1, voters: ['a', 'b', 'c'] });
    expect(initialConfiguration([])).toEqual({ term: 0, version: 0, voters: [] });
  });

  it('name who a change adds and removes', () => {
    expect(voterDifference(['a', 'b', 'c'], ['a', 'c', 'd'])).toEqual({ added: ['d'], removed: ['b'] });
  });

  it.each([
    [['a', 'b', 'c'], ['a', 'b', 'c', 'd'], true], // one in
    [['a', 'b', 'c', 'd'], ['a', 'b', 'c'], true], // one out
    [['a', 'b', 'c', 'd'], ['a', 'b', 'c', 'd', 'e'], true],
    // Ongaro's counter-example: from {a,b,c,d}, one leader adds e, another removes a. Each is one change
    // from the base, but {a,d,e} is a majority of the first and {b,c} of the second.
    [['a', 'b', 'c', 'd', 'e'], ['b', 'c', 'd'], false],
    [['a', 'b', 'c'], ['d', 'e', 'f'], false],
    [['a', 'b', 'c'], ['a', 'd', 'e'], false],
  ])('majorities of %j and %j overlap: %s', (a, b, overlap) => {
    expect(majoritiesOverlap(a, b)).toBe(overlap);
  });

  it('majoritiesOverlap agrees with trying every pair of majorities (a naive reference)', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const subsetsOf = (set: string[]): string[][] => {
      const all: string[][] = [[]];
      for (const id of set) for (const subset of all.slice()) all.push([...subset, id]);
      return all;
    };
    const naive = (a: string[], b: string[]): boolean => {
      const ma = subsetsOf(a).filter((s) => s.length >= majority(a.length));
      const mb = subsetsOf(b).filter((s) => s.length >= majority(b.length));
      return ma.every((x) => mb.every((y) => x.some((id) => y.includes(id))));
    };
    const voterSet = fc.subarray(ids, { minLength: 1 });
    fc.assert(
      fc.property(voterSet, voterSet, (a, b) => {
        expect(majoritiesOverlap(a, b)).toBe(naive(a, b));
      }),
      { numRuns: 500 },
    );
  });

  it('one voter in or out always keeps majorities overlapping', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 9 }),
        (voters) => {
          const ids = voters.map(String);
          expect(majoritiesOverlap(ids, [...ids, 'new'])).toBe(true);
          if (ids.length > 1) expect(majoritiesOverlap(ids, ids.slice(1))).toBe(true);
        },
      ),
    );
  });
});
