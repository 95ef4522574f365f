/**
 * Walking my queue in a consensus round, as pure functions: `n` goes to the NEAREST source of my queue not
 * done yet (not the queue's or the catalogue's order: the paper's annotators label a region at a time),
 * `p` back along the sources visited on this walk. Positions are FITS 0-based pixels.
 */

/**
 * @param {{done: number, total: number}|null} queue
 * @returns {string} "12 of 40 done"
 */
export function progressText(queue) {
  if (!queue) return '';
  return `${queue.done} of ${queue.total} done`;
}

/**
 * @param {import('../api/rounds.js').QueueItem} item
 * @param {Record<number, {label_class?: string|null}>} [labelledHere] labels made here, ahead of the server
 */
export function isDone(item, labelledHere = {}) {
  if (item.repeat || item.done) return item.done;
  const here = labelledHere[item.source_id];
  return Boolean(here && here.label_class != null);  // labelled here, ahead of the next queue refresh
}

/**
 * The queue item to go to next.
 * @param {import('../api/rounds.js').QueueItem[]} items
 * @param {{x: number, y: number}|null} from where the walk stands (the selected source, else the view centre)
 * @param {{labelledHere?: Record<number, object>, skip?: number[]}} [opts]
 * @returns {import('../api/rounds.js').QueueItem|null} the nearest undone item (a repeat only once its
 *   first showing is done); null when the queue is done
 */
export function nearestUndone(items, from, opts = {}) {
  const skip = new Set(opts.skip ?? []);
  const firstDone = new Set(items.filter((i) => !i.repeat && isDone(i, opts.labelledHere)).map((i) => i.source_id));
  const open = items.filter((i) => !isDone(i, opts.labelledHere) && !skip.has(i.source_id)
    && (!i.repeat || firstDone.has(i.source_id)));
  if (!open.length) return null;
  if (!from) return open[0];
  let best = open[0];
  let bestD = Infinity;
  for (const item of open) {
    const d = (item.x - from.x) ** 2 + (item.y - from.y) ** 2;
    if (d < bestD) {
      best = item;
      bestD = d;
    }
  }
  return best;
}

/**
 * The queue item a label of `sourceId` belongs to: its first showing until that is done, then its repeat.
 * @param {import('../api/rounds.js').QueueItem[]} items
 * @param {number} sourceId
 * @param {Record<number, object>} [labelledHere]
 * @returns {import('../api/rounds.js').QueueItem|null}
 */
export function itemFor(items, sourceId, labelledHere = {}) {
  const mine = items.filter((i) => i.source_id === sourceId);
  const first = mine.find((i) => !i.repeat);
  if (!first) return null;
  const repeat = mine.find((i) => i.repeat && !i.done);
  return isDone(first, labelledHere) && first.done && repeat ? repeat : first;
}
