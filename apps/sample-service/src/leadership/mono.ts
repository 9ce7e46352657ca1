/**
 * CLOCK_MONOTONIC in nanoseconds, as `process.hrtime.bigint()` reads it. On one host every process reads the
 * same clock, so these values line up the leadership windows of several processes.
 */
export function monoNow(): bigint {
  return process.hrtime.bigint();
}

/**
 * `performance.now()` (what Baton's runtime measures time with) counts from a per-process origin on the same
 * monotonic clock; the offset turns its milliseconds into `hrtime` nanoseconds. Sampled a few times and the
 * tightest pair kept, so the error is a few microseconds.
 */
const perfOffsetNs: bigint = (() => {
  let best: { offset: bigint; width: bigint } | null = null;
  for (let i = 0; i < 5; i += 1) {
    const before = process.hrtime.bigint();
    const perf = performance.now();
    const after = process.hrtime.bigint();
    const width = after - before;
    const offset = (before + after) / 2n - BigInt(Math.round(perf * 1e6));
    if (best === null || width < best.width) best = { offset, width };
  }
  return best!.offset;
})();

/** Converts `performance.now()` milliseconds (e.g. `LeadershipHandle.since`) to `hrtime` nanoseconds. */
export function perfToMono(ms: number): bigint {
  return perfOffsetNs + BigInt(Math.round(ms * 1e6));
}
