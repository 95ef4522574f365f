import assert from 'node:assert/strict';
import { test } from 'node:test';
import { truncatedNote } from '../../src/panels/layerLegend.js';
import { similarStillShown, similarText } from '../../src/panels/sourcePrediction.js';
import {
  bandColumns, diagramKinds, diagramPoints, evaluate, inPolygon, legendText, parseExpression,
} from '../../src/selection/expressions.js';
import { createWalk } from '../../src/selection/walk.js';
import { describeWorkingSet, emptyWorkingSet, filterParam } from '../../src/selection/workingSet.js';

const phot = {
  count: 5,
  columns: ['mag_F555W', 'mag_F814W', 'ci'],
  values: { mag_F555W: [22, 20, null, 21, null], mag_F814W: [21, 19.5, 20, null, null], ci: [1, 1.2, 1.4, 1.5, 1.6] },
  sentinels: { mag_F555W: [2], mag_F814W: [], ci: [] },
};

test('expressions: columns and colours, missing and sentinel told apart', () => {
  assert.deepEqual(parseExpression('mag_V - mag_I').terms, [[1, 'mag_V'], [-1, 'mag_I']]);
  assert.throws(() => parseExpression('mag_V*2'), /sum\/difference/);
  const { values, why } = evaluate(phot, 'mag_F555W-mag_F814W');
  assert.deepEqual([values[0], values[1]], [1, 0.5]);
  assert.deepEqual([...why], [0, 0, 2, 1, 1]);
});

test('the diagrams a catalogue allows, magnitudes bright-up', () => {
  assert.deepEqual(bandColumns(['mag_F555W', 'mag_F814W', 'mag_err_F555W']), { V: 'mag_F555W', I: 'mag_F814W' });
  const kinds = diagramKinds(['mag_U', 'mag_B', 'mag_V', 'mag_I', 'ci']);
  assert.deepEqual(kinds.map((k) => [k.id, k.x, k.y, k.invertY]), [
    ['cmd', 'mag_V-mag_I', 'mag_V', true], ['cc', 'mag_V-mag_I', 'mag_U-mag_B', true], ['ci', 'mag_V', 'ci', false]]);
  assert.deepEqual(diagramKinds(['flux']), []);
});

test('points left out of a diagram are counted by axis and reason', () => {
  const d = diagramPoints(phot, 'mag_F555W-mag_F814W', 'mag_F555W');
  assert.deepEqual([...d.rows], [0, 1]);
  assert.deepEqual(d.leftOut['mag_F555W-mag_F814W'], { missing: 2, sentinel: 1 });
  assert.equal(legendText(d.rows.length, phot.count, d.leftOut, { 'mag_F555W-mag_F814W': 'V-I', mag_F555W: 'V' }),
    '2 of 5 drawn · left out V-I: 3 (2 missing, 1 sentinel)');
  assert.equal(inPolygon(0.5, 0.5, [[0, 0], [1, 0], [1, 1], [0, 1]]), true);
  assert.equal(inPolygon(1.5, 0.5, [[0, 0], [1, 0], [1, 1], [0, 1]]), false);
});

test('one filter parameter for the grid, n/p and label next', () => {
  assert.equal(filterParam(emptyWorkingSet()), undefined);
  const ws = { cuts: [{ expr: 'mag_V-mag_I', min: 0.2, max: null }, { expr: 'ci', min: null, max: null }], regions: [3],
    lasso: { x: 'mag_V-mag_I', y: 'mag_V', points: [[0, 20], [1, 20], [1, 22]] } };
  assert.deepEqual(JSON.parse(filterParam(ws)), {
    cuts: [{ expr: 'mag_V-mag_I', min: 0.2 }], regions: [3], lasso: { x: 'mag_V-mag_I', y: 'mag_V', points: [[0, 20], [1, 20], [1, 22]] } });
  assert.equal(describeWorkingSet(ws, 38), 'V-I 0.2..… · 1 region · lasso (38)');
});

test('n walks outward and p walks back', () => {
  const walk = createWalk();
  assert.equal(walk.forward(), null);
  walk.push(5);
  walk.push(9);
  assert.deepEqual(walk.skip(9), [5, 9]);
  assert.deepEqual(walk.skip(12), [5, 9, 12]);
  assert.equal(walk.back(), 5);
  assert.equal(walk.back(), null);
  assert.equal(walk.forward(), 9);
  assert.equal(walk.forward(), null, 'then the server is asked for a new one');
});

test('the legend says how the view was thinned', () => {
  assert.equal(truncatedNote({ count: 10, truncated: false }), '');
  assert.match(truncatedNote({ count: 5000, truncated: true, thinned: { matched: 23456, capped: false } }),
    /^5,000 of 23,456 sources in view drawn, thinned evenly over the view, brightest first/);
});

test('"more like this" shows rank and distance, and clears on another selection', () => {
  assert.equal(similarText({ rank: 1, distance: 0.1234, farther: 0.998, similarity: 0.88 }), '#1 · d 0.12 · closer than 99.8%');
  const sim = { sourceId: 4, items: [{ source_id: 7 }, { source_id: 8 }] };
  assert.equal(similarStillShown(sim, 4), true);
  assert.equal(similarStillShown(sim, 8), true, 'walking the list keeps it');
  assert.equal(similarStillShown(sim, 99), false, 'it kept its list after another source was selected');
});
