import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveTransportOptions } from '../src/options.js';
import { Reachability } from '../src/reachability.js';
import type { AddressDiagnostic } from '../src/types.js';

/* The warning when no peer is reachable, in virtual time. */

const refused: AddressDiagnostic = {
  address: '/ip4/10.0.0.7/tcp/4001',
  source: 'bootstrap',
  peer: null,
  connected: false,
  attempts: 3,
  lastAttempt: 0,
  error: 'refused',
  detail: 'connect ECONNREFUSED 10.0.0.7:4001',
  since: 0,
};

function setup(failing: AddressDiagnostic[]) {
  const warnings: string[] = [];
  const infos: string[] = [];
  const logger = {
    debug: () => {},
    info: (message: string) => void infos.push(message),
    warn: (message: string) => void warnings.push(message),
    error: () => {},
  };
  const options = resolveTransportOptions({ clusterId: 'jobs', dialTimeout: 1000, logger });
  const reachability = new Reachability({ clusterId: 'jobs', options, log: logger }, () => failing);
  return { reachability, warnings, infos };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Reachability', () => {
  it('warns after 2 × dialTimeout alone, then at doubling intervals up to a minute', () => {
    const { reachability, warnings } = setup([refused]);
    reachability.update(0);
    vi.advanceTimersByTime(1999);
    expect(warnings).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toContain('no peer of cluster "jobs" reachable for 2.0 s');
    expect(warnings[0]).toContain('/ip4/10.0.0.7/tcp/4001: connection refused');
    expect(warnings[0]).toContain('3 attempts; connect ECONNREFUSED');
    // Then at 4, 8, 16, 32 s after each other, and every minute once there.
    const at = (ms: number) => {
      vi.advanceTimersByTime(ms);
      return warnings.length;
    };
    expect([at(4000), at(8000), at(16_000), at(32_000), at(60_000), at(60_000)]).toEqual([2, 3, 4, 5, 6, 7]);
    expect(at(59_999)).toBe(7);
    reachability.stop();
  });

  it('says nothing when no dial failed, and stops (with an info line) once a peer joins', () => {
    const failing: AddressDiagnostic[] = [];
    const { reachability, warnings, infos } = setup(failing);
    reachability.update(0);
    vi.advanceTimersByTime(10_000);
    expect(warnings).toEqual([]);
    failing.push(refused);
    vi.advanceTimersByTime(8000);
    expect(warnings.length).toBe(1);
    expect(reachability.noPeerSince).toBe(0);
    reachability.update(1);
    expect(infos).toEqual(['a peer of the cluster is reachable again']);
    expect(reachability.noPeerSince).toBe(null);
    vi.advanceTimersByTime(600_000);
    expect(warnings.length).toBe(1);
  });
});
