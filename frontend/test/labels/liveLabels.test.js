import assert from 'node:assert/strict';
import { test } from 'node:test';
import { followLiveLabels } from '../../src/labels/liveLabels.js';
import { createStore, initialState } from '../../src/store.js';

/** An event hub the test drives, and a labelling stub with `unsaved` entries. */
function setup({ unsaved = [], annotations = [], sources = {} } = {}) {
  const store = createStore({ ...initialState(), imageId: 7 });
  const handlers = {};
  const events = {
    on: (name, fn) => { (handlers[name] ??= []).push(fn); return () => {}; },
    fire: (name, data) => { for (const fn of handlers[name] ?? []) fn(data); },
  };
  const calls = { after: [], sources: [], refreshed: 0 };
  const labelling = { unsaved: () => unsaved, refreshSelected: () => { calls.refreshed += 1; } };
  const live = followLiveLabels(store, labelling, events, {
    annotationsAfter: async (imageId, afterId) => {
      calls.after.push([imageId, afterId]);
      return { items: annotations.filter((a) => a.id > afterId) };
    },
    getSource: async (id) => { calls.sources.push(id); return sources[id]; },
  });
  return { store, events, calls, live };
}

test('a labels event shows the new consensus at once; a source of ours still unsaved keeps its own', () => {
  const { store, events } = setup({ unsaved: [{ body: { source_id: 2 } }] });
  events.fire('labels', { source_id: 1, label_class: '4', annotation_id: 10 });
  events.fire('labels', { source_id: 2, label_class: '1', annotation_id: 11 });
  events.fire('labels', { source_id: 3, label_class: null, blind: true, annotation_id: 12 });
  assert.deepEqual(store.get().overrides, { 1: { label_class: '4' } });
});

test('a reconnection catches up with the labels made while the stream was down', async () => {
  const annotations = [
    { id: 5, source_id: 1 }, { id: 6, source_id: 2 }, { id: 7, source_id: 2 }, { id: 8, source_id: 3 },
  ];
  const sources = { 2: { id: 2, label_class: '3', n_votes: 2 }, 3: { id: 3, label_class: '1', n_votes: 1 } };
  const { store, events, calls, live } = setup({ annotations, sources });
  events.fire('hello', { annotation_id: 5 });  // the stream opened: the image's newest annotation was 5
  events.fire('hello', { annotation_id: 8 });  // a reconnection's hello: after the gap, so not where to start
  const version = store.get().sourcesVersion;
  events.fire('resync', { reconnected: true });
  assert.equal(store.get().sourcesVersion, version + 1);  // the view reloads
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(calls.after, [[7, 5]]);
  assert.deepEqual(calls.sources.sort(), [2, 3]);  // each source once, its consensus read again
  assert.deepEqual(store.get().overrides, { 2: { label_class: '3', n_votes: 2 }, 3: { label_class: '1', n_votes: 1 } });
  assert.equal(await live.catchUp(), 0);  // in step now: the next catch-up starts after 8
  assert.deepEqual(calls.after.at(-1), [7, 8]);
});

test('no catch-up before the first hello, nor for another image, nor of a source of ours still unsaved', async () => {
  const annotations = [{ id: 3, source_id: 9 }, { id: 4, source_id: 4 }];
  const sources = { 4: { id: 4, label_class: '2', n_votes: 1 }, 9: { id: 9, label_class: '1', n_votes: 1 } };
  const { store, events, calls, live } = setup({ annotations, sources, unsaved: [{ body: { source_id: 9 } }] });
  assert.equal(await live.catchUp(), 0);
  assert.deepEqual(calls.after, []);
  events.fire('labels', { source_id: 1, label_class: '1', annotation_id: 2 });
  assert.equal(await live.catchUp(), 1);
  assert.deepEqual(calls.sources, [4]);
  store.set({ imageId: 8 });  // another image: nothing known of it yet
  assert.equal(await live.catchUp(), 0);
});
