import { describe, expect, it } from 'vitest';
import { InvalidPersistentStateError, type PersistentState } from '../../src/index.js';
import { checkPersistentState } from '../../src/machine/persistent-state.js';

const STATE: PersistentState = {
  term: 7,
  votedFor: 'b',
  configuration: { term: 4, version: 2, voters: ['a', 'b', 'c'] },
};

/** The field `checkPersistentState` names for `state`, or `null` when it accepts it. */
function badField(state: unknown): string | null {
  try {
    checkPersistentState(state);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidPersistentStateError);
    expect((error as Error).message).toContain((error as InvalidPersistentStateError).field);
    return (error as InvalidPersistentStateError).field;
  }
}

describe('checkPersistentState', () => {
  it('accepts a state with and without group records and a group term floor', () => {
    expect(badField(STATE)).toBeNull();
    expect(badField({ ...STATE, groups: {} })).toBeNull();
    expect(
      badField({
        ...STATE,
        configuration: { ...STATE.configuration, groupTermFloor: 0 },
        groups: { billing: { term: 0, votedFor: null }, ['a'.repeat(63)]: { term: 9, votedFor: 'c' } },
      }),
    ).toBeNull();
    // A group's term is its own: it may be above or below the default group's.
    expect(badField({ ...STATE, groups: { billing: { term: 1_000, votedFor: 'a' } } })).toBeNull();
    expect(badField({ ...STATE, configuration: { ...STATE.configuration, groupTermFloor: 50 } })).toBeNull();
  });

  it('names the first bad field of the default group, as before', () => {
    expect(badField(null)).toBe('state');
    expect(badField({ ...STATE, term: -1 })).toBe('term');
    expect(badField({ ...STATE, votedFor: '' })).toBe('votedFor');
    expect(badField({ ...STATE, configuration: { ...STATE.configuration, term: 8 } })).toBe(
      'configuration.term',
    );
  });

  const cases: [string, unknown, string][] = [
    ['a negative group term', { billing: { term: -1, votedFor: null } }, 'groups.billing.term'],
    ['a fractional group term', { billing: { term: 1.5, votedFor: null } }, 'groups.billing.term'],
    ['a group term as a string', { billing: { term: '3', votedFor: null } }, 'groups.billing.term'],
    ['a missing group term', { billing: { votedFor: null } }, 'groups.billing.term'],
    ['an unsafe group term', { billing: { term: 2 ** 53, votedFor: null } }, 'groups.billing.term'],
    ['an empty vote', { billing: { term: 1, votedFor: '' } }, 'groups.billing.votedFor'],
    ['a vote that is a number', { billing: { term: 1, votedFor: 3 } }, 'groups.billing.votedFor'],
    ['a missing vote', { billing: { term: 1 } }, 'groups.billing.votedFor'],
    ['a record that is null', { billing: null }, 'groups.billing'],
    ['a record that is a number', { billing: 4 }, 'groups.billing'],
    ['a name with capitals', { Bad: { term: 1, votedFor: null } }, 'groups.Bad'],
    ['an empty name', { '': { term: 1, votedFor: null } }, 'groups.'],
    ['a name too long', { ['a'.repeat(64)]: { term: 1, votedFor: null } }, `groups.${'a'.repeat(64)}`],
    ['the default group', { default: { term: 1, votedFor: null } }, 'groups.default'],
    ['groups as an array', [{ term: 1, votedFor: null }], 'groups'],
    ['groups as null', null, 'groups'],
    ['groups as a string', 'billing', 'groups'],
  ];
  for (const [name, groups, field] of cases) {
    it(`names ${field} for ${name}`, () => {
      expect(badField({ ...STATE, groups })).toBe(field);
    });
  }

  for (const floor of [-1, 1.5, '2', null, Number.POSITIVE_INFINITY]) {
    it(`names configuration.groupTermFloor for a floor of ${String(floor)}`, () => {
      expect(badField({ ...STATE, configuration: { ...STATE.configuration, groupTermFloor: floor } })).toBe(
        'configuration.groupTermFloor',
      );
    });
  }

  it('names the group in the message, with the value it got', () => {
    expect(() =>
      checkPersistentState({ ...STATE, groups: { billing: { term: -4, votedFor: null } } }),
    ).toThrow('persisted state: groups.billing.term must be a non-negative integer (got -4)');
  });
});
