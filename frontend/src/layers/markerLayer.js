/**
 * The go-to marker: a ring with a gap-cross drawn at a FITS 0-based pixel, sized in screen pixels so it
 * stays visible at every zoom and never hides the pixel it points at.
 */
import Feature from 'ol/Feature.js';
import Point from 'ol/geom/Point.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import Style from 'ol/style/Style.js';
import { pixelToMap } from '../map/pixelGrid.js';

/**
 * Draw a ring of radius 12 and four ticks from 16 to 26 CSS pixels, in a dark halo then in amber.
 * @param {number[]} coordinates the point, in canvas pixels
 * @param {{context: CanvasRenderingContext2D, pixelRatio: number}} state
 */
function drawMarker(coordinates, state) {
  const ctx = state.context;
  const r = state.pixelRatio;
  const [cx, cy] = /** @type {number[]} */ (coordinates);
  const path = () => {
    ctx.beginPath();
    ctx.arc(cx, cy, 12 * r, 0, 2 * Math.PI);
    for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
      ctx.moveTo(cx + dx * 16 * r, cy + dy * 16 * r);
      ctx.lineTo(cx + dx * 26 * r, cy + dy * 26 * r);
    }
  };
  ctx.save();
  path();
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.7)';
  ctx.lineWidth = 4 * r;
  ctx.stroke();
  path();
  ctx.strokeStyle = '#ffcc33';
  ctx.lineWidth = 2 * r;
  ctx.stroke();
  ctx.restore();
}

const STYLE = new Style({ renderer: drawMarker });

/** @returns {{layer: VectorLayer, setMarker: (pos: {x: number, y: number}|null) => void}} */
export function createMarkerLayer() {
  const source = new VectorSource();
  const layer = new VectorLayer({ source, style: STYLE, zIndex: 10, className: 'marker-layer' });

  /** @param {{x: number, y: number}|null} pos FITS 0-based, or null to remove the marker */
  function setMarker(pos) {
    source.clear();
    if (pos) source.addFeature(new Feature(new Point(pixelToMap(pos.x, pos.y))));
  }

  return { layer, setMarker };
}
