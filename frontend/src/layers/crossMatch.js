/**
 * Cross-matched layers (issue 9): a star found by detection and present in the reference catalogue is ONE
 * object with two memberships, so the map draws one ring for it, in the style of one membership at a time.
 * The pairing is the server's (backend/services/labelling/export.py `cross_matched`, the export's one row;
 * `memberships` of GET /sources/{id} for the source panel): a reference-layer source and a source of
 * another layer (picked copies aside) that are each other's nearest within MATCH_PX image pixels.
 *
 * Which membership shows (`ringPrecedence`): the selected one, then a source of the current round (the
 * paper's large white ring), then a labelled one (its class colour), then one with a label being saved,
 * then the topmost layer (reference above detections). Both layers must be visible for the pair to merge:
 * hide one and the other's ring is drawn as it is.
 */

export const MATCH_PX = 1.5;
const KIND_RANK = { picked: 0, detections: 1, reference: 2, annotation: 3 };

/**
 * @typedef {{id: number, layer_id: number, x: number, y: number, label_class?: string|null}} MapSource
 */

/**
 * @param {MapSource[]} sources the sources in view
 * @param {Map<number, {kind?: string}>} layers by id
 * @returns {Map<number, number>} each cross-matched source's partner (both directions)
 */
export function crossMatches(sources, layers) {
  const kind = (s) => layers.get(s.layer_id)?.kind ?? 'detections';
  const ref = sources.filter((s) => kind(s) === 'reference');
  const other = sources.filter((s) => kind(s) !== 'reference' && kind(s) !== 'picked');
  /** @type {Map<number, number>} */
  const out = new Map();
  if (!ref.length || !other.length) return out;
  const refNearest = nearestWithin(other, ref);
  const otherNearest = nearestWithin(ref, other);
  other.forEach((s, i) => {
    const j = refNearest[i];
    if (j >= 0 && otherNearest[j] === i) {
      out.set(s.id, ref[j].id);
      out.set(ref[j].id, s.id);
    }
  });
  return out;
}

/**
 * For each of `from`, the index of its nearest in `to` within MATCH_PX (ties: the earlier), or -1.
 * A grid of MATCH_PX cells, so 5,000 sources take a few milliseconds.
 * @param {MapSource[]} from
 * @param {MapSource[]} to
 * @returns {number[]}
 */
function nearestWithin(from, to) {
  /** @type {Map<string, number[]>} */
  const grid = new Map();
  const cell = (v) => Math.floor(v / MATCH_PX);
  to.forEach((s, j) => {
    const key = `${cell(s.x)},${cell(s.y)}`;
    const list = grid.get(key);
    if (list) list.push(j);
    else grid.set(key, [j]);
  });
  return from.map((s) => {
    let best = -1;
    let bestD = Infinity;
    const cx = cell(s.x);
    const cy = cell(s.y);
    for (let dx = -1; dx <= 1; dx += 1) {
      for (let dy = -1; dy <= 1; dy += 1) {
        for (const j of grid.get(`${cx + dx},${cy + dy}`) ?? []) {
          const d = Math.hypot(to[j].x - s.x, to[j].y - s.y);
          if (d <= MATCH_PX && (d < bestD || (d === bestD && j < best))) {
            best = j;
            bestD = d;
          }
        }
      }
    }
    return best;
  });
}

/**
 * How strongly a membership claims the object's one ring (higher wins).
 * @param {MapSource} source
 * @param {import('./sourceStyle.js').StyleContext} ctx
 * @returns {number[]} compared element by element
 */
export function ringPrecedence(source, ctx) {
  const o = ctx.overrides?.[source.id];
  const cls = o && 'label_class' in o ? o.label_class ?? null : source.label_class ?? null;
  return [
    source.id === ctx.selectedId ? 1 : 0,
    ctx.roundSources?.has(source.id) ? 1 : 0,
    cls !== null ? 1 : 0,
    ctx.saveStates?.[source.id] ? 1 : 0,
    KIND_RANK[ctx.layers.get(source.layer_id)?.kind ?? 'detections'] ?? 1,
  ];
}

function wins(a, b, ctx) {
  const pa = ringPrecedence(a, ctx);
  const pb = ringPrecedence(b, ctx);
  for (let i = 0; i < pa.length; i += 1) {
    if (pa[i] !== pb[i]) return pa[i] > pb[i];
  }
  return a.id < b.id;
}

/**
 * The sources to draw: one per object (the membership `ringPrecedence` prefers); a source whose partner's
 * layer is hidden (or not in view) stays.
 * @template {MapSource} T
 * @param {T[]} sources
 * @param {Map<number, number>} pairs from crossMatches
 * @param {import('./sourceStyle.js').StyleContext} ctx
 * @returns {T[]}
 */
export function oneRingPerObject(sources, pairs, ctx) {
  if (!pairs.size) return sources;
  const byId = new Map(sources.map((s) => [s.id, s]));
  const shown = (s) => ctx.layers.has(s.layer_id) && !ctx.hidden.has(s.layer_id);
  return sources.filter((s) => {
    const partner = byId.get(pairs.get(s.id) ?? -1);
    if (!partner || !shown(partner) || !shown(s)) return true;
    return wins(s, partner, ctx);
  });
}

/**
 * The membership drawn for a source picked on the map (a click lands on the drawn ring).
 * @param {number} id
 * @param {MapSource[]} sources
 * @param {Map<number, number>} pairs
 * @param {import('./sourceStyle.js').StyleContext} ctx
 * @returns {number}
 */
export function drawnMember(id, sources, pairs, ctx) {
  const partnerId = pairs.get(id);
  if (partnerId === undefined) return id;
  const s = sources.find((x) => x.id === id);
  const partner = sources.find((x) => x.id === partnerId);
  if (!s || !partner) return id;
  const drawn = oneRingPerObject([s, partner], pairs, ctx);
  return drawn.length === 1 ? drawn[0].id : id;
}
