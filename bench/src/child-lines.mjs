// What the benchmark's child processes (cluster-node.mjs, observer-host.mjs) share: one JSON line per event on
// stdout, read by their orchestrator, monotonic timestamps it can compare across processes, and a logger that
// keeps the election's warnings and errors on stderr (the orchestrator prints them when something fails).

/** Now, on the clock every process shares (hrtime nanoseconds), as a string for JSON. */
export const nowMono = () => process.hrtime.bigint().toString();

/** Writes one event line for the orchestrator. @param {Record<string, unknown>} line */
export function emit(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** A log context as JSON, or as a string when it does not serialise (a cycle, a BigInt). */
function safeJson(value) {
  try {
    return value === undefined ? '' : JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** The election's logger in a child: warnings and errors on stderr, the rest dropped. */
export const childLogger = {
  debug() {},
  info() {},
  warn: (message, context) => process.stderr.write(`[warn] ${message} ${safeJson(context)}\n`),
  error: (message, context) => process.stderr.write(`[error] ${message} ${safeJson(context)}\n`),
};
