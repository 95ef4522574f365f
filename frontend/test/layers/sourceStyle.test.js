import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIN_RADIUS, ringSpec, screenRadius, shownClass } from '../../src/layers/sourceStyle.js';

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

test('colour by prediction: an unlabelled ring takes the predicted class colour, dashed, fainter when unsure', async () => {
  const { CONFIDENCE_ALPHA, confidenceLevel } = await import('../../src/layers/sourceStyle.js');
  const probs = { 1: 0.9, 2: 0.1 };
  const predictions = { 5: { class: '1', score: 0.9, probs, pseudo_label: null }, 6: { class: '1', score: 0.55, probs, pseudo_label: '1' } };
  const on = ctx({ predictions, byPrediction: true });
  const sure = ringSpec({ id: 5, layer_id: 1, label_class: null }, on);
  assert.equal(sure.colour, '#3fb950');
  assert.equal(sure.dash, 'dashed');
  assert.equal(sure.labelled, false, 'never drawn like a human label');
  const unsure = ringSpec({ id: 6, layer_id: 1, label_class: null }, on);
  assert.equal(unsure.dash, 'dotted', 'a pseudo-label is dotted');
  assert.ok(unsure.alpha < sure.alpha);
  assert.notEqual(unsure.key, sure.key);
  const human = ringSpec({ id: 5, layer_id: 1, label_class: '1' }, on);
  assert.equal(human.dash, '', 'a human label stays solid');
  assert.equal(human.alpha, 1);
  assert.equal(ringSpec({ id: 5, layer_id: 2, label_class: null }, on).colour, '#ffffff', 'picked rings stay white');
  assert.equal(ringSpec({ id: 5, layer_id: 1, label_class: null }, ctx({ predictions, byPrediction: false })).colour, '#ffd33d');
  assert.equal(confidenceLevel(0.25, 4), 0);
  assert.equal(confidenceLevel(1, 4), CONFIDENCE_ALPHA.length - 1);
  assert.equal(confidenceLevel(0.7, 2), 1);
});
