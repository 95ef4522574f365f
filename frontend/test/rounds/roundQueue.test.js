import assert from 'node:assert/strict';
import { test } from 'node:test';
import { itemFor, nearestUndone, progressText } from '../../src/rounds/roundQueue.js';

const items = [
  { source_id: 1, position: 0, repeat: false, done: true, x: 0, y: 0 },
  { source_id: 2, position: 1, repeat: false, done: false, x: 100, y: 100 },
  { source_id: 3, position: 2, repeat: false, done: false, x: 10, y: 10 },
  { source_id: 1, position: 3, repeat: true, done: false, x: 0, y: 0 },
];

test('progress reads "12 of 40 done"', () => {
  assert.equal(progressText({ done: 12, total: 40 }), '12 of 40 done');
  assert.equal(progressText(null), '');
});

test('n goes to the nearest source not done, not the queue order', () => {
  assert.equal(nearestUndone(items, { x: 1, y: 1 })?.source_id, 1, 'the repeat of a done source, nearest');
  assert.equal(nearestUndone(items, { x: 12, y: 12 })?.source_id, 3);
  assert.equal(nearestUndone(items, { x: 90, y: 90 })?.source_id, 2);
  assert.equal(nearestUndone(items, null)?.source_id, 2, 'no position: the first open one');
  assert.equal(nearestUndone(items, { x: 90, y: 90 }, { skip: [2] })?.source_id, 3);
  const labelled = { 2: { label_class: '1' }, 3: { label_class: '4' } };
  assert.equal(nearestUndone(items, { x: 90, y: 90 }, { labelledHere: labelled })?.source_id, 1);
  assert.equal(nearestUndone(items.slice(0, 3), null, { labelledHere: labelled }), null, 'all done');
});

test('a repeat is offered only after its first showing is done', () => {
  const fresh = [{ ...items[0], done: false }, items[3]];
  assert.equal(nearestUndone(fresh, { x: 0, y: 0 })?.repeat, false);
  assert.equal(itemFor(fresh, 1)?.repeat, false);
  assert.equal(itemFor(items, 1)?.repeat, true, 'first done on the server: the label is the repeat');
  assert.equal(itemFor(items, 9), null);
});

test('round sources are drawn as large white rings until labelled', async () => {
  const { ringSpec } = await import('../../src/layers/sourceStyle.js');
  const ctx = {
    layers: new Map([[1, { id: 1, kind: 'detections', style: { colour: '#ffd33d', radius_px: 6 } }]]),
    hidden: new Set(), scheme: { classes: [{ id: '1', colour: '#3fb950' }] }, overrides: {}, saveStates: {},
    selectedId: null, roundSources: new Set([5]),
  };
  const sampled = ringSpec({ id: 5, layer_id: 1, label_class: null }, ctx);
  const other = ringSpec({ id: 6, layer_id: 1, label_class: null }, ctx);
  assert.equal(sampled?.colour, '#ffffff');
  assert.equal(sampled?.radiusPx, 12);
  assert.equal(other?.colour, '#ffd33d');
  assert.equal(ringSpec({ id: 5, layer_id: 1, label_class: '1' }, ctx)?.colour, '#3fb950');
});

test('the report as a table and confusion heat maps', async () => {
  const { heatMap, reportTable } = await import('../../src/panels/roundPanel.js');
  const html = reportTable({ human_to_mode_agreement: { '4class': 0.75, binary: 0.872 }, fleiss_kappa: { '4class': null, binary: 0.5 },
    krippendorff_alpha: { '4class': 0.1, binary: 0.2 }, n_sources: 30, n_votes: 90, self_agreement: { value: null, n: 0 } });
  assert.match(html, /0\.750/);
  assert.match(html, /0\.872/);
  assert.match(html, /n\/a/);
  const map = heatMap([[3, 0], [1, 2]], ['1', '2']);
  assert.equal((map.match(/<td/g) ?? []).length, 4);
  assert.match(map, /rgba\(88, 166, 255, 1\.00\)/);
});

test('a live event without a class (a blind round) does not undo what the server counts as done', () => {
  const blindEvent = { 1: { label_class: null } };
  assert.equal(nearestUndone(items.slice(0, 3), { x: 0, y: 0 }, { labelledHere: blindEvent })?.source_id, 3);
});

test('the new-round form: random in the drawn region, or chosen by the acquisition function', async () => {
  const { roundBody } = await import('../../src/panels/roundPanel.js');
  const square = { type: 'Polygon', coordinates: [[[0, 0], [9, 0], [9, 9], [0, 0]]] };
  const fields = { name: 'r', n: '12', k: '3', annotators: 'ann, bob,, cyd', blind: 'on' };
  const random = roundBody({ ...fields, strategy: 'random' }, square);
  assert.deepEqual(random?.sample, { regions: [square], n: 12, strategy: 'random' });
  assert.deepEqual(random?.annotators, ['ann', 'bob', 'cyd']);
  assert.equal(random?.blind, true);
  assert.equal(random?.show_predictions, false);
  assert.equal(roundBody({ ...fields, strategy: 'random' }, null), null, 'random needs a region');
  assert.deepEqual(roundBody({ ...fields, strategy: 'entropy' }, null)?.sample, { n: 12, strategy: 'entropy' });
  assert.deepEqual(roundBody({ ...fields, strategy: 'diverse' }, square)?.sample,
    { regions: [square], n: 12, strategy: 'diverse' });
});

test('agreement by magnitude: the quantile bins with their counts', async () => {
  const { binsTable } = await import('../../src/panels/roundPanel.js');
  assert.equal(binsTable({ column: null, bins: [] }, 'magnitude'), '');
  const html = binsTable({ column: 'mag_F555W', bins: [
    { lo: 24, hi: 24.25, n_sources: 5, n_items: 5, agreement: 1 },
    { lo: 24.25, hi: 24.95, n_sources: 15, n_items: 14, agreement: null }] }, 'magnitude');
  assert.match(html, /24\.00–24\.25<\/td><td>5<\/td><td>1\.000/);
  assert.match(html, /<td>15<\/td><td>n\/a/);
  assert.match(html, /mag_F555W/);
});
