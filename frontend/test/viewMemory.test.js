import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatHash, parseHashExtras } from '../src/hash.js';
import { createStore, initialState } from '../src/store.js';
import { mergeViews, recallView, rememberView, startViewMemory } from '../src/viewMemory.js';

function fakeStorage() {
  const data = new Map();
  return { getItem: (k) => (data.has(k) ? data.get(k) : null), setItem: (k, v) => data.set(k, String(v)), data };
}

test('stretch and hidden layers travel in the hash', () => {
  const stretch = { ...initialState().stretch, stretch: 'log', limits: 'zscale', pmax: 99.5 };
  const hash = formatHash({ imageId: 2, rendition: 'rgb', view: null, stretch, hiddenLayers: [3, 5] });
  assert.match(hash, /stretch=log&limits=zscale&pmin=0.5&pmax=99.5/);
  assert.match(hash, /hidden=3%2C5$/);
  assert.deepEqual(parseHashExtras(hash), {
    stretch: { stretch: 'log', limits: 'zscale', pmin: 0.5, pmax: 99.5 }, hidden: [3, 5],
  });
  assert.deepEqual(parseHashExtras('#image=1'), { stretch: null, hidden: null });
});

test('each image remembers its own view, stretch, rendition and hidden layers (they reset on reload)', () => {
  const storage = fakeStorage();
  const store = createStore({ ...initialState(), imageId: 4, image: { id: 4 }, rendition: 'F555W' });
  startViewMemory(store, /** @type {any} */ (storage));
  store.set({ view: { x: 100, y: 200, res: 0.5, extent: [] } });
  store.set({ stretch: { ...store.get().stretch, stretch: 'sqrt' } });
  store.set({ hiddenLayers: [9] });
  assert.equal(recallView(4, /** @type {any} */ (storage)).hidden, undefined, 'not before the layers arrived');
  store.set({ layersImageId: 4, hiddenLayers: [7] });
  const got = recallView(4, /** @type {any} */ (storage));
  assert.deepEqual([got.x, got.y, got.res, got.rendition, got.stretch.stretch, got.hidden], [100, 200, 0.5, 'F555W', 'sqrt', [7]]);
  assert.deepEqual(recallView(5, /** @type {any} */ (storage)), {});
  rememberView(5, { rendition: 'rgb' }, /** @type {any} */ (storage));
  assert.equal(recallView(4, /** @type {any} */ (storage)).rendition, 'F555W');
});

test('the hash wins where it speaks, the memory fills in the rest', () => {
  const stored = { rendition: 'rgb', x: 1, y: 2, res: 4, stretch: { stretch: 'log' }, hidden: [1] };
  assert.deepEqual(mergeViews({}, stored), stored);
  const hash = { rendition: 'F814W', x: 10, y: 20, res: null, stretch: null, hidden: null };
  assert.deepEqual(mergeViews(hash, stored), { rendition: 'F814W', x: 10, y: 20, res: null, stretch: { stretch: 'log' }, hidden: [1] });
});
