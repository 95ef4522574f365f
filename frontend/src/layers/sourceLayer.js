/**
 * The sources in view, as rings on the map: one image layer drawn by ringCanvas.js (one sprite per look,
 * one drawImage per source, so 5,000 rings stay fluid), and a spatial index of the same sources for picking the ring under a click.
 * A cross-matched object (a detection and its reference-catalogue twin) is drawn as one ring, and a click
 * on it picks the membership drawn (layers/crossMatch.js).
 * Source positions are FITS 0-based; the map draws them at (x + 0.5, y + 0.5) (map/pixelGrid.js).
 */
import Feature from 'ol/Feature.js';
import Point from 'ol/geom/Point.js';
import ImageLayer from 'ol/layer/Image.js';
import ImageCanvasSource from 'ol/source/ImageCanvas.js';
import VectorSource from 'ol/source/Vector.js';
import { pixelToMap } from '../map/pixelGrid.js';
import { crossMatches, drawnMember, oneRingPerObject } from './crossMatch.js';
import { createRingDrawer } from './ringCanvas.js';
import { ringSpec } from './sourceStyle.js';

/** How far from a ring's centre a click still picks it, in CSS pixels, at least. */
const PICK_TOLERANCE = 8;

/** @returns {{layer: ImageLayer, setSources: (list: object[]) => void, setContext: (ctx: object) => void,
 *             nearest: (coordinate: number[], resolution: number) => number|null}} */
export function createSourceLayer() {
  /** @type {{id: number, layer_id: number, x: number, y: number, label_class: string|null}[]} */
  let sources = [];
  /** @type {import('./sourceStyle.js').StyleContext} */
  let ctx = { layers: new Map(), hidden: new Set(), scheme: null, overrides: {}, saveStates: {}, selectedId: null };
  const index = new VectorSource({ useSpatialIndex: true });
  /** cross-matched pairs of the sources in view, for the layers they were computed with */
  let pairs = { sources: /** @type {object[]|null} */ (null), layers: /** @type {Map<number, object>|null} */ (null),
    map: /** @type {Map<number, number>} */ (new Map()) };
  function currentPairs() {
    if (pairs.sources !== sources || pairs.layers !== ctx.layers) {
      pairs = { sources, layers: ctx.layers, map: crossMatches(sources, ctx.layers) };
    }
    return pairs.map;
  }

  const drawRings = createRingDrawer();
  const canvas = document.createElement('canvas');
  const imageSource = new ImageCanvasSource({
    ratio: 1.5,
    canvasFunction: (extent, resolution, pixelRatio, size) => {
      canvas.width = Math.round(size[0]);
      canvas.height = Math.round(size[1]);
      const c2d = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
      const scale = pixelRatio / resolution;
      const margin = 40 * resolution;
      /** @type {Map<string, {spec: object, points: number[]}>} */
      const groups = new Map();
      for (const s of oneRingPerObject(sources, currentPairs(), ctx)) {  // one ring per cross-matched object
        const X = s.x + 0.5;
        const Y = s.y + 0.5;
        if (X < extent[0] - margin || X > extent[2] + margin || Y < extent[1] - margin || Y > extent[3] + margin) continue;
        const spec = ringSpec(s, ctx);
        if (!spec) continue;
        let group = groups.get(spec.key);
        if (!group) {
          group = { spec, points: [] };
          groups.set(spec.key, group);
        }
        group.points.push((X - extent[0]) * scale, (extent[3] - Y) * scale);
      }
      drawRings(c2d, /** @type {any} */ ([...groups.values()]), resolution, pixelRatio);
      return canvas;
    },
  });
  const layer = new ImageLayer({ source: imageSource, zIndex: 5, className: 'source-layer' });

  /** @param {{id: number, layer_id: number, x: number, y: number, label_class: string|null}[]} list */
  function setSources(list) {
    sources = list;
    index.clear(true);
    index.addFeatures(list.map((s) => {
      const f = new Feature({ geometry: new Point(pixelToMap(s.x, s.y)), layer_id: s.layer_id });
      f.setId(s.id);
      return f;
    }));
    imageSource.changed();
  }

  /** @param {import('./sourceStyle.js').StyleContext} next */
  function setContext(next) {
    ctx = next;
    imageSource.changed();
  }

  /**
   * @param {number[]} coordinate map coordinate of a click
   * @param {number} resolution image pixels per CSS pixel
   * @returns {number|null} the id of the visible source whose ring is nearest, if the click is on or in it
   */
  function nearest(coordinate, resolution) {
    const visible = (f) => !ctx.hidden.has(f.get('layer_id')) && ctx.layers.has(f.get('layer_id'));
    const f = index.getClosestFeatureToCoordinate(coordinate, visible);
    if (!f) return null;
    const [x, y] = /** @type {Point} */ (f.getGeometry()).getCoordinates();
    const radius = Number(ctx.layers.get(f.get('layer_id'))?.style?.radius_px ?? 6);
    const reach = Math.max(radius, PICK_TOLERANCE * resolution);
    if (Math.hypot(x - coordinate[0], y - coordinate[1]) > reach) return null;
    return drawnMember(/** @type {number} */ (f.getId()), sources, currentPairs(), ctx);
  }

  return { layer, setSources, setContext, nearest };
}
