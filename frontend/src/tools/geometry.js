/**
 * Drawn shapes as the API wants them: GeoJSON-like geometries in FITS 0-based pixels (astropy origin 0),
 * converted from map coordinates (X, Y) by x = X - 0.5, y = Y - 0.5 (map/pixelGrid.js). A box is a Polygon
 * with a `bbox` [xmin, ymin, xmax, ymax] so it can be told from a drawn polygon and read back as a box.
 */
import { mapToPixel, pixelToMap } from '../map/pixelGrid.js';

const round = (v) => Math.round(v * 100) / 100;
/** @param {number[]} c map coordinate @returns {number[]} FITS 0-based, to 0.01 px */
const toPixel = (c) => mapToPixel(c).map(round);

/**
 * @param {number[]} coordinate map coordinate of a drawn point
 * @returns {{type: 'Point', coordinates: number[]}}
 */
export function pointGeometry(coordinate) {
  return { type: 'Point', coordinates: toPixel(coordinate) };
}

/**
 * @param {number[][]} ring map coordinates, closed or not
 * @returns {{type: 'Polygon', coordinates: number[][][]}} one closed ring, counter-clockwise as GeoJSON asks
 * @throws {Error} with fewer than three distinct corners (a click, not a shape)
 */
export function polygonGeometry(ring) {
  const points = ring.map(toPixel);
  const first = points[0];
  const last = points[points.length - 1];
  if (points.length > 1 && first[0] === last[0] && first[1] === last[1]) points.pop();
  const distinct = new Set(points.map((p) => p.join(','))).size;
  if (distinct < 3) throw new Error('a polygon needs at least three corners: click them, double-click to finish');
  if (signedArea(points) < 0) points.reverse();
  return { type: 'Polygon', coordinates: [[...points, points[0]]] };
}

/**
 * @param {number[]} extent map extent [minX, minY, maxX, maxY] of the dragged box
 * @returns {{type: 'Polygon', coordinates: number[][][], bbox: number[]}}
 * @throws {Error} for a box with no area
 */
export function boxGeometry(extent) {
  const [x0, y0] = toPixel([extent[0], extent[1]]);
  const [x1, y1] = toPixel([extent[2], extent[3]]);
  if (!(x1 > x0 && y1 > y0)) throw new Error('drag to draw a box: it has no area');
  return {
    type: 'Polygon',
    coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
    bbox: [x0, y0, x1, y1],
  };
}

/**
 * @param {number[][]} points open ring
 * @returns {number} twice the signed area (positive counter-clockwise with y up)
 */
function signedArea(points) {
  let sum = 0;
  for (let i = 0; i < points.length; i += 1) {
    const [xa, ya] = points[i];
    const [xb, yb] = points[(i + 1) % points.length];
    sum += xa * yb - xb * ya;
  }
  return sum;
}

/**
 * Where the server will put the new source: a point's position, or the polygon's area centroid.
 * @param {{type: string, coordinates: any}} geometry FITS 0-based
 * @returns {number[]} FITS 0-based [x, y]
 */
export function geometryCentre(geometry) {
  if (geometry.type === 'Point') return geometry.coordinates;
  const ring = geometry.coordinates[0].slice(0, -1);
  const a = signedArea(ring);
  if (Math.abs(a) < 1e-12) return ring[0];
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < ring.length; i += 1) {
    const [xa, ya] = ring[i];
    const [xb, yb] = ring[(i + 1) % ring.length];
    const cross = xa * yb - xb * ya;
    cx += (xa + xb) * cross;
    cy += (ya + yb) * cross;
  }
  return [cx / (3 * a), cy / (3 * a)];
}

/**
 * Back to map coordinates, to draw a saved or pending geometry.
 * @param {{type: string, coordinates: any}} geometry FITS 0-based
 * @returns {{type: string, coordinates: any}} the same shape in map coordinates
 */
export function geometryToMap(geometry) {
  if (geometry.type === 'Point') return { type: 'Point', coordinates: pixelToMap(geometry.coordinates[0], geometry.coordinates[1]) };
  return { type: geometry.type, coordinates: geometry.coordinates.map((ring) => ring.map((p) => pixelToMap(p[0], p[1]))) };
}
