// When the demo launcher restarts a replica that exited: at once-ish after a healthy run, with a doubling wait
// when it keeps dying young (a bad setting, a port taken by something else), so that a replica that can never
// start does not spin a core.

/**
 * @typedef {object} RestartPolicy
 * @property {number} initialDelay   ms to wait after a replica's first exit in a row (`--restart-delay`)
 * @property {number} maxDelay       the longest wait, in ms
 * @property {number} healthyUptime  ms a replica must have been up (HTTP serving) for its exit not to count
 *                                   as one more failure in a row
 */

/** The smallest step the doubling starts from, so that `--restart-delay 0` still backs off. */
const MIN_STEP = 100;

/**
 * The policy for a given `--restart-delay`: doubling up to 30 s (or the delay itself, when longer), reset by a
 * run of 10 s.
 *
 * @param {number} initialDelay  ms
 * @returns {RestartPolicy}
 * @example
 * restartPolicy(2000); // { initialDelay: 2000, maxDelay: 30000, healthyUptime: 10000 }
 */
export function restartPolicy(initialDelay) {
  return { initialDelay, maxDelay: Math.max(30_000, initialDelay), healthyUptime: 10_000 };
}

/**
 * The next restart of a replica that just exited.
 *
 * @param {number} failuresBefore  exits in a row before this one that came before a healthy run
 * @param {number | null} upFor  ms the replica had been up when it exited (`null`: it never came up)
 * @param {RestartPolicy} policy
 * @returns {{ failures: number, delay: number }} `failures`: exits in a row including this one (0 after a
 *   healthy run); `delay`: how long to wait before starting it again, in ms
 * @example
 * nextRestart(0, 60_000, restartPolicy(2000)); // { failures: 0, delay: 2000 }  killed after a minute
 * nextRestart(2, null, restartPolicy(2000));   // { failures: 3, delay: 8000 }  dies at every start
 */
export function nextRestart(failuresBefore, upFor, policy) {
  const healthy = upFor !== null && upFor >= policy.healthyUptime;
  const failures = healthy ? 0 : failuresBefore + 1;
  if (failures <= 1) return { failures, delay: policy.initialDelay };
  const doubled = Math.max(policy.initialDelay, MIN_STEP) * 2 ** (failures - 1);
  return { failures, delay: Math.min(policy.maxDelay, doubled) };
}
