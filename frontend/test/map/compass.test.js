import assert from 'node:assert/strict';
import { test } from 'node:test';
import { directionsFromRotation, directionsFromSteps } from '../../src/map/compass.js';

const near = (a, b) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-9, `${a} != ${b}`));

test('North up, East left for an unrotated sky-oriented image', () => {
  const d = directionsFromRotation(0, true);
  near(d.north, [0, 1]);
  near(d.east, [-1, 0]);
  near(directionsFromRotation(0, false).east, [1, 0]);
});

test('rotation_deg is the position angle of +y: with East left, North lies that far clockwise', () => {
  // +y points East (PA 90): North is to the right, East up.
  const d = directionsFromRotation(90, true);
  near(d.north, [1, 0]);
  near(d.east, [0, 1]);
  // Flipped parity: +y at PA 90 means North to the left, East still up.
  const f = directionsFromRotation(90, false);
  near(f.north, [-1, 0]);
  near(f.east, [0, 1]);
});

test('the estimate agrees with the directions measured on the SDSS field (PA 97.84, East left)', () => {
  const d = directionsFromRotation(97.83924980477656, true);
  // measured with world2pix on the ingested reprojected_sdss_*.fits grid
  near(d.north.map((v) => +v.toFixed(3)), [0.991, -0.136]);
  near(d.east.map((v) => +v.toFixed(3)), [0.136, 0.991]);
});

test('directions measured from world2pix steps are unit vectors from the centre', () => {
  const d = directionsFromSteps({ x: [100, 100, 90], y: [50, 60, 50] });
  near(d.north, [0, 1]);
  near(d.east, [-1, 0]);
  assert.equal(directionsFromSteps({ x: [1, 1, 1], y: [1, 1, 2] }), null);
});
