// Waiting for a condition over the lines of child processes: the orchestrators (membership-processes.mjs,
// many-replicas.mjs) call notify() on every line they read, and until() checks its condition then and every
// 20 ms.

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * @param {number} [defaultWithin] how long until() waits when not told, in ms
 * @returns {{ until: (condition: () => boolean, what: string, within?: number) => Promise<number>, notify: () => void }}
 */
export function conditions(defaultWithin = 120_000) {
  let waiters = [];
  /** Checks every pending condition again (a line arrived, a process exited). */
  const notify = () => {
    for (const check of waiters) check();
  };
  /** Resolves with the time in ms (hrtime) once `condition()` holds; rejects after `within` ms. */
  const until = (condition, what, within = defaultWithin) =>
    new Promise((resolve, reject) => {
      const deadline = nowMs() + within;
      const timer = setInterval(() => check(), 20);
      const check = () => {
        if (condition()) done(() => resolve(nowMs()));
        else if (nowMs() > deadline)
          done(() => reject(new Error(`timed out after ${within} ms waiting for ${what}`)));
      };
      const done = (settle) => {
        clearInterval(timer);
        waiters = waiters.filter((w) => w !== check);
        settle();
      };
      waiters.push(check);
      check();
    });
  return { until, notify };
}
