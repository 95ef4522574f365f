/**
 * Which catalogue columns the source panel and the triage grid show first: magnitudes (LEGUS `mag_F555W`,
 * SExtractor `MAG_AUTO`) and the concentration index (`ci`, `CI`), the quantities an annotator judges a
 * cluster candidate by; everything else after them.
 */

const MAG = /^(mag|MAG)(_|$)/;
const CI = /^(ci|CI|ci_.*|CI_.*)$/;

/**
 * @param {string} name
 * @returns {boolean} a magnitude or concentration index (not its error or a missing-value flag)
 */
export function isKeyColumn(name) {
  if (/_(err|error|missing)$/i.test(name) || /^mag_?err/i.test(name)) return false;
  return MAG.test(name) || CI.test(name);
}

/**
 * @param {Record<string, unknown>} columns a source's `columns`
 * @returns {{key: [string, unknown][], other: [string, unknown][]}} key columns first (in catalogue order)
 */
export function splitColumns(columns) {
  const entries = Object.entries(columns ?? {});
  return {
    key: entries.filter(([k]) => isKeyColumn(k)),
    other: entries.filter(([k]) => !isKeyColumn(k)),
  };
}

/**
 * Columns the triage grid can sort by, from the items of a page: numeric key columns.
 * @param {{columns?: Record<string, unknown>}[]} items
 * @returns {string[]}
 */
export function sortableColumns(items) {
  const names = new Set();
  for (const item of items) {
    for (const [k, v] of Object.entries(item.columns ?? {})) if (isKeyColumn(k) && typeof v === 'number') names.add(k);
  }
  return [...names];
}

/**
 * @param {unknown} v a column value
 * @returns {string} numbers to 4 significant digits past the point, NaN/null as a dash
 */
export function formatColumn(v) {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(+v.toFixed(4));
  return String(v);
}

/**
 * Key columns the layers' catalogues carry (layer `meta.columns`, recorded at import), in catalogue order:
 * what the triage grid asks the list endpoint for and offers to sort by.
 * @param {{meta?: {columns?: Record<string, unknown>}}[]} layers
 * @param {number} [max] at most this many
 * @returns {string[]}
 */
export function layerKeyColumns(layers, max = 6) {
  const names = [];
  for (const layer of layers) {
    for (const name of Object.keys(layer.meta?.columns ?? {})) {
      if (isKeyColumn(name) && !names.includes(name)) names.push(name);
    }
  }
  return names.slice(0, max);
}
