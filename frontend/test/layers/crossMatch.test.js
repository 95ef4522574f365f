import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crossMatches, drawnMember, oneRingPerObject } from '../../src/layers/crossMatch.js';

const layers = new Map([
  [1, { id: 1, kind: 'detections', style: { colour: '#ffd33d' } }],
  [2, { id: 2, kind: 'reference', style: { colour: '#58a6ff' } }],
  [3, { id: 3, kind: 'picked', style: { colour: '#ffffff' } }],
]);
const ctx = (over = {}) => ({ layers, hidden: new Set(), scheme: null, overrides: {}, saveStates: {}, selectedId: null, ...over });
// the server's test_cross_matched_layers_export_one_row_per_object: 4 detections, 4 reference, 3 objects in common
const sources = [
  { id: 1, layer_id: 1, x: 10, y: 10, label_class: null },
  { id: 2, layer_id: 1, x: 50, y: 80, label_class: null },
  { id: 3, layer_id: 1, x: 200, y: 150, label_class: null },
  { id: 4, layer_id: 1, x: 290, y: 190, label_class: null },
  { id: 5, layer_id: 2, x: 10.4, y: 10.2, label_class: null },
  { id: 6, layer_id: 2, x: 50.3, y: 79.6, label_class: null },
  { id: 7, layer_id: 2, x: 201.0, y: 150.0, label_class: null },
  { id: 8, layer_id: 2, x: 150, y: 20, label_class: null },
  { id: 9, layer_id: 3, x: 290, y: 190, label_class: null },
];

test('a detection and its reference twin (each other\'s nearest within 1.5 px) are one object', () => {
  const pairs = crossMatches(sources, layers);
  assert.deepEqual([...pairs.entries()].sort((a, b) => a[0] - b[0]), [[1, 5], [2, 6], [3, 7], [5, 1], [6, 2], [7, 3]]);
  const crowded = [...sources, { id: 10, layer_id: 1, x: 10.3, y: 10.2, label_class: null }];
  assert.equal(crossMatches(crowded, layers).get(5), 10, 'the nearest detection only');
  assert.equal(crossMatches(crowded, layers).has(1), false);
});

test('one ring per object: the reference membership by default, 5 rings for 8 catalogue sources', () => {
  const pairs = crossMatches(sources, layers);
  const drawn = oneRingPerObject(sources, pairs, ctx()).map((s) => s.id);
  assert.deepEqual(drawn, [4, 5, 6, 7, 8, 9], 'the picked copy is no membership: it stays');
});

test('which membership shows: selected, then round sample, then labelled, then the topmost layer', () => {
  const pairs = crossMatches(sources, layers);
  const shown = (c) => oneRingPerObject(sources, pairs, c).filter((s) => !c.hidden.has(s.layer_id))
    .map((s) => s.id).filter((id) => id === 1 || id === 5);
  assert.deepEqual(shown(ctx()), [5]);
  const labelled = sources.map((s) => (s.id === 1 ? { ...s, label_class: '2' } : s));
  assert.deepEqual(oneRingPerObject(labelled, pairs, ctx()).filter((s) => s.id === 1 || s.id === 5).map((s) => s.id), [1]);
  assert.deepEqual(shown(ctx({ overrides: { 1: { label_class: '3' } } })), [1], 'a label made here counts');
  assert.deepEqual(shown(ctx({ roundSources: new Set([1]) })), [1], "the round's large white ring");
  assert.deepEqual(shown(ctx({ roundSources: new Set([1]), selectedId: 5 })), [5], 'the selected one above all');
  assert.deepEqual(shown(ctx({ hidden: new Set([2]) })), [1], 'the reference layer hidden: the detection shows');
  assert.deepEqual(shown(ctx({ hidden: new Set([1]) })), [5]);
});

test('a click on the one ring picks the membership drawn', () => {
  const pairs = crossMatches(sources, layers);
  assert.equal(drawnMember(1, sources, pairs, ctx()), 5);
  assert.equal(drawnMember(5, sources, pairs, ctx({ roundSources: new Set([1]) })), 1);
  assert.equal(drawnMember(4, sources, pairs, ctx()), 4);
});

test('the source panel lists both memberships', async () => {
  const { membershipsList } = await import('../../src/panels/sourcePanel.js');
  assert.equal(membershipsList(null, [{ source_id: 1, layer: 'det', kind: 'detections', catalog_id: '1', reference_class: null }]), '');
  const html = membershipsList({ classes: [{ id: '1', name: 'symmetric' }] }, [
    { source_id: 1, layer: 'det.csv', kind: 'detections', catalog_id: '1', reference_class: null },
    { source_id: 5, layer: 'truth.csv', kind: 'reference', catalog_id: 'a', reference_class: '1' }]);
  assert.match(html, /one object in 2 layers/);
  assert.match(html, /data-member="5" data-kind="reference">truth.csv/);
  assert.match(html, /reference class 1 symmetric/);
});
