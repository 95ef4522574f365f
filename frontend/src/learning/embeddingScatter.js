/**
 * The geometry and colours of the embedding scatter (pure): every source at its first two principal
 * components (`GET /embedding`, `pc`), scaled to fill the plot, screen y down with PC2 up, and the point
 * nearest a click. Colours: by label, a human label is its class colour and everything else grey; by
 * prediction, a human label is still its class colour (drawn solid), a prediction its class colour faded
 * by confidence (drawn hollow), so the two are never confused; no label or prediction is grey.
 */
import { classColour } from '../labels/classKeys.js';
import { CONFIDENCE_ALPHA, confidenceLevel } from '../layers/sourceStyle.js';

export const UNKNOWN_POINT = '#5b6676';

/**
 * @param {{pc: number[]}[]} items
 * @param {number} width plot width, CSS pixels
 * @param {number} height plot height, CSS pixels
 * @param {number} [pad] kept clear on every side
 * @returns {(pc: number[]) => [number, number]} PCA coordinates -> plot pixels (y down)
 */
export function scatterTransform(items, width, height, pad = 8) {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const { pc } of items) {
    x0 = Math.min(x0, pc[0]);
    x1 = Math.max(x1, pc[0]);
    y0 = Math.min(y0, pc[1]);
    y1 = Math.max(y1, pc[1]);
  }
  if (!items.length) [x0, x1, y0, y1] = [0, 1, 0, 1];
  const sx = (width - 2 * pad) / ((x1 - x0) || 1);
  const sy = (height - 2 * pad) / ((y1 - y0) || 1);
  const cx = x1 === x0 ? width / 2 - pad : 0;
  const cy = y1 === y0 ? height / 2 - pad : 0;
  return (pc) => [pad + cx + (pc[0] - x0) * sx, height - pad - cy - (pc[1] - y0) * sy];
}

/**
 * @param {Float64Array|number[]} xy screen positions, x0 y0 x1 y1 ...
 * @param {number} x
 * @param {number} y
 * @param {number} maxDistance CSS pixels
 * @returns {number} the index of the nearest point within `maxDistance`, -1 when none
 */
export function nearestPoint(xy, x, y, maxDistance) {
  let best = -1;
  let bestD = maxDistance * maxDistance;
  for (let i = 0; i < xy.length; i += 2) {
    const d = (xy[i] - x) ** 2 + (xy[i + 1] - y) ** 2;
    if (d <= bestD) {
      bestD = d;
      best = i / 2;
    }
  }
  return best;
}

/**
 * @param {{source_id: number, label_class: string|null, class: string|null, score: number|null}} item
 * @param {'label'|'prediction'} mode
 * @param {object|null} scheme
 * @param {Record<number, {label_class?: string|null}>} overrides labels made or heard of since the answer
 * @returns {{colour: string, alpha: number, solid: boolean, kind: 'label'|'prediction'|'none'}}
 */
export function pointStyle(item, mode, scheme, overrides) {
  const o = overrides[item.source_id];
  const label = o && 'label_class' in o ? o.label_class : item.label_class;
  if (label !== null && label !== undefined) {
    return { colour: classColour(scheme, label) ?? UNKNOWN_POINT, alpha: 1, solid: true, kind: 'label' };
  }
  if (mode === 'prediction' && item.class !== null && item.class !== undefined) {
    const n = scheme?.classes?.length || 2;
    return {
      colour: classColour(scheme, item.class) ?? UNKNOWN_POINT,
      alpha: CONFIDENCE_ALPHA[confidenceLevel(Number(item.score ?? 0), n)],
      solid: false,
      kind: 'prediction',
    };
  }
  return { colour: UNKNOWN_POINT, alpha: 0.7, solid: true, kind: 'none' };
}
