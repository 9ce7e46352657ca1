import { describe, expect, it } from 'vitest';
import {
  consoleLogger,
  defaultMaxEventLoopStall,
  FileStateStore,
  InvalidOptionError,
  LeaderElection,
  type LeaderElectionOptions,
  MemoryStateStore,
  resolveElectionOptions,
} from '../../src/index.js';
import { decodePayload, encodePayload } from '../../src/runtime/payload.js';
import { MemoryNetwork } from '../../src/testing/index.js';

function options(overrides: Partial<LeaderElectionOptions> = {}): LeaderElectionOptions {
  return {
    clusterId: 'opts',
    voters: ['a', 'b', 'c'],
    transport: new MemoryNetwork().transport('a'),
    store: new MemoryStateStore(),
    ...overrides,
  };
}

function optionError(
  overrides: Partial<LeaderElectionOptions> | Record<string, unknown>,
): InvalidOptionError {
  try {
    new LeaderElection(options(overrides as Partial<LeaderElectionOptions>));
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return error as InvalidOptionError;
  }
  throw new Error('expected an InvalidOptionError');
}

describe('LeaderElection options', () => {
  it.each([
    [{ clusterId: '' }, 'clusterId'],
    [{ electionTimeoutMin: 300, electionTimeoutMax: 200 }, 'electionTimeoutMax'],
    [{ heartbeatInterval: -1 }, 'heartbeatInterval'],
    [{ observerHeartbeatInterval: 10 }, 'observerHeartbeatInterval'], // below heartbeatInterval
    [{ voters: ['a', 'a'] }, 'voters[1]'],
    [{ transport: undefined }, 'transport'],
    [{ transport: { start() {} } }, 'transport'],
    [{ store: undefined }, 'store'],
    [{ dataDir: '/tmp/x' }, 'dataDir'], // with store as well
    [{ store: { open() {} } }, 'store'],
    [{ logger: { info() {} } }, 'logger'],
    [{ stepDownOnHandlerError: 'yes' }, 'stepDownOnHandlerError'],
    [{ stopTimeout: 0 }, 'stopTimeout'],
    [{ maxEventLoopStall: Number.NaN }, 'maxEventLoopStall'],
    [{ maxEventLoopStall: 0 }, 'maxEventLoopStall'],
    [{ maxEventLoopStall: -5 }, 'maxEventLoopStall'],
    [{ maxEventLoopStall: '50' }, 'maxEventLoopStall'],
    [{ random: 0.5 }, 'random'],
    [{ timeProvider: { now: () => 0 } }, 'timeProvider'],
    [{ placementInterval: -1 }, 'placementInterval'],
    [{ placementInterval: 10 }, 'placementInterval'], // below heartbeatInterval
    [{ groupIdleTimeout: -1 }, 'groupIdleTimeout'],
    [{ groupIdleTimeout: 2_999 }, 'groupIdleTimeout'], // below 10 × electionTimeoutMax
  ])('%j is refused, naming %s', (overrides, option) => {
    const error = optionError(overrides);
    expect(error.option).toBe(option);
    expect(error.message).toContain(option);
  });

  it('the transport error lists the missing methods', () => {
    expect(optionError({ transport: { start() {}, stop() {} } }).message).toMatch(
      /missing send, broadcast, peers/,
    );
  });

  it('maxEventLoopStall defaults to the lease slack between renewals (leaseDuration − heartbeatInterval), at least 10 ms', async () => {
    const { options: defaults } = resolveElectionOptions({ clusterId: 'opts' });
    expect(defaultMaxEventLoopStall(defaults)).toBeCloseTo(defaults.leaseDuration - 50, 9);
    expect(defaultMaxEventLoopStall(defaults)).toBeCloseTo(85.714, 2);
    const { options: tight } = resolveElectionOptions({ clusterId: 'opts', heartbeatInterval: 130 });
    expect(defaultMaxEventLoopStall(tight)).toBe(10);
    const stallBound = async (overrides: Partial<LeaderElectionOptions>): Promise<number> => {
      const election = new LeaderElection(options({ logger: consoleLogger('error'), ...overrides }));
      await election.start();
      const bound = election.inspect().eventLoop.maxStall;
      await election.stop();
      return bound;
    };
    expect(await stallBound({})).toBeCloseTo(85.714, 2);
    expect(await stallBound({ heartbeatInterval: 20 })).toBeCloseTo(defaults.leaseDuration - 20, 9);
    expect(await stallBound({ maxEventLoopStall: 250 })).toBe(250);
  });

  it('dataDir alone makes a FileStateStore; an empty one is refused', () => {
    expect(
      () => new LeaderElection({ ...options(), store: undefined, dataDir: '/tmp/baton-x' }),
    ).not.toThrow();
    expect(() => new FileStateStore('  ')).toThrow(/dataDir/);
  });

  it('start() honours an aborted signal and leaves nothing started', async () => {
    const network = new MemoryNetwork();
    const store = new MemoryStateStore();
    const election = new LeaderElection(options({ transport: network.transport('a'), store }));
    await expect(election.start({ signal: AbortSignal.abort(new Error('shutting down')) })).rejects.toThrow(
      'shutting down',
    );
    expect(election.status).toBe('idle');
    expect(store.isOpen).toBe(false);
    expect(network.members).toEqual([]);
  });

  it('a node not in voters starts as an observer and says so once', async () => {
    const lines: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => void lines.push(m), error() {} };
    const election = new LeaderElection(options({ voters: ['b', 'c', 'd'], logger }));
    await election.start();
    expect(election.inspect().role).toBe('observer');
    expect(lines.filter((l) => /runs as an observer/.test(l))).toHaveLength(1);
    await election.stop();
  });
});

describe('payloads and the console logger', () => {
  it('round-trips JSON payloads, and refuses what JSON would change', () => {
    const value = { n: 1, s: 'x', list: [true, null], nested: { when: '2026-01-01' } };
    expect(decodePayload(encodePayload(value))).toEqual(value);
    expect(() => encodePayload({ a: Number.POSITIVE_INFINITY })).toThrow(
      /payload.a: Infinity is not a finite number/,
    );
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => encodePayload(cycle)).toThrow(/payload.self: refers back to itself/);
    expect(() => encodePayload({ 'a-b': () => 1 })).toThrow(/payload\["a-b"\]: is a function/);
    expect(() => encodePayload(new (class Job {})())).toThrow(/instance of Job/);
  });

  it('consoleLogger filters by level and refuses an unknown one', () => {
    const lines: string[] = [];
    const sink = {
      debug: (m: string) => void lines.push(`d ${m}`),
      info: (m: string) => void lines.push(`i ${m}`),
      warn: (m: string, c?: string) => void lines.push(`w ${m} ${c}`),
      error: (m: string) => void lines.push(`e ${m}`),
    };
    const logger = consoleLogger('warn', sink);
    logger.info('hidden');
    logger.warn('shown', { term: 3 });
    expect(lines).toEqual(['w [baton] shown {"term":3}']);
    expect(() => consoleLogger('loud' as 'warn')).toThrow(/level must be one of/);
  });
});
