import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CoordinateError, formatDec, formatRa, parseDecDegrees, parseRaHours,
} from '../../src/coords/sexagesimal.js';

test('RA formats as hh:mm:ss.sss from degrees', () => {
  assert.equal(formatRa(0), '00:00:00.000');
  assert.equal(formatRa(160.34375), '10:41:22.500');
  assert.equal(formatRa(-15), '23:00:00.000');
});

test('rounding carries instead of printing 60 seconds', () => {
  const almost = 15 * (1 - 0.00001 / 3600); // 00:59:59.99999 h
  assert.equal(formatRa(almost), '01:00:00.000');
  assert.equal(formatRa(360 - 1e-9), '00:00:00.000');
  assert.equal(formatDec(41 + 59 / 60 + 59.999 / 3600), '+42:00:00.00');
});

test('Dec keeps its sign, also for -0° declinations', () => {
  assert.equal(formatDec(41.26861111), '+41:16:07.00');
  assert.equal(formatDec(-0.5), '-00:30:00.00');
  assert.equal(formatDec(-1e-9), '+00:00:00.00');
});

test('parsing accepts colons, spaces and h/m/s or d/m/s units', () => {
  assert.ok(Math.abs(parseRaHours('10:41:22.5') - 160.34375) < 1e-12);
  assert.ok(Math.abs(parseRaHours('10h41m22.5s') - 160.34375) < 1e-12);
  assert.ok(Math.abs(parseRaHours('10 41 22.5') - 160.34375) < 1e-12);
  assert.ok(Math.abs(parseDecDegrees('-05:30:00') + 5.5) < 1e-12);
  assert.ok(Math.abs(parseDecDegrees('+41d16m07s') - (41 + 16 / 60 + 7 / 3600)) < 1e-12);
  assert.ok(Math.abs(parseDecDegrees('-00:30:00') + 0.5) < 1e-12);
});

test('format then parse round-trips to the printed precision', () => {
  for (const [ra, dec] of [[0.001, -89.9], [24.174, 15.784], [359.9999, 0.0001], [180, -45.123456]]) {
    assert.ok(Math.abs(parseRaHours(formatRa(ra)) - ra) < 0.0005 * 15 / 3600 + 1e-12);
    assert.ok(Math.abs(parseDecDegrees(formatDec(dec)) - dec) < 0.005 / 3600 + 1e-12);
  }
});

test('out-of-range or malformed fields are refused with a message', () => {
  assert.throws(() => parseRaHours('24:00:00'), CoordinateError);
  assert.throws(() => parseRaHours('10:61:00'), /60 or more/);
  assert.throws(() => parseDecDegrees('91:00:00'), /-90\.\.\+90/);
  assert.throws(() => parseDecDegrees('4x:00'), /cannot read Dec/);
  assert.throws(() => parseRaHours('10.5:30:00'), /only the last/);
});
