import assert from 'node:assert/strict';
import { test } from 'node:test';
import { directionsFromRotation, directionsFromSteps } from '../src/map/compass.js';

const near = (a, b) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-9, `${a} != ${b}`));

test('North up, East left for an unrotated sky-oriented image', () => {
  const d = directionsFromRotation(0, true);
  near(d.north, [0, 1]);
  near(d.east, [-1, 0]);
  near(directionsFromRotation(0, false).east, [1, 0]);
});

test('rotation turns North counter-clockwise from +y', () => {
  const d = directionsFromRotation(90, true);
  near(d.north, [-1, 0]);
  near(d.east, [0, -1]);
});

test('directions measured from world2pix steps are unit vectors from the centre', () => {
  const d = directionsFromSteps({ x: [100, 100, 90], y: [50, 60, 50] });
  near(d.north, [0, 1]);
  near(d.east, [-1, 0]);
  assert.equal(directionsFromSteps({ x: [1, 1, 1], y: [1, 1, 2] }), null);
});
