import { describe, expect, it } from 'vitest';
import { Redialer, type RedialerHost } from '../src/redialer.js';
import { eventually } from './helpers.js';

/** A host whose dials always fail; `forever` peers are redialled without a bound, others `limit` times. */
function failingHost(limit: number, forever: readonly string[] = []) {
  const dials = new Map<string, number>();
  const gaveUp: string[] = [];
  const host: RedialerHost = {
    redial: async (peer) => {
      dials.set(peer, (dials.get(peer) ?? 0) + 1);
      throw new Error('refused');
    },
    active: () => true,
    failed: () => {},
    maxAttempts: (peer) => (forever.includes(peer) ? Number.POSITIVE_INFINITY : limit),
    gaveUp: (peer) => gaveUp.push(peer),
    maxDelay: 10,
  };
  return { host, dials, gaveUp };
}

describe('Redialer', () => {
  it('gives up on a peer after its number of attempts; keeps redialling one without a bound', async () => {
    const { host, dials, gaveUp } = failingHost(3, ['bootstrap']);
    const redialer = new Redialer(host);
    redialer.schedule('bootstrap', 0);
    redialer.schedule('passer-by', 0);
    await eventually(() => gaveUp.length === 1, 5000, 'the passer-by to be given up');
    expect(gaveUp).toEqual(['passer-by']);
    expect(dials.get('passer-by')).toBe(3);
    await eventually(() => (dials.get('bootstrap') ?? 0) > 10, 5000, 'the bootstrap peer redialled on');
    expect(gaveUp).toEqual(['passer-by']);
    expect(redialer.size).toBe(1);
    redialer.clear();
  });

  it('with no attempts allowed, gives up without dialling', async () => {
    const { host, dials, gaveUp } = failingHost(0);
    new Redialer(host).schedule('passer-by', 1);
    await eventually(() => gaveUp.length === 1, 5000, 'the give-up');
    expect(dials.size).toBe(0);
  });

  it('cancel() stops redialling a peer, even with a dial in flight', async () => {
    let release: () => void = () => {};
    let dials = 0;
    const { host } = failingHost(Number.POSITIVE_INFINITY);
    const redialer = new Redialer({
      ...host,
      redial: () => {
        dials++;
        return new Promise((_, reject) => (release = () => reject(new Error('refused'))));
      },
    });
    redialer.schedule('leaver', 0);
    await eventually(() => dials === 1, 5000, 'the first dial');
    redialer.cancel('leaver');
    release();
    expect(redialer.size).toBe(0);
    // A barrier: another peer's dial is scheduled after the failed one settled.
    redialer.schedule('other', 0);
    await eventually(() => dials === 2, 5000, "the other peer's dial");
    expect(redialer.size).toBe(1);
    redialer.clear();
  });
});
