/**
 * A small seeded pseudo-random generator (sfc32, seeded through splitmix32), so that a whole simulated run is
 * a function of one integer seed. Never use `Math.random` in the simulator: a run must replay exactly.
 *
 * @example
 * ```ts
 * import { Prng } from '@baton/core/testing';
 * const random = new Prng(42);
 * const timeout = random.between(150, 300); // the same number on every run with seed 42
 * const nodeRandom = random.fork().next; // an independent stream, e.g. for one node's `random`
 * ```
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    // splitmix32 spreads a small seed over the 128 bits of state, so seeds 1, 2, 3... are unrelated streams.
    const mix = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in [0, 1). Bound to the instance, so it can be handed out as a `random` function. */
  readonly next = (): number => this.nextUint32() / 4294967296;

  /** A uniform number in [min, max). */
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** A uniform integer in [min, max] (both included). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** `true` with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Prng.pick: empty array');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** A new generator seeded from this one: an independent stream that does not disturb this one's later use. */
  fork(): Prng {
    return new Prng(this.nextUint32());
  }
}
