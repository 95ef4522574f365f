import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStore, initialState } from '../src/store.js';

test('set merges, freezes and notifies with old and new state', () => {
  const store = createStore({ a: 1, b: { c: 2 } });
  const seen = [];
  store.subscribe((s, prev) => seen.push([prev.a, s.a]));
  const b = store.get().b;
  store.set({ a: 5 });
  assert.deepEqual(seen, [[1, 5]]);
  assert.equal(store.get().b, b, 'untouched slices keep their identity');
  assert.ok(Object.isFrozen(store.get()));
});

test('watch fires now and then only when its slice changes', () => {
  const store = createStore(initialState());
  const calls = [];
  const stop = store.watch((s) => s.rendition, (r) => calls.push(r));
  store.set({ rendition: 'color' });
  store.set({ cursor: { x: 1, y: 2 } });
  store.set({ rendition: 'color' });
  store.set({ rendition: 'F555W' });
  stop();
  store.set({ rendition: 'F814W' });
  assert.deepEqual(calls, [null, 'color', 'F555W']);
});
