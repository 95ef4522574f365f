import assert from 'node:assert/strict';
import { test } from 'node:test';
import { predictionText } from '../../src/panels/sourcePrediction.js';

const legus = {
  binary: ['cluster', 'non-cluster'],
  classes: [{ id: '1', name: 'compact symmetric cluster' }, { id: '3', name: 'multi-peak association' }],
};
const base = { source_id: 1, x: 0, y: 0, class: '3', score: 0.4, entropy: 1.23, probs: {}, rank: null, pseudo_label: null };

test('a prediction leads with the binary answer and the entropy the picks rank by', () => {
  const text = predictionText({ ...base, binary: { group: 'cluster', p: 0.6, entropy: 0.673 } }, legus);
  assert.match(text, /^predicted 3 /);
  assert.match(text, /p = 0\.40 · cluster, p = 0\.60 · entropy 0\.67 nats on cluster \/ non-cluster, 1\.23 on the classes$/);
});

test('without a binary question it gives the classes\' entropy alone', () => {
  assert.match(predictionText({ ...base, binary: null }, legus), /p = 0\.40 · entropy 1\.23 nats$/);
  assert.match(predictionText(base, null), /entropy 1\.23 nats$/);
  assert.equal(predictionText(null, legus), '');
});

test('the scheme names its own binary groups', () => {
  const text = predictionText({ ...base, binary: { group: 'star', p: 0.9, entropy: 0.33 } }, { name: 'stars', binary: ['star', 'galaxy'], classes: [] });
  assert.match(text, /star, p = 0\.90 · entropy 0\.33 nats on star \/ galaxy/);
});
