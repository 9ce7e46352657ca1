/** The simulator's small parts: the seeded generator, the event queue (against a naive reference), clocks, the network. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue, Prng, percentile, SimClock, SimNetwork } from '../../src/testing/index.js';

describe('Prng', () => {
  it('is a pure function of its seed', () => {
    const a = new Prng(7);
    const b = new Prng(7);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    expect(new Prng(8).next()).not.toBe(xs[0]);
  });

  it('stays in range and is roughly uniform', () => {
    const random = new Prng(1);
    const buckets = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = random.next();
      if (!(x >= 0 && x < 1)) outside++;
      buckets[Math.floor(x * 10)]! += 1;
    }
    expect(outside).toBe(0);
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
    const ints = new Set(Array.from({ length: 1_000 }, () => random.int(3, 5)));
    expect([...ints].sort()).toEqual([3, 4, 5]);
  });
});

describe('EventQueue', () => {
  it('pops in (time, insertion) order, like a stable sort (property, against a naive reference)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean())), (ops) => {
        const queue = new EventQueue<number>();
        const reference: { at: number; id: number }[] = [];
        let id = 0;
        const popped: number[] = [];
        const expected: number[] = [];
        for (const [at, pop] of ops) {
          if (pop) {
            popped.push(queue.pop()?.value ?? -1);
            reference.sort((x, y) => x.at - y.at || x.id - y.id);
            expected.push(reference.shift()?.id ?? -1);
          } else {
            queue.push(at, id);
            reference.push({ at, id });
            id++;
          }
        }
        while (queue.size > 0) popped.push(queue.pop()?.value ?? -1);
        reference.sort((x, y) => x.at - y.at || x.id - y.id);
        expected.push(...reference.map((r) => r.id));
        expect(popped).toEqual(expected);
      }),
    );
  });
});

describe('SimClock', () => {
  it('maps virtual time to a reading and back without firing early', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e5, noNaN: true }),
        fc.double({ min: 0.95, max: 1.05, noNaN: true }),
        fc.double({ min: 0, max: 1e5, noNaN: true }),
        (offset, rate, reading) => {
          const clock = new SimClock(0, offset, rate);
          const v = clock.virtualAt(reading);
          expect(v).toBeGreaterThanOrEqual(0); // never before the clock existed
          if (reading > offset) {
            expect(clock.local(v)).toBeGreaterThanOrEqual(reading);
            expect(Math.abs(v - (reading - offset) / rate)).toBeLessThan(1e-6);
          }
        },
      ),
    );
  });

  it('stays continuous across a rate change', () => {
    const clock = new SimClock(0, 100, 1);
    clock.setRate(50, 1.05);
    expect(clock.local(50)).toBe(150);
    expect(clock.local(150)).toBeCloseTo(255);
  });
});

describe('SimNetwork', () => {
  it('cuts links fully, partially and one way, and heals', () => {
    const net = new SimNetwork(['a', 'b', 'c'], new Prng(1));
    net.cut('a', 'c');
    expect([
      net.reaches('a', 'b'),
      net.reaches('b', 'c'),
      net.reaches('a', 'c'),
      net.reaches('c', 'a'),
    ]).toEqual([true, true, false, false]);
    net.heal();
    net.cutOneWay('b', 'a');
    expect([net.reaches('b', 'a'), net.reaches('a', 'b')]).toEqual([false, true]);
    net.heal();
    net.partition(['a']);
    expect([net.reaches('a', 'b'), net.reaches('b', 'c'), net.partitioned]).toEqual([false, true, true]);
    net.heal();
    expect(net.partitioned).toBe(false);
  });

  it('loses, duplicates and delays messages at the configured rates', () => {
    const net = new SimNetwork(['a', 'b'], new Prng(2), { lossRate: 0.25, duplicateRate: 0.1 });
    let lost = 0;
    let copies = 0;
    const delays: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const d = net.transitDelay();
      if (d < 0) lost++;
      else delays.push(d);
      if (net.duplicateDelay() >= 0) copies++;
    }
    expect(lost / 20_000).toBeCloseTo(0.25, 1);
    expect(copies / 20_000).toBeCloseTo(0.1, 1);
    expect(Math.min(...delays)).toBeGreaterThan(0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(45);
    expect(() => net.setConditions({ lossRate: 2 })).toThrow(/lossRate/);
  });
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    expect(percentile([], 0.5)).toBe(0);
    expect(percentile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 1)).toBe(5);
    expect(percentile([5, 1, 4, 2, 3], 0.01)).toBe(1);
  });
});
