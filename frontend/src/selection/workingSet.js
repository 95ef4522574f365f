/**
 * The working set in the store (`workingSet`: cuts, active regions, a lasso in a diagram) and the one JSON
 * `filter` parameter the triage grid, n / p and label next all send (backend/services/selection/filters.py),
 * so the three can never disagree about what is in it.
 */

/**
 * @typedef {{expr: string, min: number|null, max: number|null}} Cut
 * @typedef {{x: string, y: string, points: [number, number][], name?: string}} Lasso
 * @typedef {{cuts: Cut[], regions: number[], lasso: Lasso|null}} WorkingSet
 */

/** @returns {WorkingSet} */
export const emptyWorkingSet = () => ({ cuts: [], regions: [], lasso: null });

/**
 * @param {WorkingSet|null|undefined} ws
 * @returns {string|undefined} the `filter` query parameter, undefined when the set is everything
 */
export function filterParam(ws) {
  if (!ws) return undefined;
  const cuts = ws.cuts.filter((c) => c.expr && (Number.isFinite(c.min) || Number.isFinite(c.max)))
    .map((c) => ({ expr: c.expr, ...(Number.isFinite(c.min) ? { min: c.min } : {}), ...(Number.isFinite(c.max) ? { max: c.max } : {}) }));
  const body = {};
  if (cuts.length) body.cuts = cuts;
  if (ws.regions.length) body.regions = ws.regions;
  if (ws.lasso) body.lasso = { x: ws.lasso.x, y: ws.lasso.y, points: ws.lasso.points };
  return Object.keys(body).length ? JSON.stringify(body) : undefined;
}

/**
 * @param {WorkingSet} ws
 * @param {number|null} [lassoCount]
 * @param {Map<string, string>} [labels] expression -> what to call it ("V-I")
 * @returns {string} "V-I 0.2..1.0 · 1 region · lasso (38)" or "all sources"
 */
export function describeWorkingSet(ws, lassoCount = null, labels = new Map()) {
  const parts = ws.cuts.filter((c) => Number.isFinite(c.min) || Number.isFinite(c.max))
    .map((c) => `${labels.get(c.expr) ?? c.expr.replace(/mag_/g, '')} ${Number.isFinite(c.min) ? c.min : '…'}..${Number.isFinite(c.max) ? c.max : '…'}`);
  if (ws.regions.length) parts.push(`${ws.regions.length} region${ws.regions.length > 1 ? 's' : ''}`);
  if (ws.lasso) parts.push(`lasso${lassoCount !== null ? ` (${lassoCount})` : ''}`);
  return parts.length ? parts.join(' · ') : 'all sources';
}
