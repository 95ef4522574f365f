import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UNKNOWN_POINT, nearestPoint, pointStyle, scatterTransform } from '../../src/learning/embeddingScatter.js';

const scheme = { classes: [{ id: '1', colour: '#3fb950' }, { id: '2', colour: '#58a6ff' }, { id: '3', colour: '#f0883e' }, { id: '4', colour: '#f85149' }] };

test('PCA coordinates fill the plot inside the padding, PC2 up', () => {
  const items = [{ pc: [-2, -1] }, { pc: [2, 3] }, { pc: [0, 1] }];
  const t = scatterTransform(items, 200, 100, 10);
  assert.deepEqual(t([-2, -1]), [10, 90]);
  assert.deepEqual(t([2, 3]), [190, 10]);
  assert.deepEqual(t([0, 1]), [100, 50]);
  const one = scatterTransform([{ pc: [5, 5] }], 200, 100, 10);
  assert.deepEqual(one([5, 5]), [100, 50], 'a single point sits in the middle');
});

test('a click picks the nearest point within reach, else none', () => {
  const xy = [10, 10, 20, 10, 100, 100];
  assert.equal(nearestPoint(xy, 14, 10, 8), 0);
  assert.equal(nearestPoint(xy, 16, 11, 8), 1);
  assert.equal(nearestPoint(xy, 60, 60, 8), -1);
});

test('human labels are solid class colours; predictions hollow and faded by confidence; the rest grey', () => {
  const item = { source_id: 1, label_class: null, class: '2', score: 0.97 };
  assert.deepEqual(pointStyle(item, 'prediction', scheme, {}), { colour: '#58a6ff', alpha: 1, solid: false, kind: 'prediction' });
  assert.ok(pointStyle({ ...item, score: 0.3 }, 'prediction', scheme, {}).alpha < 0.5, 'near chance (1/4): faint');
  assert.equal(pointStyle(item, 'label', scheme, {}).colour, UNKNOWN_POINT, 'by label, a prediction is not shown');
  const labelled = pointStyle(item, 'prediction', scheme, { 1: { label_class: '4' } });
  assert.deepEqual(labelled, { colour: '#f85149', alpha: 1, solid: true, kind: 'label' }, 'a label made here wins at once');
  assert.equal(pointStyle({ source_id: 2, label_class: null, class: null, score: null }, 'prediction', scheme, {}).kind, 'none');
});
