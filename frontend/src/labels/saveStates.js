/**
 * What the save queue's entries mean for the screen: a badge per source (pending while its first try is
 * under way, failed once a try has failed), the status counter, and the drawn shapes not yet saved (they
 * have no source id until the server creates their source).
 */

/**
 * @param {import('./saveQueue.js').QueueEntry[]} entries
 * @returns {Record<number, 'pending'|'failed'>} by source id; failed wins over pending
 */
export function sourceSaveStates(entries) {
  /** @type {Record<number, 'pending'|'failed'>} */
  const states = {};
  for (const e of entries) {
    const id = /** @type {number|undefined} */ (e.body.source_id);
    if (id === undefined || id === null) continue;
    const failed = e.state === 'rejected' || e.attempts > 0;
    if (failed) states[id] = 'failed';
    else if (!states[id]) states[id] = 'pending';
  }
  return states;
}

/**
 * @param {import('./saveQueue.js').QueueEntry[]} entries
 * @returns {{pending: number, failed: number, rejected: number, error: string|null}} pending counts every
 *   unsaved label; failed those whose last try failed (rejected ones included); error the latest message
 */
export function saveSummary(entries) {
  let failed = 0;
  let rejected = 0;
  let error = null;
  for (const e of entries) {
    if (e.state === 'rejected') rejected += 1;
    if (e.state === 'rejected' || e.attempts > 0) {
      failed += 1;
      error = e.error;
    }
  }
  return { pending: entries.length, failed, rejected, error };
}

/**
 * @param {import('./saveQueue.js').QueueEntry[]} entries
 * @param {number} imageId
 * @returns {{key: string, geometry: object, class: string|null, failed: boolean}[]} unsaved drawn shapes
 */
export function unsavedShapes(entries, imageId) {
  return entries.filter((e) => e.imageId === imageId && e.body.geometry && e.body.source_id === undefined)
    .map((e) => ({
      key: e.key,
      geometry: /** @type {object} */ (e.body.geometry),
      class: /** @type {string|null} */ (e.body.class ?? null),
      failed: e.state === 'rejected' || e.attempts > 0,
    }));
}
