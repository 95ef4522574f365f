import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  boxGeometry, geometryCentre, geometryToMap, pointGeometry, polygonGeometry,
} from '../../src/tools/geometry.js';

test('a point drawn at map (10.5, 20.5) is FITS 0-based pixel (10, 20)', () => {
  assert.deepEqual(pointGeometry([10.5, 20.5]), { type: 'Point', coordinates: [10, 20] });
  assert.deepEqual(geometryToMap({ type: 'Point', coordinates: [10, 20] }).coordinates, [10.5, 20.5]);
});

test('a box keeps its 0-based bbox and is a closed ring', () => {
  const g = boxGeometry([0.5, 0.5, 4.5, 2.5]);
  assert.deepEqual(g.bbox, [0, 0, 4, 2]);
  assert.equal(g.type, 'Polygon');
  assert.deepEqual(g.coordinates[0][0], g.coordinates[0][4]);
  assert.throws(() => boxGeometry([1, 1, 1, 5]), /no area/);
});

test('polygons are closed and counter-clockwise; a click is not a polygon', () => {
  const g = polygonGeometry([[0.5, 0.5], [0.5, 4.5], [4.5, 4.5], [4.5, 0.5], [0.5, 0.5]]);
  assert.deepEqual(g.coordinates[0], [[4, 0], [4, 4], [0, 4], [0, 0], [4, 0]]);
  assert.deepEqual(geometryCentre(g), [2, 2]);
  assert.throws(() => polygonGeometry([[1, 1], [1, 1], [2, 2]]), /three corners/);
});

test('the centre of a point is the point', () => {
  assert.deepEqual(geometryCentre({ type: 'Point', coordinates: [3, 7] }), [3, 7]);
});
