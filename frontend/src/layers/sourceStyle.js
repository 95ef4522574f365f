/**
 * How a source looks on the map, as in the paper's interface: a ring in its layer's colour (SExtractor
 * detections yellow, the reference catalogue blue, sources picked for annotation large and white, drawn
 * ones green), the class colour once labelled (with a thin second ring, so a labelled source is told from
 * an unlabelled one even where a class colour resembles a layer colour), a dashed amber ring around the
 * selected source, and a small badge while its label is unsaved (grey: sending, red: failed, retrying).
 *
 * With "colour by prediction" on, an unlabelled source takes its PREDICTED class colour as a dashed ring
 * whose opacity rises with the model's confidence (four levels), so it is never mistaken for a human label
 * (solid, with a second ring); a pseudo-label (a prediction the probe trained on) is dotted. Picked rings
 * stay white: they say "label me", not what the model thinks.
 *
 * A layer's `style` is `{colour, radius_px, width, shape}`; `radius_px` is in IMAGE pixels, so a ring keeps
 * enclosing its source as you zoom, but it is never drawn smaller than MIN_RADIUS CSS pixels. This module
 * only decides the look (a "ring spec"); layers/ringCanvas.js draws many rings of one spec in one path.
 */
import { classColour } from '../labels/classKeys.js';

export const MIN_RADIUS = 3;
export const SHAPES = ['ring', 'square', 'diamond', 'cross'];
const KIND_Z = { picked: 1, detections: 2, reference: 3, annotation: 4 };
export const SELECTED_COLOUR = '#ffcc33';
export const BADGE_COLOURS = { pending: '#cfd8e3', failed: '#ff4d4d' };

/**
 * @param {number} radiusPx layer radius in image pixels
 * @param {number} resolution image pixels per CSS pixel
 * @returns {number} on-screen radius in CSS pixels
 */
export function screenRadius(radiusPx, resolution) {
  return Math.max(MIN_RADIUS, radiusPx / resolution);
}

/** Ring opacity per confidence level (0: barely above chance .. 3: near certain). */
export const CONFIDENCE_ALPHA = [0.35, 0.55, 0.8, 1];

/**
 * @param {number} score the predicted class's probability
 * @param {number} nClasses how many classes the probe chooses from
 * @returns {number} 0..3: where the score lies between chance (1/nClasses) and certainty, in quarters
 */
export function confidenceLevel(score, nClasses) {
  const chance = 1 / Math.max(nClasses, 2);
  const t = (score - chance) / (1 - chance);
  if (!Number.isFinite(t)) return 0;
  return Math.max(0, Math.min(CONFIDENCE_ALPHA.length - 1, Math.floor(t * CONFIDENCE_ALPHA.length)));
}

/**
 * @typedef {{colour: string, width: number, shape: string, radiusPx: number, z: number, labelled: boolean,
 *            selected: boolean, badge: string, dash: ''|'dashed'|'dotted', alpha: number, key: string}} RingSpec
 * @typedef {{class: string, score: number, probs?: Record<string, number>, pseudo_label?: string|null}} ShownPrediction
 * @typedef {{layers: Map<number, object>, hidden: Set<number>, scheme: object|null,
 *            overrides: Record<number, {label_class?: string|null}>, saveStates: Record<number, string>,
 *            selectedId: number|null, predictions?: Record<number, ShownPrediction>|null,
 *            byPrediction?: boolean, roundSources?: Set<number>}} StyleContext
 */

/**
 * @param {{id: number, layer_id: number, label_class: string|null}} source
 * @param {StyleContext} ctx
 * @returns {string|null} the class shown: a label made here (not yet in a server answer) wins
 */
export function shownClass(source, ctx) {
  const o = ctx.overrides[source.id];
  return o && 'label_class' in o ? o.label_class ?? null : source.label_class ?? null;
}

/**
 * @param {{id: number, layer_id: number, label_class: string|null}} source
 * @param {StyleContext} ctx
 * @returns {RingSpec|null} null when its layer is hidden or unknown
 */
export function ringSpec(source, ctx) {
  const layer = ctx.layers.get(source.layer_id);
  if (!layer || ctx.hidden.has(source.layer_id)) return null;
  const st = layer.style ?? {};
  const cls = shownClass(source, ctx);
  const labelled = cls !== null;
  const predicted = !labelled && ctx.byPrediction && layer.kind !== 'picked' ? ctx.predictions?.[source.id] : undefined;
  let colour = classColour(ctx.scheme, cls) ?? st.colour ?? '#ffd33d';
  /** @type {RingSpec['dash']} */
  let dash = '';
  let alpha = 1;
  if (predicted) {
    colour = classColour(ctx.scheme, predicted.class) ?? colour;
    dash = predicted.pseudo_label ? 'dotted' : 'dashed';
    const nClasses = Object.keys(predicted.probs ?? {}).length || ctx.scheme?.classes?.length || 2;
    alpha = CONFIDENCE_ALPHA[confidenceLevel(predicted.score, nClasses)];
  }
  const width = Number(st.width ?? 1.5) + (labelled ? 0.5 : 0);
  const shape = SHAPES.includes(st.shape) ? st.shape : 'ring';
  let radiusPx = Number(st.radius_px ?? 6);
  if (ctx.roundSources?.has(source.id)) {  // the paper's large white rings: sampled for the round
    radiusPx = Math.max(radiusPx * 2, 12);
    if (!labelled) colour = '#ffffff';
  }
  const selected = source.id === ctx.selectedId;
  const badge = ctx.saveStates[source.id] ?? '';
  const z = selected ? 10 : KIND_Z[layer.kind] ?? 2;
  return {
    colour, width, shape, radiusPx, z, labelled, selected, badge, dash, alpha,
    key: `${z}|${colour}|${width}|${shape}|${radiusPx}|${labelled}|${selected}|${badge}|${dash}|${alpha}`,
  };
}
