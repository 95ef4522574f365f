import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIN_RADIUS, ringSpec, screenRadius, shownClass } from '../src/layers/sourceStyle.js';

const scheme = { name: 'LEGUS', classes: [{ id: '1', name: 'a', colour: '#3fb950', hotkey: '1' }] };
const layers = new Map([
  [1, { id: 1, kind: 'detections', style: { colour: '#ffd33d', radius_px: 6, width: 1.5, shape: 'ring' } }],
  [2, { id: 2, kind: 'picked', style: { colour: '#ffffff', radius_px: 14, width: 2, shape: 'ring' } }],
]);
const ctx = (over = {}) => ({ layers, hidden: new Set(), scheme, overrides: {}, saveStates: {}, selectedId: null, ...over });

test('an unlabelled source takes its layer colour; a labelled one its class colour', () => {
  assert.equal(ringSpec({ id: 5, layer_id: 1, label_class: null }, ctx()).colour, '#ffd33d');
  const labelled = ringSpec({ id: 5, layer_id: 1, label_class: '1' }, ctx());
  assert.equal(labelled.colour, '#3fb950');
  assert.equal(labelled.labelled, true);
  assert.equal(labelled.width, 2);
});

test('a label made here shows before the server confirms it, a retraction too', () => {
  const source = { id: 5, layer_id: 1, label_class: '1' };
  assert.equal(shownClass(source, ctx({ overrides: { 5: { label_class: null } } })), null);
  assert.equal(ringSpec({ ...source, label_class: null }, ctx({ overrides: { 5: { label_class: '1' } } })).colour, '#3fb950');
});

test('hidden layers draw nothing; selection and save state change the look and the key', () => {
  assert.equal(ringSpec({ id: 5, layer_id: 1, label_class: null }, ctx({ hidden: new Set([1]) })), null);
  assert.equal(ringSpec({ id: 5, layer_id: 9, label_class: null }, ctx()), null);
  const plain = ringSpec({ id: 5, layer_id: 1, label_class: null }, ctx());
  const selected = ringSpec({ id: 5, layer_id: 1, label_class: null }, ctx({ selectedId: 5, saveStates: { 5: 'failed' } }));
  assert.equal(selected.selected, true);
  assert.equal(selected.badge, 'failed');
  assert.ok(selected.z > plain.z, 'the selected ring is drawn on top');
  assert.notEqual(selected.key, plain.key);
});

test('radii are image pixels on screen, never below the minimum', () => {
  assert.equal(screenRadius(6, 0.25), 24);
  assert.equal(screenRadius(6, 1), 6);
  assert.equal(screenRadius(6, 8), MIN_RADIUS);
});
