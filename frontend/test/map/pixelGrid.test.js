import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FINEST_RESOLUTION, imageProjection, imageTileGrid, mapToPixel, pixelToMap, viewResolutions,
} from '../../src/map/pixelGrid.js';

// The server's grid for a 1500x1000 image: maxzoom 3, origin at the top-left corner.
const GRID = {
  tile_size: 256, minzoom: 0, maxzoom: 3, resolutions: [8, 4, 2, 1], extent: [0, 0, 1500, 1000], origin: [0, 1000],
};

test('FITS 0-based pixel centres sit half a pixel inside the map extent', () => {
  assert.deepEqual(pixelToMap(0, 0), [0.5, 0.5]);
  assert.deepEqual(mapToPixel([0, 0]), [-0.5, -0.5]);
  assert.deepEqual(mapToPixel(pixelToMap(1499, 999)), [1499, 999]);
  assert.deepEqual(mapToPixel([1500, 1000]), [1499.5, 999.5]);
});

test('the tile grid asks for the tiles the server cuts: rows counted down from the top', () => {
  const grid = imageTileGrid(GRID);
  // The first FITS row (bottom of the image) at native resolution: row (1000 - 0.5) / 256 -> 3.
  assert.deepEqual(grid.getTileCoordForCoordAndZ(pixelToMap(0, 0), 3), [3, 0, 3]);
  // The top-left pixel (x 0, y 999) is in tile 0/0 of every level.
  assert.deepEqual(grid.getTileCoordForCoordAndZ(pixelToMap(0, 999), 3), [3, 0, 0]);
  assert.deepEqual(grid.getTileCoordForCoordAndZ(pixelToMap(1499, 999), 0), [0, 0, 0]);
  // Tile 3/1/0 covers map X 256..512 and Y 744..1000.
  assert.deepEqual(grid.getTileCoordExtent([3, 1, 0]), [256, 744, 512, 1000]);
  // At z 1 (4 image pixels per tile pixel) a tile spans 1024 image pixels, hanging below the image.
  assert.deepEqual(grid.getTileCoordExtent([1, 0, 0]), [0, -24, 1024, 1000]);
  const range = grid.getFullTileRange(3);
  assert.deepEqual([range.minX, range.maxX, range.minY, range.maxY], [0, 5, 0, 3]);
});

test('view resolutions extend the grid one level out and down to 1/8 for pixel peeping', () => {
  assert.deepEqual(viewResolutions(GRID.resolutions), [16, 8, 4, 2, 1, 0.5, 0.25, 0.125]);
  assert.equal(FINEST_RESOLUTION, 0.125);
});

test('each image gets its own pixel projection', () => {
  const p = imageProjection({ id: 7, width: 1500, height: 1000 });
  assert.equal(p.getCode(), 'skylabel:image-7');
  assert.equal(p.getUnits(), 'pixels');
  assert.deepEqual(p.getExtent(), [0, 0, 1500, 1000]);
});
