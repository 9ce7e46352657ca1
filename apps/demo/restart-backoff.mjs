// When the demo launcher restarts a replica that exited: at once-ish after a healthy run, with a doubling wait
// when it keeps dying young (a bad setting, a port taken by something else), so that a replica that can never
// start does not spin a core.

/**
 * @typedef {object} RestartPolicy
 * @property {number} initialMs  the wait after a replica's first exit in a row (`--restart-delay`)
 * @property {number} maxMs      the longest wait
 * @property {number} healthyMs  how long a replica must have been up (HTTP serving) for its exit not to count
 *                               as one more failure in a row
 */

/** The smallest step the doubling starts from, so that `--restart-delay 0` still backs off. */
const MIN_STEP_MS = 100;

/**
 * The policy for a given `--restart-delay`: doubling up to 30 s (or the delay itself, when longer), reset by a
 * run of 10 s.
 *
 * @param {number} initialMs
 * @returns {RestartPolicy}
 * @example
 * restartPolicy(2000); // { initialMs: 2000, maxMs: 30000, healthyMs: 10000 }
 */
export function restartPolicy(initialMs) {
  return { initialMs, maxMs: Math.max(30_000, initialMs), healthyMs: 10_000 };
}

/**
 * The next restart of a replica that just exited.
 *
 * @param {number} failuresBefore  exits in a row before this one that came before a healthy run
 * @param {number | null} upForMs  how long the replica had been up when it exited (`null`: it never came up)
 * @param {RestartPolicy} policy
 * @returns {{ failures: number, delayMs: number }} `failures`: exits in a row including this one (0 after a
 *   healthy run); `delayMs`: how long to wait before starting it again
 * @example
 * nextRestart(0, 60_000, restartPolicy(2000)); // { failures: 0, delayMs: 2000 }  killed after a minute
 * nextRestart(2, null, restartPolicy(2000));   // { failures: 3, delayMs: 8000 }  dies at every start
 */
export function nextRestart(failuresBefore, upForMs, policy) {
  const healthy = upForMs !== null && upForMs >= policy.healthyMs;
  const failures = healthy ? 0 : failuresBefore + 1;
  if (failures <= 1) return { failures, delayMs: policy.initialMs };
  const doubled = Math.max(policy.initialMs, MIN_STEP_MS) * 2 ** (failures - 1);
  return { failures, delayMs: Math.min(policy.maxMs, doubled) };
}
