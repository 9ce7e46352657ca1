import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/index.js';
import {
  AUTOPILOT_DEFAULTS,
  type AutopilotView,
  nextAutopilotChange,
  resolveAutopilotOptions,
} from '../../src/machine/autopilot.js';

const OPTIONS = { ...AUTOPILOT_DEFAULTS };
const NOW = 100_000;

/** A view: voters and observers, who is up, steady since when, last heard when, who is leaving. */
function view(spec: {
  voters: string[];
  observers?: string[];
  down?: string[];
  steady?: Record<string, number>;
  silentSince?: Record<string, number>;
  leaving?: string[];
}): AutopilotView {
  const down = new Set(spec.down ?? []);
  return {
    now: NOW,
    leader: spec.voters[0] as string,
    voters: spec.voters,
    observers: spec.observers ?? [],
    leaving: new Set(spec.leaving ?? []),
    lastContact: (id) => spec.silentSince?.[id] ?? NOW,
    steadySince: (id) => (down.has(id) ? null : (spec.steady?.[id] ?? NOW - 60_000)),
    responsive: (id) => !down.has(id),
  };
}

describe('the autopilot', () => {
  it('promotes the longest-steady observer while there are fewer voters than maxVoters', () => {
    const steady = { o1: NOW - 5_000, o2: NOW - 9_000 };
    expect(
      nextAutopilotChange(view({ voters: ['a', 'b', 'c'], observers: ['o1', 'o2'], steady }), OPTIONS),
    ).toEqual({
      type: 'add',
      node: 'o2',
      reason: 'promote',
    });
  });

  it('does not promote an observer before stabilizationTime, nor one that is leaving, nor beyond maxVoters', () => {
    expect(
      nextAutopilotChange(
        view({ voters: ['a', 'b', 'c'], observers: ['o'], steady: { o: NOW - 1_000 } }),
        OPTIONS,
      ),
    ).toBe(null);
    expect(
      nextAutopilotChange(view({ voters: ['a', 'b', 'c'], observers: ['o'], leaving: ['o'] }), OPTIONS),
    ).toBe(null);
    expect(nextAutopilotChange(view({ voters: ['a', 'b', 'c', 'd', 'e'], observers: ['o'] }), OPTIONS)).toBe(
      null,
    );
  });

  it('removes a leaving voter above the floor, before anything else', () => {
    const v = view({ voters: ['a', 'b', 'c', 'd'], observers: ['o'], leaving: ['c'] });
    expect(nextAutopilotChange(v, OPTIONS)).toEqual({ type: 'remove', node: 'c', reason: 'leaving' });
  });

  it('at the floor, replaces a leaving voter with a stable observer first, or waits for one', () => {
    const withObserver = view({ voters: ['a', 'b', 'c'], observers: ['o'], leaving: ['c'] });
    expect(nextAutopilotChange(withObserver, OPTIONS)).toEqual({ type: 'add', node: 'o', reason: 'replace' });
    expect(nextAutopilotChange(view({ voters: ['a', 'b', 'c'], leaving: ['c'] }), OPTIONS)).toBe(null);
  });

  it('removes a voter unreachable for deadVoterTimeout, and not one silent for less', () => {
    const dead = view({ voters: ['a', 'b', 'c', 'd', 'e'], down: ['e'], silentSince: { e: NOW - 31_000 } });
    expect(nextAutopilotChange(dead, OPTIONS)).toEqual({ type: 'remove', node: 'e', reason: 'unreachable' });
    const paused = view({ voters: ['a', 'b', 'c', 'd', 'e'], down: ['e'], silentSince: { e: NOW - 29_000 } });
    expect(nextAutopilotChange(paused, OPTIONS)).toBe(null);
  });

  it('never removes a voter that is up when the voters that are up would no longer be a majority', () => {
    // 5 voters, 2 down (not yet timed out): removing the leaving one would leave 2 up of 4.
    const v = view({ voters: ['a', 'b', 'c', 'd', 'e'], down: ['d', 'e'], leaving: ['c'] });
    expect(nextAutopilotChange(v, OPTIONS)).toBe(null);
    // With a stable observer, it adds it first: 4 up of 6 is a majority.
    const withObserver = view({
      voters: ['a', 'b', 'c', 'd', 'e'],
      observers: ['o'],
      down: ['d', 'e'],
      leaving: ['c'],
    });
    expect(nextAutopilotChange(withObserver, OPTIONS)).toEqual({ type: 'add', node: 'o', reason: 'replace' });
  });

  it('never removes the leader, even when it says it is leaving', () => {
    expect(nextAutopilotChange(view({ voters: ['a', 'b', 'c', 'd'], leaving: ['a'] }), OPTIONS)).toBe(null);
  });

  it('checks its options, naming the field', () => {
    expect(resolveAutopilotOptions(false)).toBe(null);
    expect(resolveAutopilotOptions(undefined)).toEqual(AUTOPILOT_DEFAULTS);
    expect(resolveAutopilotOptions({ maxVoters: 3 })).toMatchObject({ maxVoters: 3, minVoters: 3 });
    expect(() => resolveAutopilotOptions({ maxVoters: 4 })).toThrow(
      /autopilot.maxVoters=4: must be an odd integer/,
    );
    expect(() => resolveAutopilotOptions({ maxVoters: 9 })).toThrow(InvalidOptionError);
    expect(() => resolveAutopilotOptions({ minVoters: 7 })).toThrow(/autopilot.minVoters/);
    expect(() => resolveAutopilotOptions({ deadVoterTimout: 5 })).toThrow(/autopilot.deadVoterTimout/);
    expect(() => resolveAutopilotOptions({ stabilizationTime: -1 })).toThrow(/autopilot.stabilizationTime/);
    expect(() => resolveAutopilotOptions('on')).toThrow(/autopilot="on"/);
  });
});
