/**
 * Accuracy against the number of labels, as labelling goes on: one point per probe version (its
 * cross-validated accuracy on the labels it was fitted on), the paper's Figure 3 for the image being
 * labelled. Inline SVG from a string (pure, so it is tested without a browser); versions without an accuracy
 * (too few labels to cross-validate) are left out, and the newest point is ringed. Beside it, dashed, what a
 * linear probe on the photometric features alone (magnitudes, CI) reaches with the same labels and folds:
 * the astronomer's baseline without the AI.
 */
import { escapeHtml } from './dom.js';

/**
 * @typedef {{model_version: number, version: number, n_labels: number|null,
 *            validation_accuracy: number|null, features_only_accuracy?: number|null}} ProbeVersion
 */

/**
 * @param {number} max
 * @returns {number[]} 2 to 5 round ticks from 0 to at least `max`
 */
export function niceTicks(max) {
  if (!(max > 0)) return [0, 1];
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks = [];
  for (let t = 0; t < max + step - 1e-9; t += step) ticks.push(+t.toPrecision(12));
  return ticks;
}

/**
 * @param {ProbeVersion[]} history GET /learning `history`
 * @param {{width?: number, height?: number}} [size] CSS pixels
 * @returns {string} `<svg id="accuracy-plot" data-points="N" data-feature-points="M" ...>`
 */
export function accuracyPlotSvg(history, { width = 232, height = 120 } = {}) {
  const points = (history ?? [])
    .filter((h) => Number.isFinite(h.n_labels) && Number.isFinite(h.validation_accuracy))
    .map((h) => ({ n: Number(h.n_labels), acc: Number(h.validation_accuracy), version: h.version, id: h.model_version }));
  const m = { left: 30, right: 8, top: 8, bottom: 22 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const xTicks = niceTicks(Math.max(...points.map((p) => p.n), ...(history ?? []).map((p) => Number(p.n_labels) || 0), 10));
  const xMax = xTicks[xTicks.length - 1];
  const X = (n) => m.left + (n / xMax) * w;
  const Y = (acc) => m.top + (1 - acc) * h;
  const grid = [0, 0.25, 0.5, 0.75, 1].map((a) => `<line class="grid" x1="${m.left}" x2="${m.left + w}" y1="${Y(a)}" y2="${Y(a)}"/>`
    + `<text class="tick" x="${m.left - 4}" y="${Y(a) + 3}" text-anchor="end">${a.toFixed(2).replace(/0$/, '')}</text>`).join('');
  const xAxis = xTicks.map((t) => `<text class="tick" x="${X(t)}" y="${m.top + h + 12}" text-anchor="middle">${t}</text>`).join('');
  const sorted = [...points].sort((a, b) => a.n - b.n || a.version - b.version);
  const line = sorted.length > 1
    ? `<polyline class="line" points="${sorted.map((p) => `${X(p.n).toFixed(1)},${Y(p.acc).toFixed(1)}`).join(' ')}"/>` : '';
  const featurePoints = (history ?? [])
    .filter((h) => Number.isFinite(h.n_labels) && Number.isFinite(h.features_only_accuracy))
    .map((h) => ({ n: Number(h.n_labels), acc: Number(h.features_only_accuracy), version: h.version }))
    .sort((a, b) => a.n - b.n || a.version - b.version);
  const featureLine = featurePoints.length > 1
    ? `<polyline class="line features" stroke-dasharray="3 2" points="${featurePoints.map((p) => `${X(p.n).toFixed(1)},${Y(p.acc).toFixed(1)}`).join(' ')}"/>` : '';
  const featureDots = featurePoints.map((p) => `<rect class="dot features" x="${(X(p.n) - 2).toFixed(1)}" y="${(Y(p.acc) - 2).toFixed(1)}" width="4" height="4">`
    + `<title>${escapeHtml(`photometric features alone, v${p.version}: ${p.n} labels, accuracy ${p.acc.toFixed(3)}`)}</title></rect>`).join('');
  const legend = featurePoints.length
    ? `<text class="legend" x="${m.left + 4}" y="${m.top + h - 4}">— probe  - - features alone</text>` : '';
  const newest = points.reduce((a, p) => (!a || p.version > a.version ? p : a), null);
  const dots = points.map((p) => `<circle class="dot${p === newest ? ' newest' : ''}" cx="${X(p.n).toFixed(1)}" cy="${Y(p.acc).toFixed(1)}"`
    + ` r="${p === newest ? 3.5 : 2.5}"><title>${escapeHtml(`probe v${p.version}: ${p.n} labels, accuracy ${p.acc.toFixed(3)}`)}</title></circle>`).join('');
  const empty = points.length ? ''
    : `<text class="empty" x="${m.left + w / 2}" y="${m.top + h / 2 - 6}" text-anchor="middle">accuracy shows once a few</text>`
      + `<text class="empty" x="${m.left + w / 2}" y="${m.top + h / 2 + 6}" text-anchor="middle">sources of 2+ classes are labelled</text>`;
  return `<svg id="accuracy-plot" data-points="${points.length}" data-feature-points="${featurePoints.length}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"`
    + ` role="img" aria-label="validation accuracy against number of labels">${grid}${xAxis}`
    + `<text class="axis" x="${m.left + w}" y="${height - 1}" text-anchor="end">labels</text>${featureLine}${featureDots}${line}${dots}${legend}${empty}</svg>`;
}

/**
 * One sentence on what the probe saves against photometric features alone, measured on learning curves of
 * the labels so far (GET /learning `probe`: `labels_saved`, `labels_compared`, `probe_labels_to_target`,
 * `features_labels_to_target`, `target_accuracy`); '' until measured.
 * @param {{labels_saved?: number|null, labels_compared?: number|null, target_accuracy?: number|null,
 *          probe_labels_to_target?: number|null, features_labels_to_target?: number|null}|null|undefined} probe
 * @returns {string}
 */
export function labelsSavedText(probe) {
  const saved = probe?.labels_saved;
  if (saved === null || saved === undefined || !Number.isFinite(saved)) return '';
  const target = Number(probe?.target_accuracy ?? NaN);
  const how = Number.isFinite(target)
    ? ` (accuracy ${target.toFixed(2)}: the probe needs ~${Math.round(Number(probe?.probe_labels_to_target))}, features alone ~${Math.round(Number(probe?.features_labels_to_target))} of ${probe?.labels_compared} labels)`
    : '';
  if (saved > 0) return `≈ ${saved} labels saved against photometric features alone${how}`;
  if (saved < 0) return `photometric features alone do better so far: the probe needs ≈ ${-saved} more labels${how}`;
  return `no labels saved yet against photometric features alone${how}`;
}
