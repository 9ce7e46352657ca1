import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { majority, quorumRound, voteResult } from '../../src/machine/quorum.js';

describe('majority', () => {
  it.each([
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
    [7, 4],
  ])('of %i voters is %i', (voters, needed) => {
    expect(majority(voters)).toBe(needed);
  });
});

describe('voteResult', () => {
  const v = (entries: [string, boolean][]) => new Map(entries);
  it.each([
    [['a'], v([['a', true]]), 'won'],
    [['a', 'b', 'c'], v([['a', true]]), 'pending'],
    [
      ['a', 'b', 'c'],
      v([
        ['a', true],
        ['b', true],
      ]),
      'won',
    ],
    [
      ['a', 'b', 'c'],
      v([
        ['a', true],
        ['b', false],
      ]),
      'pending',
    ],
    [
      ['a', 'b', 'c'],
      v([
        ['a', true],
        ['b', false],
        ['c', false],
      ]),
      'lost',
    ],
    [
      ['a', 'b', 'c', 'd'],
      v([
        ['a', true],
        ['b', true],
      ]),
      'pending',
    ],
    [
      ['a', 'b', 'c', 'd'],
      v([
        ['a', true],
        ['b', false],
        ['c', false],
      ]),
      'lost',
    ],
    // Answers from nodes outside the voter set never count (flaw 1 of the ergo `leader` package in
    // docs/design.md).
    [
      ['a', 'b', 'c'],
      v([
        ['a', true],
        ['x', true],
        ['y', true],
      ]),
      'pending',
    ],
    [[], v([['a', true]]), 'lost'],
  ] as const)('%j with %j is %s', (voters, votes, expected) => {
    expect(voteResult(voters, votes)).toBe(expected);
  });
});

/** A deliberately naive reference: enumerate outcomes of the votes still missing. */
function naiveVoteResult(voters: readonly string[], votes: ReadonlyMap<string, boolean>) {
  if (voters.length === 0) return 'lost';
  const missing = voters.filter((v) => !votes.has(v));
  let canWin = false;
  let canLose = false;
  for (let mask = 0; mask < 1 << missing.length; mask++) {
    let yes = voters.filter((v) => votes.get(v) === true).length;
    missing.forEach((_, i) => {
      if (mask & (1 << i)) yes++;
    });
    if (yes * 2 > voters.length) canWin = true;
    else canLose = true;
  }
  if (!canLose) return 'won';
  if (!canWin) return 'lost';
  return 'pending';
}

describe('vote counting against a naive reference', () => {
  it('agrees on every voter set and partial vote', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'x', 'y'];
    fc.assert(
      fc.property(
        fc.subarray(ids.slice(0, 7), { minLength: 0 }),
        fc.array(fc.tuple(fc.constantFrom(...ids), fc.boolean()), { maxLength: 12 }),
        (voters, answers) => {
          const votes = new Map(answers);
          expect(voteResult(voters, votes)).toBe(naiveVoteResult(voters, votes));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('quorumRound is the largest round a majority reached', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 7 }), (rounds) => {
        const voters = rounds.map((_, i) => `n${i}`);
        const acked = new Map(voters.map((v, i) => [v, rounds[i] ?? 0]));
        let expected = 0;
        for (let r = 1; r <= 20; r++) {
          if (rounds.filter((x) => x >= r).length * 2 > voters.length) expected = r;
        }
        expect(quorumRound(voters, acked)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });
});
