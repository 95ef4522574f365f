/**
 * The map's coordinate system: image pixels, y up, as DS9 shows a FITS image.
 *
 * Map coordinate (X, Y) runs over the extent [0, 0, W, H]: X = 0 is the left edge of the first pixel
 * column and Y = 0 the bottom edge of the first row. The API speaks FITS 0-based pixels (astropy
 * origin 0: the centre of the first pixel is (0, 0)), so
 *
 *   FITS 0-based (x, y) = (X - 0.5, Y - 0.5)       DS9 / FITS 1-based = (X + 0.5, Y + 0.5)
 *
 * The tile grid is exactly the server's `tile_grid` (origin at the top-left corner [0, H], tile rows
 * counted downward, resolutions 2^M .. 1 image pixels per tile pixel), so OpenLayers asks for exactly
 * the tiles the server cuts. The view continues past native resolution to 1/8 for pixel peeping.
 */
import Projection from 'ol/proj/Projection.js';
import TileGrid from 'ol/tilegrid/TileGrid.js';

/** Finest view resolution: 8 screen pixels per image pixel. */
export const FINEST_RESOLUTION = 1 / 8;

/**
 * @param {number} x FITS 0-based pixel x
 * @param {number} y FITS 0-based pixel y
 * @returns {[number, number]} map coordinate
 */
export function pixelToMap(x, y) {
  return [x + 0.5, y + 0.5];
}

/**
 * @param {number[]} coordinate map coordinate [X, Y]
 * @returns {[number, number]} FITS 0-based pixel (x, y)
 */
export function mapToPixel(coordinate) {
  return [coordinate[0] - 0.5, coordinate[1] - 0.5];
}

/**
 * One projection per image: OpenLayers caches tiles per projection, so distinct codes keep two images'
 * tiles apart.
 * @param {{id: number, width: number, height: number}} image
 * @returns {Projection}
 */
export function imageProjection(image) {
  return new Projection({
    code: `skylabel:image-${image.id}`,
    units: 'pixels',
    extent: [0, 0, image.width, image.height],
  });
}

/**
 * The server's tile grid, verbatim.
 * @param {{tile_size: number, minzoom: number, maxzoom: number, resolutions: number[],
 *          extent: number[], origin: number[]}} grid the Image's `tile_grid`
 * @returns {TileGrid}
 */
export function imageTileGrid(grid) {
  return new TileGrid({
    extent: grid.extent,
    origin: grid.origin,
    resolutions: grid.resolutions,
    tileSize: grid.tile_size,
    minZoom: grid.minzoom,
  });
}

/**
 * View resolutions: one coarser level than the grid's coarsest (room to see the whole image in a small
 * window), the grid's levels, then halving down to FINEST_RESOLUTION.
 * @param {number[]} gridResolutions the server's, coarsest first, ending at 1
 * @returns {number[]} coarsest first
 */
export function viewResolutions(gridResolutions) {
  const resolutions = [gridResolutions[0] * 2, ...gridResolutions];
  while (resolutions[resolutions.length - 1] / 2 >= FINEST_RESOLUTION - 1e-12) {
    resolutions.push(resolutions[resolutions.length - 1] / 2);
  }
  return resolutions;
}
