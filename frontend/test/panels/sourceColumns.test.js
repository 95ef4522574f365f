import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatColumn, isKeyColumn, layerKeyColumns, sortableColumns, splitColumns,
} from '../../src/panels/sourceColumns.js';

test('magnitudes and CI come first; errors and flags do not', () => {
  assert.equal(isKeyColumn('mag_F555W'), true);
  assert.equal(isKeyColumn('MAG_AUTO'), true);
  assert.equal(isKeyColumn('ci'), true);
  assert.equal(isKeyColumn('mag_F555W_err'), false);
  assert.equal(isKeyColumn('mag_F555W_missing'), false);
  assert.equal(isKeyColumn('MAGERR_AUTO'), false);
  assert.equal(isKeyColumn('mag_err_F275W'), false);
  assert.equal(isKeyColumn('magnitude_system'), false);
  const { key, other } = splitColumns({ FLUX_AUTO: 3, MAG_AUTO: 19.2, CLASS_STAR: 0.9, ci: 1.4 });
  assert.deepEqual(key.map(([k]) => k), ['MAG_AUTO', 'ci']);
  assert.deepEqual(other.map(([k]) => k), ['FLUX_AUTO', 'CLASS_STAR']);
});

test('the grid sorts by numeric key columns found on the page', () => {
  const items = [{ columns: { mag_F555W: 20.1, ci: null } }, { columns: { ci: 1.2, NUMBER: 4 } }, {}];
  assert.deepEqual(sortableColumns(items), ['mag_F555W', 'ci']);
});

test('values print compactly', () => {
  assert.equal(formatColumn(19.123456), '19.1235');
  assert.equal(formatColumn(12), '12');
  assert.equal(formatColumn(NaN), '—');
  assert.equal(formatColumn(null), '—');
  assert.equal(formatColumn('F555W'), 'F555W');
});

test('the grid asks for the key columns the layers were imported with', () => {
  const layers = [
    { meta: { columns: { mag_F555W: {}, mag_F555W_err: {}, ci: {}, age: {} } } },
    { meta: { columns: { MAG_AUTO: {}, ci: {} } } },
    { meta: {} },
  ];
  assert.deepEqual(layerKeyColumns(layers), ['mag_F555W', 'ci', 'MAG_AUTO']);
  assert.deepEqual(layerKeyColumns(layers, 1), ['mag_F555W']);
});
