// Small helpers shared by the benchmarks: percentiles, summaries and table formatting.

/**
 * The value below which a fraction `p` of the samples fall, by the nearest-rank method (as `percentile` in
 * `@baton/core/testing`): with 30 samples, p99 is the largest one. `null` for no samples.
 * @param {readonly number[]} samples
 * @param {number} p in [0, 1]
 * @returns {number | null}
 */
export function percentile(samples, p) {
  if (samples.length === 0) return null;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1];
}

/**
 * p50, p99, max and count, rounded to 0.1 ms (`null` fields when there are no samples).
 * @param {readonly number[]} samples
 */
export function summary(samples) {
  return {
    p50: round(percentile(samples, 0.5)),
    p99: round(percentile(samples, 0.99)),
    max: round(samples.length === 0 ? null : Math.max(...samples)),
    n: samples.length,
  };
}

/**
 * @param {number | null | undefined} value
 * @param {number} [digits]
 * @returns {number | null}
 */
export function round(value, digits = 1) {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * Formats rows as an aligned text table: the first column left-aligned, the others right-aligned.
 * @param {readonly string[]} header
 * @param {readonly (readonly unknown[])[]} rows
 * @returns {string}
 */
export function table(header, rows) {
  const cells = [header, ...rows].map((row) => row.map((cell) => (cell === null ? '-' : String(cell))));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join(
    '\n',
  );
}

/**
 * `x` as "12.3 ms", or "-" for null.
 * @param {number | null} x
 */
export function ms(x) {
  return x === null ? '-' : `${x.toFixed(1)} ms`;
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The number after `--name` on the command line, or `fallback` when the flag is absent.
 * @param {string} name
 * @param {number} fallback
 * @returns {number}
 */
export function numberArg(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}
