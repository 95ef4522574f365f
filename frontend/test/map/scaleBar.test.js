import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAngle, MAX_WIDTH, scaleBarLength } from '../../src/map/scaleBar.js';

test('picks the longest round angle that fits, and its width is length / (scale x resolution)', () => {
  // 0.04"/px at native resolution: 120 px = 4.8" -> 2" bar, 50 px wide.
  const bar = scaleBarLength(0.04 * 1, 'arcsec');
  assert.equal(bar.length, 2);
  assert.equal(bar.label, '2"');
  assert.ok(Math.abs(bar.widthPx - 50) < 1e-9);
  // Zoomed 8x in: 0.005"/CSS px -> 0.5" (100 px).
  assert.equal(scaleBarLength(0.04 / 8, 'arcsec').label, '0.5"');
  // Zoomed out 16x: 0.64"/px -> 1' would be 93.75 px.
  const out = scaleBarLength(0.64, 'arcsec');
  assert.equal(out.label, "1'");
  assert.ok(out.widthPx <= MAX_WIDTH);
});

test('every bar fits and is never shorter than half of the room when a longer step exists', () => {
  for (let perPx = 0.001; perPx < 100; perPx *= 1.37) {
    const bar = scaleBarLength(perPx, 'arcsec');
    assert.ok(bar.widthPx <= MAX_WIDTH + 1e-9 || bar.length === 0.01, `${perPx}`);
    assert.ok(bar.widthPx >= MAX_WIDTH / 3 || bar.length === 0.01, `${perPx}: ${bar.widthPx}`);
  }
});

test('angles read as seconds, minutes or degrees; pixels are labelled px', () => {
  assert.equal(formatAngle(0.1), '0.1"');
  assert.equal(formatAngle(30), '30"');
  assert.equal(formatAngle(120), "2'");
  assert.equal(formatAngle(3600), '1°');
  assert.equal(scaleBarLength(1, 'px').label, '100 px');
  assert.equal(scaleBarLength(0.125, 'px').label, '10 px');
});
