/**
 * Throttle for requests that follow the cursor: at most one call in flight, and when it returns only the
 * latest position asked for meanwhile is sent (the ones in between are dropped). The readout stays
 * current without queueing a request per mouse event.
 */

/**
 * @template {unknown[]} A
 * @param {(...args: A) => Promise<unknown>} task errors are the task's own business (they are swallowed
 *   here so one failure does not stop the stream)
 * @returns {(...args: A) => void} schedule: call as often as you like
 */
export function latestWins(task) {
  let running = false;
  /** @type {A|null} */
  let pending = null;

  async function pump() {
    running = true;
    while (pending) {
      const args = pending;
      pending = null;
      try {
        await task(...args);
      } catch {
        // reported by the task
      }
    }
    running = false;
  }

  return (...args) => {
    pending = args;
    if (!running) pump();
  };
}

/**
 * Debounced, latest-wins requests for data that follows the view: `schedule()` runs after `debounceMs` of
 * quiet, `now()` at once; every run aborts the one before it, and `isCurrent()` tells a run whether a newer
 * one has started since (its answer is then stale and must be dropped).
 * @param {(signal: AbortSignal, isCurrent: () => boolean) => Promise<void>} run
 * @param {number} debounceMs
 * @returns {{schedule: () => void, now: () => Promise<void>}}
 */
export function latestRequest(run, debounceMs) {
  /** @type {ReturnType<typeof setTimeout>|null} */
  let timer = null;
  /** @type {AbortController|null} */
  let inFlight = null;
  let seq = 0;

  function now() {
    if (timer) clearTimeout(timer);
    timer = null;
    seq += 1;
    const mine = seq;
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    return run(controller.signal, () => mine === seq);
  }

  function schedule() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      now();
    }, debounceMs);
  }

  return { schedule, now };
}
