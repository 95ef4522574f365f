import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pixelScaleArcsec } from '../../src/coords/wcsSummary.js';

test('pixel scale reads a number, a per-axis record, or nothing', () => {
  assert.equal(pixelScaleArcsec({ has_celestial: true, pixel_scale_arcsec: 0.04 }), 0.04);
  assert.equal(pixelScaleArcsec({ has_celestial: true, pixel_scale_arcsec: { x: 1.1, y: 1.2, mean: 1.15 } }), 1.15);
  assert.ok(Math.abs(pixelScaleArcsec({ has_celestial: true, pixel_scale_arcsec: { x: 1, y: 4 } }) - 2) < 1e-12);
  assert.equal(pixelScaleArcsec({ has_celestial: false }), null);
  assert.equal(pixelScaleArcsec({ has_celestial: true, pixel_scale_arcsec: null }), null);
  assert.equal(pixelScaleArcsec(undefined), null);
});
