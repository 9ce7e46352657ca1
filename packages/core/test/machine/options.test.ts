import { describe, expect, it } from 'vitest';
import {
  CONSTRAINED_TIMINGS,
  defaultMaxEventLoopStall,
  ELECTION_DEFAULTS,
  InvalidOptionError,
  resolveElectionOptions,
} from '../../src/index.js';

describe('election options', () => {
  it('mirrors the ergo leader package defaults (150-300 ms, heartbeat 50 ms)', () => {
    const { options, warnings } = resolveElectionOptions({ clusterId: 'jobs' });
    expect(options).toMatchObject({
      electionTimeoutMin: 150,
      electionTimeoutMax: 300,
      heartbeatInterval: 50,
    });
    expect(options.clockDriftBound).toBe(ELECTION_DEFAULTS.clockDriftBound);
    expect(options.leaseDuration).toBeCloseTo((150 * 0.95) / 1.05, 9);
    expect(warnings).toEqual([]);
  });

  it('has a profile for CPU-limited nodes whose stall bound spans several 100 ms throttling periods', () => {
    const { options, warnings } = resolveElectionOptions({ clusterId: 'jobs', ...CONSTRAINED_TIMINGS });
    expect(warnings).toEqual([]);
    expect(options).toMatchObject({
      electionTimeoutMin: 1200,
      electionTimeoutMax: 2400,
      heartbeatInterval: 200,
    });
    expect(defaultMaxEventLoopStall(options)).toBeGreaterThan(800);
    // Options given after the profile win.
    const later = resolveElectionOptions({
      clusterId: 'jobs',
      ...CONSTRAINED_TIMINGS,
      heartbeatInterval: 250,
    });
    expect(later.options.heartbeatInterval).toBe(250);
  });

  it.each([
    [{}, 'clusterId', undefined],
    [{ clusterId: '' }, 'clusterId', ''],
    [{ clusterId: '  ' }, 'clusterId', '  '],
    [{ clusterId: 7 }, 'clusterId', 7],
    [{ clusterId: 'c', electionTimeoutMin: 0 }, 'electionTimeoutMin', 0],
    [{ clusterId: 'c', electionTimeoutMin: -5 }, 'electionTimeoutMin', -5],
    [{ clusterId: 'c', electionTimeoutMin: 1.5 }, 'electionTimeoutMin', 1.5],
    [{ clusterId: 'c', electionTimeoutMin: '150' }, 'electionTimeoutMin', '150'],
    [{ clusterId: 'c', electionTimeoutMax: 150 }, 'electionTimeoutMax', 150],
    [{ clusterId: 'c', electionTimeoutMin: 300, electionTimeoutMax: 150 }, 'electionTimeoutMax', 150],
    [{ clusterId: 'c', electionTimeoutMax: Number.NaN }, 'electionTimeoutMax', Number.NaN],
    [{ clusterId: 'c', heartbeatInterval: 0 }, 'heartbeatInterval', 0],
    [{ clusterId: 'c', heartbeatInterval: 2.5 }, 'heartbeatInterval', 2.5],
    [{ clusterId: 'c', clockDriftBound: -0.1 }, 'clockDriftBound', -0.1],
    [{ clusterId: 'c', clockDriftBound: 0.5 }, 'clockDriftBound', 0.5],
    [{ clusterId: 'c', voters: 'a,b' }, 'voters', 'a,b'],
    [{ clusterId: 'c', voters: ['a', ''] }, 'voters[1]', ''],
    [{ clusterId: 'c', voters: ['a', 'a'] }, 'voters[1]', 'a'],
  ])('rejects %j naming %s', (input, option, value) => {
    let caught: unknown;
    try {
      resolveElectionOptions(input as never);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionError);
    const error = caught as InvalidOptionError;
    expect(error.option).toBe(option);
    expect(error.value).toEqual(value);
    expect(error.message).toContain(option);
  });

  it('warns when the heartbeat is not below the minimum election timeout', () => {
    const { warnings } = resolveElectionOptions({ clusterId: 'c', heartbeatInterval: 150 });
    expect(warnings.join('\n')).toMatch(/heartbeatInterval=150 is not below electionTimeoutMin=150/);
  });

  it('sorts voters and derives a shorter lease from a larger drift bound', () => {
    const { options } = resolveElectionOptions({
      clusterId: 'c',
      voters: ['c', 'a', 'b'],
      clockDriftBound: 0.2,
    });
    expect(options.voters).toEqual(['a', 'b', 'c']);
    expect(options.leaseDuration).toBeCloseTo((150 * 0.8) / 1.2, 9);
  });
});
