/**
 * The sources in view, as rings on the map (one canvas vector layer for every source layer, styled per
 * feature by sourceStyle.js). New viewport answers are merged by source id, so a pan that brings back the
 * same sources moves nothing and the map stays fluid with 5,000 rings.
 */
import Feature from 'ol/Feature.js';
import Point from 'ol/geom/Point.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import { pixelToMap } from '../map/pixelGrid.js';
import { createSourceStyler } from './sourceStyle.js';

/** How far from a ring's centre a click still picks it, in CSS pixels, at least. */
const PICK_TOLERANCE = 8;

/** @returns {{layer: VectorLayer, setSources: (list: object[]) => void, setContext: (ctx: object) => void,
 *             nearest: (coordinate: number[], resolution: number) => number|null}} */
export function createSourceLayer() {
  const source = new VectorSource({ useSpatialIndex: true });
  const styler = createSourceStyler();
  /** @type {Map<number, object>} */
  let layersById = new Map();
  /** @type {Set<number>} */
  let hidden = new Set();
  const layer = new VectorLayer({
    source,
    style: (feature, resolution) => styler.styleFor(/** @type {Feature} */ (feature), resolution),
    zIndex: 5,
    className: 'source-layer',
    renderBuffer: 64,
    updateWhileAnimating: false,
    updateWhileInteracting: false,
  });

  /** @param {{id: number, layer_id: number, x: number, y: number, label_class: string|null, n_votes: number}[]} list */
  function setSources(list) {
    const keep = new Set();
    const added = [];
    for (const s of list) {
      keep.add(s.id);
      const feature = source.getFeatureById(s.id);
      if (!feature) {
        const f = new Feature({ geometry: new Point(pixelToMap(s.x, s.y)), layer_id: s.layer_id, label_class: s.label_class });
        f.setId(s.id);
        added.push(f);
      } else if (feature.get('label_class') !== s.label_class || feature.get('layer_id') !== s.layer_id) {
        feature.setProperties({ label_class: s.label_class, layer_id: s.layer_id }, true);
        feature.changed();
      }
    }
    const gone = source.getFeatures().filter((f) => !keep.has(/** @type {number} */ (f.getId())));
    if (gone.length) source.removeFeatures(gone);
    if (added.length) source.addFeatures(added);
  }

  /** @param {import('./sourceStyle.js').StyleContext} ctx */
  function setContext(ctx) {
    layersById = ctx.layers;
    hidden = ctx.hidden;
    styler.setContext(ctx);
    layer.changed();
  }

  /**
   * @param {number[]} coordinate map coordinate of a click
   * @param {number} resolution image pixels per CSS pixel
   * @returns {number|null} the id of the visible source whose ring is nearest, if the click is on or in it
   */
  function nearest(coordinate, resolution) {
    const visible = (f) => !hidden.has(f.get('layer_id')) && layersById.has(f.get('layer_id'));
    const f = source.getClosestFeatureToCoordinate(coordinate, visible);
    if (!f) return null;
    const [x, y] = /** @type {Point} */ (f.getGeometry()).getCoordinates();
    const radius = Number(layersById.get(f.get('layer_id'))?.style?.radius_px ?? 6);
    const reach = Math.max(radius, PICK_TOLERANCE * resolution);
    return Math.hypot(x - coordinate[0], y - coordinate[1]) <= reach ? /** @type {number} */ (f.getId()) : null;
  }

  return { layer, setSources, setContext, nearest };
}
