/**
 * How a source looks on the map, as in the paper's interface: a ring in its layer's colour (SExtractor
 * detections yellow, the reference catalogue blue, sources picked for annotation large and white, drawn
 * ones green), the class colour once labelled (with a thin second ring, so a labelled source is told from
 * an unlabelled one even where a class colour resembles a layer colour), a dashed amber ring around the selected source, and a small
 * badge while its label is unsaved (grey: sending, red: failed, retrying).
 *
 * A layer's `style` is `{colour, radius_px, width, shape}`; `radius_px` is in IMAGE pixels, so a ring keeps
 * enclosing its source as you zoom, but never drawn smaller than MIN_RADIUS CSS pixels. Styles are cached
 * per (layer, class, save state, selection, on-screen radius): 5,000 rings reuse a handful of images.
 */
import CircleStyle from 'ol/style/Circle.js';
import Fill from 'ol/style/Fill.js';
import RegularShape from 'ol/style/RegularShape.js';
import Stroke from 'ol/style/Stroke.js';
import Style from 'ol/style/Style.js';
import { classColour } from '../labels/classKeys.js';

export const MIN_RADIUS = 3;
export const SHAPES = ['ring', 'square', 'diamond', 'cross'];
const KIND_Z = { picked: 1, detections: 2, reference: 3, annotation: 4 };
const HALO = 'rgba(0, 0, 0, 0.55)';
const SELECTED = '#ffcc33';
const BADGE = { pending: '#cfd8e3', failed: '#ff4d4d' };

/**
 * @param {number} radiusPx layer radius in image pixels
 * @param {number} resolution image pixels per CSS pixel
 * @returns {number} on-screen radius in CSS pixels, to the half pixel (a small set of cached sizes)
 */
export function screenRadius(radiusPx, resolution) {
  return Math.max(MIN_RADIUS, Math.round((2 * radiusPx) / resolution) / 2);
}

/**
 * @param {string} shape
 * @param {number} radius CSS pixels
 * @param {Stroke} stroke
 * @returns {import('ol/style/Image.js').default}
 */
function marker(shape, radius, stroke) {
  switch (shape) {
    case 'square':
      return new RegularShape({ points: 4, radius: radius * Math.SQRT2, angle: Math.PI / 4, stroke });
    case 'diamond':
      return new RegularShape({ points: 4, radius: radius * 1.2, angle: 0, stroke });
    case 'cross':
      return new RegularShape({ points: 4, radius, radius2: 0, angle: 0, stroke });
    default:
      return new CircleStyle({ radius, stroke });
  }
}

/**
 * @typedef {{layers: Map<number, object>, hidden: Set<number>, scheme: object|null,
 *            overrides: Record<number, {label_class?: string|null}>, saveStates: Record<number, string>,
 *            selectedId: number|null}} StyleContext
 */

/** @returns {{styleFor: (feature: import('ol/Feature.js').default, resolution: number) => Style[]|undefined,
 *             setContext: (ctx: StyleContext) => void, classOf: (feature: import('ol/Feature.js').default) => string|null}} */
export function createSourceStyler() {
  /** @type {StyleContext} */
  let ctx = { layers: new Map(), hidden: new Set(), scheme: null, overrides: {}, saveStates: {}, selectedId: null };
  /** @type {Map<string, Style[]>} */
  let cache = new Map();

  function build(layer, cls, save, selected, radius) {
    const st = layer.style ?? {};
    const labelled = cls !== null && cls !== undefined;
    const colour = classColour(ctx.scheme, cls) ?? st.colour ?? '#ffd33d';
    const width = Number(st.width ?? 1.5) + (labelled ? 0.5 : 0);
    const shape = SHAPES.includes(st.shape) ? st.shape : 'ring';
    const zIndex = selected ? 10 : KIND_Z[layer.kind] ?? 2;
    const styles = [
      new Style({ image: marker(shape, radius, new Stroke({ color: HALO, width: width + 2 })), zIndex }),
      new Style({ image: marker(shape, radius, new Stroke({ color: colour, width })), zIndex }),
    ];
    if (labelled) {
      // a thin second ring: labelled sources stand out even where a class colour resembles a layer colour
      styles.push(new Style({ image: new CircleStyle({ radius: radius + 3, stroke: new Stroke({ color: colour, width: 1 }) }), zIndex }));
    }
    if (selected) {
      styles.push(new Style({
        image: new CircleStyle({ radius: radius + 5, stroke: new Stroke({ color: SELECTED, width: 2, lineDash: [4, 3] }) }),
        zIndex,
      }));
    }
    if (save) {
      const d = radius * Math.SQRT1_2;
      styles.push(new Style({
        image: new CircleStyle({
          radius: 3.5, displacement: [d, d], fill: new Fill({ color: BADGE[save] ?? BADGE.pending }), stroke: new Stroke({ color: '#000', width: 1 }),
        }),
        zIndex: zIndex + 1,
      }));
    }
    return styles;
  }

  function classOf(feature) {
    const o = ctx.overrides[/** @type {number} */ (feature.getId())];
    return o && 'label_class' in o ? o.label_class ?? null : feature.get('label_class') ?? null;
  }

  return {
    styleFor(feature, resolution) {
      const layerId = feature.get('layer_id');
      const layer = ctx.layers.get(layerId);
      if (!layer || ctx.hidden.has(layerId)) return undefined;
      const id = /** @type {number} */ (feature.getId());
      const cls = classOf(feature);
      const save = ctx.saveStates[id] ?? '';
      const selected = id === ctx.selectedId;
      const radius = screenRadius(Number(layer.style?.radius_px ?? 6), resolution);
      const key = `${layerId}|${cls}|${save}|${selected}|${radius}`;
      let styles = cache.get(key);
      if (!styles) {
        if (cache.size > 2000) cache = new Map();
        styles = build(layer, cls, save, selected, radius);
        cache.set(key, styles);
      }
      return styles;
    },
    setContext(next) {
      if (next.layers !== ctx.layers || next.scheme !== ctx.scheme) cache = new Map();
      ctx = next;
    },
    classOf,
  };
}
