import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoordinateError, parseGoto } from '../../src/coords/gotoQuery.js';

const close = (a, b, tol = 1e-9) => assert.ok(Math.abs(a - b) < tol, `${a} != ${b}`);

test('two plain numbers are a FITS 0-based pixel', () => {
  assert.deepEqual(parseGoto('512 300'), { kind: 'pixel', x: 512, y: 300 });
  assert.deepEqual(parseGoto(' 10.5, 20.25 '), { kind: 'pixel', x: 10.5, y: 20.25 });
  assert.deepEqual(parseGoto('px 3 4'), { kind: 'pixel', x: 3, y: 4 });
});

test('ds9 prefix converts a 1-based pixel to 0-based', () => {
  assert.deepEqual(parseGoto('ds9 513 301'), { kind: 'pixel', x: 512, y: 300 });
});

test('sexagesimal is RA hours and Dec degrees', () => {
  for (const text of ['10:41:22.5 +41:16:07', '10h41m22.5s +41d16m07s', '10 41 22.5 +41 16 07',
    '10:41:22.5+41:16:07', '10:41:22.5, 41:16:07']) {
    const t = parseGoto(text);
    assert.equal(t.kind, 'sky', text);
    close(t.ra, 160.34375);
    close(t.dec, 41 + 16 / 60 + 7 / 3600);
  }
});

test('degrees need a signed Dec, a unit, or a sky prefix', () => {
  const signed = parseGoto('160.3438 +41.2686');
  assert.equal(signed.kind, 'sky');
  close(signed.ra, 160.3438);
  close(signed.dec, 41.2686);
  assert.equal(parseGoto('24.17 -15.78').dec, -15.78);
  assert.equal(parseGoto('160.34d 41.27d').kind, 'sky');
  assert.equal(parseGoto('radec 160.34 41.27').kind, 'sky');
  assert.equal(parseGoto('160.34 41.27').kind, 'pixel');
});

test('bad input says what to type', () => {
  assert.throws(() => parseGoto(''), CoordinateError);
  assert.throws(() => parseGoto('512'), /give two coordinates/);
  assert.throws(() => parseGoto('100 +95'), /-90\.\.\+90/);
  assert.throws(() => parseGoto('radec 400 10'), /0\.\.360/);
  assert.throws(() => parseGoto('px 10:00 20'), /two numbers/);
});

test('two plain numbers also have a sky reading, decided by the image range (Dec without a sign)', async () => {
  const { chooseReading, insideImage, skyReading } = await import('../../src/coords/gotoQuery.js');
  assert.deepEqual(skyReading('187.5124 8.0471'), { ra: 187.5124, dec: 8.0471 });
  assert.equal(skyReading('px 187 8'), null);
  assert.equal(skyReading('512 300'), null, 'no Dec above 90');
  assert.equal(skyReading('10:41:22 41:16:07'), null);
  const image = { width: 1024, height: 1024 };
  // 187.5 8.05 is a pixel of a 1024 image too, but as RA/Dec it lands on the image: that reading is taken
  // (it was read as the pixel without a word)
  assert.equal(chooseReading({ pixelInside: insideImage(187.5124, 8.0471, image), skyInside: true }), 'sky');
  assert.equal(chooseReading({ pixelInside: true, skyInside: false }), 'pixel');
  assert.equal(chooseReading({ pixelInside: false, skyInside: false }), 'outside');
  // world2pix answers null off the projection: outside, never pixel (0, 0) (null >= -0.5 is true in JS)
  assert.equal(insideImage(null, null, image), false);
  assert.equal(insideImage(-0.6, 3, image), false);
  assert.equal(insideImage(1023.4, 0, image), true);
});
