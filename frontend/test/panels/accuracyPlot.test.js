import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accuracyPlotSvg, labelsSavedText, niceTicks } from '../../src/panels/accuracyPlot.js';
import { modelSummary } from '../../src/panels/modelPanel.js';

test('round ticks cover the largest label count', () => {
  assert.deepEqual(niceTicks(10), [0, 5, 10]);
  assert.deepEqual(niceTicks(37), [0, 10, 20, 30, 40]);
  assert.deepEqual(niceTicks(0), [0, 1]);
});

test('one point per probe version with an accuracy, joined in label order, the newest ringed', () => {
  const history = [
    { model_version: 3, version: 1, n_labels: 6, validation_accuracy: null },
    { model_version: 4, version: 2, n_labels: 10, validation_accuracy: 0.5 },
    { model_version: 5, version: 3, n_labels: 20, validation_accuracy: 0.75 },
  ];
  const svg = accuracyPlotSvg(history, { width: 232, height: 120 });
  assert.match(svg, /^<svg id="accuracy-plot" data-points="2"/);
  assert.equal((svg.match(/<circle/g) ?? []).length, 2);
  assert.equal((svg.match(/class="dot newest"/g) ?? []).length, 1);
  assert.match(svg, /probe v3: 20 labels, accuracy 0\.750/);
  // x: 0..20 labels over 30..224 px; y: accuracy 0..1 over 98..8 px
  assert.match(svg, /<polyline class="line" points="127\.0,53\.0 224\.0,30\.5"\/>/);
  assert.match(accuracyPlotSvg([]), /data-points="0".*sources of 2\+ classes are labelled/);
});

test('the model line says what exists and what is missing', () => {
  assert.match(modelSummary({ encoder: null }), /no model yet: pretrain/);
  const encoder = { version: 1, steps: 30 };
  assert.match(modelSummary({ encoder, embeddings: null }), /embedding its sources/);
  assert.match(modelSummary({ encoder, embeddings: {}, probe: null }), /no probe yet/);
  const probe = { version: 4, n_labels: 25, validation_accuracy: 0.8123, validation: '5-fold' };
  assert.equal(modelSummary({ encoder, embeddings: {}, probe }), 'encoder v1 (30 steps) · probe v4: 25 labels, accuracy 0.81');
  assert.match(modelSummary({ encoder, embeddings: {}, probe: { ...probe, validation_accuracy: null, validation: '5-fold (pending)' } }), /cross-validating/);
  // the last known figure is named with its own version, never as this probe's accuracy
  const history = [{ version: 3, validation_accuracy: 0.49 }, { version: 4, validation_accuracy: null }];
  const line = modelSummary({ encoder, embeddings: {}, history, probe: { ...probe, validation_accuracy: null, validation: '5-fold (pending)' } });
  assert.match(line, /accuracy: cross-validating… \(v3 had 0\.49\)$/);
  assert.doesNotMatch(line, /labels, accuracy 0\.49/);
});

test('the photometric-features baseline is drawn dashed beside the probe, on the same axes', () => {
  const history = [
    { model_version: 4, version: 2, n_labels: 10, validation_accuracy: 0.5, features_only_accuracy: 0.6 },
    { model_version: 5, version: 3, n_labels: 20, validation_accuracy: 0.75, features_only_accuracy: 0.65 },
    { model_version: 6, version: 4, n_labels: 22, validation_accuracy: null, features_only_accuracy: null },
  ];
  const svg = accuracyPlotSvg(history, { width: 232, height: 120 });
  assert.match(svg, /data-points="2" data-feature-points="2"/);
  assert.match(svg, /<polyline class="line features" stroke-dasharray="3 2" points="/);
  assert.match(svg, /photometric features alone, v3: 20 labels, accuracy 0\.650/);
  assert.match(svg, /features alone<\/text>/);
  const none = accuracyPlotSvg(history.map((h) => ({ ...h, features_only_accuracy: null })));
  assert.match(none, /data-feature-points="0"/);
  assert.doesNotMatch(none, /features alone/);
});

test('the labels saved sentence says saved, costs, or nothing yet', () => {
  assert.equal(labelsSavedText(null), '');
  assert.equal(labelsSavedText({ labels_saved: null }), '');
  const measured = { labels_compared: 64, target_accuracy: 0.8, probe_labels_to_target: 12.4, features_labels_to_target: 50.2 };
  assert.equal(labelsSavedText({ ...measured, labels_saved: 38 }),
    '≈ 38 labels saved against photometric features alone (accuracy 0.80: the probe needs ~12, features alone ~50 of 64 labels)');
  assert.match(labelsSavedText({ ...measured, labels_saved: -5 }), /features alone do better so far: the probe needs ≈ 5 more labels/);
  assert.match(labelsSavedText({ ...measured, labels_saved: 0 }), /^no labels saved yet/);
});
