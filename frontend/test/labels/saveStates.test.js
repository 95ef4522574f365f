import assert from 'node:assert/strict';
import { test } from 'node:test';
import { saveSummary, sourceSaveStates, unsavedShapes } from '../../src/labels/saveStates.js';

const entry = (over) => ({ key: 'k', imageId: 1, body: {}, attempts: 0, nextAt: 0, state: 'pending', error: null, ...over });

test('a source shows pending while its label is in flight and failed once a try failed', () => {
  const states = sourceSaveStates([
    entry({ body: { source_id: 1 } }),
    entry({ body: { source_id: 2 }, attempts: 1, state: 'retrying', error: 'cannot reach' }),
    entry({ body: { source_id: 2 } }),
    entry({ body: { source_id: 3 }, state: 'rejected', attempts: 1 }),
    entry({ body: { geometry: { type: 'Point', coordinates: [1, 2] } } }),
  ]);
  assert.deepEqual(states, { 1: 'pending', 2: 'failed', 3: 'failed' });
});

test('the counter counts every unsaved label and names the latest failure', () => {
  const summary = saveSummary([
    entry({}),
    entry({ attempts: 2, state: 'retrying', error: 'cannot reach the skylabel server' }),
    entry({ state: 'rejected', attempts: 1, error: 'class "9" is not in the scheme' }),
  ]);
  assert.deepEqual(summary, { pending: 3, failed: 2, rejected: 1, error: 'class "9" is not in the scheme' });
  assert.deepEqual(saveSummary([]), { pending: 0, failed: 0, rejected: 0, error: null });
});

test('drawn shapes without a source yet are listed for drawing, per image', () => {
  const g = { type: 'Point', coordinates: [1, 2] };
  const shapes = unsavedShapes([
    entry({ key: 'a', body: { geometry: g, class: '1' } }),
    entry({ key: 'b', imageId: 2, body: { geometry: g, class: '1' } }),
    entry({ key: 'c', body: { source_id: 4, class: '2' } }),
  ], 1);
  assert.deepEqual(shapes, [{ key: 'a', geometry: g, class: '1', failed: false }]);
});
