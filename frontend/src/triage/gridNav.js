/**
 * Keyboard navigation in the triage grid: a page of `count` cells laid out in rows of `columns`, focus
 * moved by arrow keys, Home/End, and "advance" after a label. Moving past either end of the page asks for
 * the neighbouring page (`page: +1 / -1`), so the arrows walk through the whole list.
 */

/**
 * @typedef {{index: number, page: -1|0|1}} FocusMove index on the current page (page 0), or where to land
 *   on the neighbouring page: 0 for the next page, -1 meaning "the last cell" of the previous one
 */

/**
 * @param {number} index focused cell on this page
 * @param {string} key 'ArrowRight' | 'ArrowLeft' | 'ArrowDown' | 'ArrowUp' | 'Home' | 'End' | 'advance'
 * @param {{columns: number, count: number}} layout
 * @returns {FocusMove|null} null for a key the grid does not use, or an empty page
 */
export function moveFocus(index, key, { columns, count }) {
  if (count <= 0) return null;
  const cols = Math.max(1, columns);
  const i = Math.min(Math.max(index, 0), count - 1);
  switch (key) {
    case 'ArrowRight':
    case 'advance':
      return i + 1 < count ? { index: i + 1, page: 0 } : { index: 0, page: 1 };
    case 'ArrowLeft':
      return i > 0 ? { index: i - 1, page: 0 } : { index: -1, page: -1 };
    case 'ArrowDown': {
      if (i + cols < count) return { index: i + cols, page: 0 };
      const lastRowStart = Math.floor((count - 1) / cols) * cols;
      return i >= lastRowStart ? { index: 0, page: 1 } : { index: count - 1, page: 0 };
    }
    case 'ArrowUp':
      return i - cols >= 0 ? { index: i - cols, page: 0 } : { index: -1, page: -1 };
    case 'Home':
      return { index: 0, page: 0 };
    case 'End':
      return { index: count - 1, page: 0 };
    default:
      return null;
  }
}

/**
 * Offset of the next page. Cells labelled on this page may have left the filter (an "unlabelled" list
 * loses every source just labelled), and the server counts what is left, so those are not skipped over.
 * @param {number} offset offset of this page
 * @param {number} shown cells on this page
 * @param {number} left how many of them no longer match the filter
 * @returns {number}
 */
export function nextPageOffset(offset, shown, left) {
  return Math.max(0, offset + shown - left);
}

/**
 * @param {{label_class: string|null, votedByMe?: boolean}} item with its current class (and whether I voted on it here)
 * @param {{state?: string, classes?: string[]}} filter
 * @returns {boolean} whether the item still belongs in a list with this filter
 */
export function matchesFilter(item, { state = 'all', classes = [] }) {
  const labelled = item.label_class !== null && item.label_class !== undefined;
  if (state === 'unlabelled' && labelled) return false;
  if (state === 'labelled' && !labelled) return false;
  if (state === 'unvoted' && item.votedByMe) return false;
  if (classes.length && !classes.includes(String(item.label_class))) return false;
  return true;
}

/**
 * How many columns of `cellWidth` fit in `width` (the grid wraps with CSS; arrows need the same count).
 * @param {number} width
 * @param {number} cellWidth including the gap
 * @returns {number}
 */
export function columnsFor(width, cellWidth) {
  return Math.max(1, Math.floor(width / cellWidth));
}
