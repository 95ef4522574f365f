/**
 * Photometric expressions over the photometry columns, by the server's rule
 * (backend/services/selection/expressions.py): a column or a sum / difference of columns ("mag_V-mag_I");
 * a term that is null is *missing*, or a *sentinel* when the server flagged a placeholder (99.999,
 * 66.666, ...) there. Such points are left out of a diagram and counted, by reason.
 */

const NAME = '[A-Za-z_][A-Za-z0-9_.]{0,99}';
const EXPR = new RegExp(`^\\s*${NAME}\\s*(?:[+-]\\s*${NAME}\\s*)*$`);
const TERM = new RegExp(`([+-]?)\\s*(${NAME})`, 'g');

/**
 * @param {string} text
 * @returns {{text: string, terms: [number, string][]}}
 */
export function parseExpression(text) {
  if (typeof text !== 'string' || !EXPR.test(text)) {
    throw new Error(`"${text}" is not a column or a sum/difference of columns (e.g. mag_V-mag_I)`);
  }
  const terms = [...text.matchAll(TERM)].map((m) => /** @type {[number, string]} */ ([m[1] === '-' ? -1 : 1, m[2]]));
  return { text: text.replace(/\s+/g, ''), terms };
}

/**
 * Evaluate an expression for every row.
 * @param {import('../api/selection.js').Photometry} phot
 * @param {string} text
 * @returns {{values: Float64Array, why: Uint8Array}} values NaN where why is 1 (missing) or 2 (sentinel)
 */
export function evaluate(phot, text) {
  const { terms } = parseExpression(text);
  const n = phot.count;
  const values = new Float64Array(n);
  const why = new Uint8Array(n);
  for (const [sign, name] of terms) {
    const column = phot.values[name];
    const flagged = new Set(phot.sentinels?.[name] ?? []);
    for (let i = 0; i < n; i += 1) {
      const v = column ? column[i] : null;
      if (v === null || v === undefined || !Number.isFinite(v)) {
        if (flagged.has(i)) why[i] = 2;
        else if (why[i] === 0) why[i] = 1;
      } else {
        values[i] += sign * v;
      }
    }
  }
  for (let i = 0; i < n; i += 1) if (why[i]) values[i] = NaN;
  return { values, why };
}

/**
 * @param {string} a a band's magnitude column
 * @param {string} b another
 * @returns {string} the colour a - b
 */
export const colour = (a, b) => `${a}-${b}`;

/** Band aliases: LEGUS letters first, then the HST filters that stand for them. */
const BAND_COLUMNS = {
  NUV: ['mag_NUV', 'mag_F275W'],
  U: ['mag_U', 'mag_F336W'],
  B: ['mag_B', 'mag_F435W', 'mag_F438W'],
  V: ['mag_V', 'mag_F555W', 'mag_F606W'],
  I: ['mag_I', 'mag_F814W'],
};

/**
 * The band columns a catalogue has, by LEGUS letter.
 * @param {string[]} columns
 * @returns {Record<string, string>}
 */
export function bandColumns(columns) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const [band, names] of Object.entries(BAND_COLUMNS)) {
    const found = names.find((n) => columns.includes(n));
    if (found) out[band] = found;
  }
  return out;
}

/**
 * The diagrams the columns allow, as in the LEGUS papers: V against V-I (a colour-magnitude diagram), U-B
 * against V-I (colour-colour), CI against V. Magnitude axes run bright-up (inverted), as astronomers plot.
 * @param {string[]} columns
 * @returns {{id: string, name: string, x: string, y: string, invertY: boolean, xLabel: string, yLabel: string}[]}
 */
export function diagramKinds(columns) {
  const b = bandColumns(columns);
  const kinds = [];
  if (b.V && b.I) {
    kinds.push({ id: 'cmd', name: 'V vs V-I', x: colour(b.V, b.I), y: b.V, invertY: true, xLabel: 'V-I', yLabel: 'V' });
  }
  if (b.U && b.B && b.V && b.I) {
    kinds.push({ id: 'cc', name: 'U-B vs V-I', x: colour(b.V, b.I), y: colour(b.U, b.B), invertY: true, xLabel: 'V-I', yLabel: 'U-B' });
  }
  if (b.V && columns.includes('ci')) {
    kinds.push({ id: 'ci', name: 'CI vs V', x: b.V, y: 'ci', invertY: false, xLabel: 'V', yLabel: 'CI' });
  }
  return kinds;
}

/**
 * The points a diagram can draw and what it leaves out.
 * @param {import('../api/selection.js').Photometry} phot
 * @param {string} x expression
 * @param {string} y expression
 * @returns {{rows: Int32Array, xs: Float64Array, ys: Float64Array,
 *            leftOut: Record<string, {missing: number, sentinel: number}>}} leftOut by axis label
 */
export function diagramPoints(phot, x, y) {
  const ex = evaluate(phot, x);
  const ey = evaluate(phot, y);
  const keep = [];
  const leftOut = { [x]: { missing: 0, sentinel: 0 }, [y]: { missing: 0, sentinel: 0 } };
  for (let i = 0; i < phot.count; i += 1) {
    if (ex.why[i] || ey.why[i]) {
      // a point missing on both axes is counted on the first axis that lacks it
      const [axis, why] = ex.why[i] ? [x, ex.why[i]] : [y, ey.why[i]];
      leftOut[axis][why === 2 ? 'sentinel' : 'missing'] += 1;
    } else {
      keep.push(i);
    }
  }
  const rows = Int32Array.from(keep);
  return { rows, xs: Float64Array.from(keep, (i) => ex.values[i]), ys: Float64Array.from(keep, (i) => ey.values[i]), leftOut };
}

/**
 * "426 of 459 drawn · left out V-I: 33 (32 missing, 1 sentinel)"
 * @param {number} drawn
 * @param {number} total
 * @param {Record<string, {missing: number, sentinel: number}>} leftOut
 * @param {Record<string, string>} [labels] expression -> axis label
 * @returns {string}
 */
export function legendText(drawn, total, leftOut, labels = {}) {
  const parts = [`${drawn} of ${total} drawn`];
  for (const [axis, { missing, sentinel }] of Object.entries(leftOut)) {
    const n = missing + sentinel;
    if (!n) continue;
    const why = [missing ? `${missing} missing` : '', sentinel ? `${sentinel} sentinel` : ''].filter(Boolean).join(', ');
    parts.push(`left out ${labels[axis] ?? axis}: ${n} (${why})`);
  }
  return parts.join(' · ');
}

/**
 * @param {number} x
 * @param {number} y
 * @param {[number, number][]} points
 * @returns {boolean} even-odd rule, as the server's lasso
 */
export function inPolygon(x, y, points) {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i, i += 1) {
    const [xi, yi] = points[i];
    const [xj, yj] = points[j];
    if ((yi > y) !== (yj > y) && x < xi + ((y - yi) * (xj - xi)) / (yj - yi)) inside = !inside;
  }
  return inside;
}
