import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { boxContains, indexPredictions, startPredictionsLoader } from '../../src/learning/predictionsLoader.js';
import { createStore, initialState } from '../../src/store.js';

test('predictions are kept by source id with the model version they come from', () => {
  const p = indexPredictions({ model_version: 12, version: 4, truncated: false, items: [
    { source_id: 3, class: '1', score: 0.9 }, { source_id: 8, class: '4', score: 0.6 }] }, [0, 0, 10, 10]);
  assert.equal(p.modelVersion, 12);
  assert.equal(p.version, 4);
  assert.equal(p.bySource[8].class, '4');
  assert.equal(boxContains(p.bbox, { x: 10, y: 0 }), true);
  assert.equal(boxContains(p.bbox, { x: 10.5, y: 0 }), false);
});

let savedFetch;
beforeEach(() => {
  savedFetch = globalThis.fetch;
});
afterEach(() => {
  globalThis.fetch = savedFetch;
});

test('the view is fetched debounced; a scores event fetches at once', async () => {
  const asked = [];
  let version = 1;
  globalThis.fetch = async (url) => {
    asked.push(new URL(url, 'http://x').searchParams.get('bbox'));
    return new Response(JSON.stringify({ model_version: version, version, items: [{ source_id: 1, class: '1', score: 0.8 }] }),
      { status: 200, headers: { 'Content-Type': 'application/json' } });
  };
  const store = createStore({ ...initialState(), imageId: 1, image: { id: 1, width: 100, height: 100 }, learning: { probe: { model_version: 1 } } });
  const handlers = {};
  const events = { on: (name, fn) => { (handlers[name] ??= []).push(fn); } };
  startPredictionsLoader(store, /** @type {any} */ ({ clearStatus() {}, showStatus() {} }), /** @type {any} */ (events));
  store.set({ view: { x: 50, y: 50, res: 1, extent: [40, 40, 60, 60] } });
  store.set({ view: { x: 51, y: 50, res: 1, extent: [41, 40, 61, 60] } });
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(asked, ['36,35,66,65'], 'one request for the settled view plus a margin');
  assert.equal(store.get().predictions.modelVersion, 1);
  version = 2;
  const t0 = Date.now();
  handlers.scores.forEach((fn) => fn({ model_version: 2 }));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(store.get().predictions.modelVersion, 2);
  assert.ok(Date.now() - t0 < 100, 'no debounce on new scores');
});

test('no probe yet: nothing is asked for and nothing drawn', async () => {
  let asked = 0;
  globalThis.fetch = async () => {
    asked += 1;
    return new Response('{}');
  };
  const store = createStore({ ...initialState(), imageId: 1, image: { id: 1, width: 100, height: 100 }, learning: { probe: null } });
  startPredictionsLoader(store, /** @type {any} */ ({ clearStatus() {}, showStatus() {} }), /** @type {any} */ ({ on() {} }));
  store.set({ view: { x: 50, y: 50, res: 1, extent: [40, 40, 60, 60] } });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(asked, 0);
  assert.equal(store.get().predictions, null);
});
