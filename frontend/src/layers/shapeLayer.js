/**
 * Drawn shapes: the shape just drawn and waiting for a class (dashed amber), drawn shapes whose label is
 * not saved yet (dashed, in their class colour; red when the save failed), and the outline of the selected
 * source when it has a geometry (a box or polygon drawn by an annotator). Geometries come in FITS 0-based
 * pixels and are drawn in map coordinates (tools/geometry.js).
 */
import Feature from 'ol/Feature.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import CircleStyle from 'ol/style/Circle.js';
import Fill from 'ol/style/Fill.js';
import Stroke from 'ol/style/Stroke.js';
import Style from 'ol/style/Style.js';
import { geometryToMap } from '../tools/geometry.js';

const format = new GeoJSON();

/**
 * @param {string} colour
 * @param {number[]|undefined} dash
 * @returns {Style}
 */
function outline(colour, dash) {
  const stroke = new Stroke({ color: colour, width: 2, lineDash: dash });
  return new Style({
    stroke,
    fill: new Fill({ color: 'rgba(255, 204, 51, 0.06)' }),
    image: new CircleStyle({ radius: 6, stroke, fill: new Fill({ color: 'rgba(0, 0, 0, 0.3)' }) }),
  });
}

/** @returns {{layer: VectorLayer, show: (shapes: {geometry: object, colour: string, dashed: boolean}[]) => void}} */
export function createShapeLayer() {
  const source = new VectorSource();
  const layer = new VectorLayer({
    source,
    style: (feature) => outline(feature.get('colour'), feature.get('dashed') ? [6, 4] : undefined),
    zIndex: 8,
    className: 'shape-layer',
  });

  /** @param {{geometry: object, colour: string, dashed: boolean}[]} shapes geometries in FITS 0-based pixels */
  function show(shapes) {
    source.clear();
    source.addFeatures(shapes.map((s) => new Feature({
      geometry: format.readGeometry(geometryToMap(s.geometry)),
      colour: s.colour,
      dashed: s.dashed,
    })));
  }

  return { layer, show };
}
