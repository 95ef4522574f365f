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
