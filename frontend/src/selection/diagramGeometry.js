/**
 * The geometry of a photometric diagram (pure): data -> canvas pixels with a magnitude axis inverted
 * (bright up, as astronomers plot a CMD), round tick values, and a grid index for hit-testing tens of
 * thousands of points in constant time.
 */

/**
 * @param {Float64Array} values
 * @returns {[number, number]} the 0.5 and 99.5 percentiles widened by 5% (a stray point does not squash the rest)
 */
export function robustRange(values) {
  if (!values.length) return [0, 1];
  const sorted = Float64Array.from(values).sort();
  const lo = sorted[Math.floor(0.005 * (sorted.length - 1))];
  const hi = sorted[Math.ceil(0.995 * (sorted.length - 1))];
  const pad = (hi - lo || 1) * 0.05;
  return [lo - pad, hi + pad];
}

/**
 * @param {{x: [number, number], y: [number, number]}} range data ranges
 * @param {{width: number, height: number, left: number, right: number, top: number, bottom: number}} box
 * @param {boolean} invertY larger y drawn lower (magnitudes)
 * @returns {{toPx: (x: number, y: number) => [number, number], toData: (px: number, py: number) => [number, number]}}
 */
export function diagramTransform(range, box, invertY) {
  const [x0, x1] = range.x;
  const [y0, y1] = range.y;
  const w = box.width - box.left - box.right;
  const h = box.height - box.top - box.bottom;
  const sx = w / ((x1 - x0) || 1);
  const sy = h / ((y1 - y0) || 1);
  return {
    toPx: (x, y) => [box.left + (x - x0) * sx,
      invertY ? box.top + (y - y0) * sy : box.top + h - (y - y0) * sy],
    toData: (px, py) => [x0 + (px - box.left) / sx,
      invertY ? y0 + (py - box.top) / sy : y0 + (box.top + h - py) / sy],
  };
}

/**
 * @param {number} lo
 * @param {number} hi
 * @param {number} [count] about this many
 * @returns {number[]} round values inside [lo, hi]
 */
export function niceTicks(lo, hi, count = 5) {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(+v.toFixed(10));
  return out;
}

/**
 * A uniform grid over canvas pixels: `nearest` looks in the cells around a point only.
 * @param {Float64Array} px x0 y0 x1 y1 ... canvas pixels
 * @param {number} cell cell size, pixels
 */
export function gridIndex(px, cell = 8) {
  /** @type {Map<string, number[]>} */
  const cells = new Map();
  for (let i = 0; i < px.length / 2; i += 1) {
    const key = `${Math.floor(px[2 * i] / cell)},${Math.floor(px[2 * i + 1] / cell)}`;
    let list = cells.get(key);
    if (!list) cells.set(key, (list = []));
    list.push(i);
  }
  return {
    /** @returns {number} index of the nearest point within `reach` pixels, -1 when none */
    nearest(x, y, reach) {
      const cx = Math.floor(x / cell);
      const cy = Math.floor(y / cell);
      const r = Math.ceil(reach / cell);
      let best = -1;
      let bestD = reach * reach;
      for (let i = cx - r; i <= cx + r; i += 1) {
        for (let j = cy - r; j <= cy + r; j += 1) {
          for (const k of cells.get(`${i},${j}`) ?? []) {
            const d = (px[2 * k] - x) ** 2 + (px[2 * k + 1] - y) ** 2;
            if (d <= bestD) {
              bestD = d;
              best = k;
            }
          }
        }
      }
      return best;
    },
  };
}

/**
 * Whether a FITS 0-based position is in a region (as backend/services/selection/geometry.py).
 * @param {{kind: string, geometry: any}} region
 * @param {number} x
 * @param {number} y
 * @returns {boolean}
 */
export function regionContains(region, x, y) {
  const g = region.geometry;
  if (region.kind === 'circle') return (x - g.x) ** 2 + (y - g.y) ** 2 <= g.r * g.r;
  if (region.kind === 'box') {
    const a = ((g.angle ?? 0) * Math.PI) / 180;
    const dx = x - g.x;
    const dy = y - g.y;
    const u = dx * Math.cos(a) + dy * Math.sin(a);
    const v = -dx * Math.sin(a) + dy * Math.cos(a);
    return Math.abs(u) <= g.width / 2 && Math.abs(v) <= g.height / 2;
  }
  let inside = false;
  const p = g.points;
  for (let i = 0, j = p.length - 1; i < p.length; j = i, i += 1) {
    if ((p[i][1] > y) !== (p[j][1] > y) && x < p[i][0] + ((y - p[i][1]) * (p[j][0] - p[i][0])) / (p[j][1] - p[i][1])) inside = !inside;
  }
  return inside;
}
