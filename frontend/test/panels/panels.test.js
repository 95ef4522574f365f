import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml } from '../../src/panels/dom.js';
import { formatValue } from '../../src/panels/readout.js';
import { validate } from '../../src/panels/stretchPanel.js';

test('pixel values print with 5 significant digits, exponents at the extremes, a dash for none', () => {
  assert.equal(formatValue(0.123456), '0.12346');
  assert.equal(formatValue(50), '50');
  assert.equal(formatValue(1.5e-19), '1.500e-19');
  assert.equal(formatValue(0), '0');
  assert.equal(formatValue(null), '—');
});

test('stretch fields are checked before tiles are asked for', () => {
  assert.equal(validate('pmin', '0.5'), null);
  assert.match(validate('pmax', '101'), /between 0 and 100/);
  assert.equal(validate('vmin', '0,0.1,-2e-3'), null);
  assert.match(validate('vmax', '1,,2'), /one per channel/);
  assert.equal(validate('softening', ''), null);
  assert.match(validate('q', '-1'), /positive/);
});

test('names from headers cannot inject markup', () => {
  assert.equal(escapeHtml('<b a="1">&'), '&#60;b a=&#34;1&#34;&#62;&#38;');
});
