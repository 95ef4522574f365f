import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import {
  createLabelNext, describeStrategy, isLabelled, nextProposal, originalOf, refitActive,
} from '../../src/learning/labelNext.js';
import { createStore, initialState } from '../../src/store.js';

const items = [{ id: 10, label_class: null }, { id: 11, label_class: null }, { id: 12, label_class: '1' }, { id: 13, label_class: null }];

test('the next proposal skips labelled, done and the one in hand, and wraps around', () => {
  assert.equal(nextProposal(items, null), 10);
  assert.equal(nextProposal(items, 10), 11);
  assert.equal(nextProposal(items, 11), 13, 'a labelled proposal is skipped');
  assert.equal(nextProposal(items, 13), 10, 'wraps');
  assert.equal(nextProposal(items, 11, { overrides: { 13: { label_class: '2' } } }), 10, 'a label made here counts');
  assert.equal(nextProposal(items, 11, { done: [13, 10] }), null);
  assert.equal(nextProposal(items, 13, { direction: -1 }), 11);
  assert.equal(nextProposal(items, 999), 10, 'a source not among the proposals: start from the first');
  assert.equal(nextProposal([], null), null);
  assert.equal(isLabelled({ id: 12, label_class: '1' }, { 12: { label_class: null } }), false, 'a retraction counts');
});

test('a click on a picked ring (a copy) selects the original at the same position', () => {
  const layers = [{ id: 1, kind: 'detections' }, { id: 2, kind: 'picked' }];
  const sources = [{ id: 5, layer_id: 1, x: 10, y: 20 }, { id: 900, layer_id: 2, x: 10, y: 20 }, { id: 6, layer_id: 1, x: 11, y: 20 }];
  assert.equal(originalOf(900, sources, layers), 5);
  assert.equal(originalOf(6, sources, layers), 6);
  assert.equal(originalOf(901, sources, layers), 901, 'unknown: left as it is');
});

test('a refit is active while a fit_probe is queued or running', () => {
  assert.equal(refitActive({ 1: { name: 'fit_probe', status: 'running' } }), true);
  assert.equal(refitActive({ 1: { name: 'fit_probe', status: 'done' }, 2: { name: 'pretrain', status: 'running' } }), false);
});

// The mode against a fake server: proposals, selecting, advancing after a label, refreshing after a retrain.
let savedFetch;
beforeEach(() => {
  savedFetch = globalThis.fetch;
});
afterEach(() => {
  globalThis.fetch = savedFetch;
});
const settle = async () => {
  for (let i = 0; i < 20; i += 1) await new Promise((r) => setTimeout(r, 0));
};

function setup(answers) {
  const asked = [];
  globalThis.fetch = async (url) => {
    const u = new URL(url, 'http://x');
    asked.push(`${u.pathname}?${u.searchParams}`);
    const body = answers.shift() ?? { items: [] };
    return new Response(JSON.stringify(body), { status: body.status ?? 200, headers: { 'Content-Type': 'application/json' } });
  };
  const store = createStore({ ...initialState(), imageId: 1 });
  const selected = [];
  const listeners = [];
  const labelling = {
    selectSource: (id) => {
      selected.push(id);
      store.set({ selectedId: id });
      return Promise.resolve();
    },
    onLabelled: (fn) => listeners.push(fn),
  };
  const handlers = {};
  const events = { on: (name, fn) => { (handlers[name] ??= []).push(fn); } };
  const statuses = [];
  const actions = { showStatus: (m) => statuses.push(m), clearStatus: () => {} };
  let picked = 0;
  const next = createLabelNext(store, /** @type {any} */ (actions), /** @type {any} */ (labelling), {
    events: /** @type {any} */ (events), onPicked: () => { picked += 1; },
  });
  const label = (id, cls) => {
    store.set({ overrides: { ...store.get().overrides, [id]: { label_class: cls } } });
    for (const fn of listeners) fn(id, cls);
  };
  const emit = (name, data) => (handlers[name] ?? []).forEach((fn) => fn(data));
  return { store, next, selected, label, emit, asked, statuses, picked: () => picked };
}

const answer = (ids) => ({ strategy: 'entropy', layer_id: 2, model_version: 1, count: ids.length,
  items: ids.map((id, i) => ({ id, layer_id: 1, x: id, y: id, label_class: null, n_votes: 0, rank: i + 1 })) });

test('label next selects the first proposal, moves on after each label, and asks again after a retrain', async () => {
  const { store, next, selected, label, emit, asked, picked } = setup([answer([10, 11, 12]), answer([12, 20])]);
  await next.start();
  assert.match(asked[0], /\/api\/images\/1\/learning\/next\?strategy=entropy&k=20/);
  assert.deepEqual(selected, [10]);
  assert.equal(picked(), 1, 'the picked layer was rebuilt: rings reloaded');
  label(10, '1');
  assert.deepEqual(selected, [10, 11]);
  label(11, null);
  assert.deepEqual(selected, [10, 11], 'a retraction does not move on');
  // a retrain: proposals are asked for again once no refit is running, the source in hand stays
  store.set({ tasks: { 7: { id: 7, name: 'fit_probe', status: 'running' } } });
  emit('scores', { model_version: 3 });
  await new Promise((r) => setTimeout(r, 650));
  assert.equal(asked.length, 1, 'not while the refit runs');
  store.set({ tasks: { 7: { id: 7, name: 'fit_probe', status: 'done' } } });
  await settle();
  assert.equal(asked.length, 2);
  assert.deepEqual(selected, [10, 11], 'the annotator is not moved off the source in hand');
  label(11, '4');
  assert.deepEqual(selected, [10, 11, 12], 'the next one comes from the new proposals');
  assert.equal(store.get().labelNext.labelled, 2, 'labels count across new proposals (it kept saying 0)');
  next.stop();
  label(12, '2');
  assert.deepEqual(selected, [10, 11, 12], 'off: labels do not move the selection');
  assert.equal(store.get().labelNext.active, false);
});

test('without a model, entropy is refused with the server\'s message and a hint', async () => {
  const { store, next, selected, statuses } = setup([{ status: 409, detail: "strategy 'entropy' needs a model" }]);
  await next.start();
  assert.deepEqual(selected, []);
  assert.match(store.get().labelNext.error, /needs a model .*choose random/);
  assert.ok(statuses.some((m) => /label next: strategy/.test(m)));
});

test('the strategy is described with the question the server asked', () => {
  assert.equal(describeStrategy('entropy', 'binary', null), 'entropy on cluster / non-cluster');
  assert.equal(describeStrategy('margin', 'binary', { binary: ['star', 'galaxy'] }), 'margin on star / galaxy');
  assert.equal(describeStrategy('entropy', 'classes', null), 'entropy');
  assert.equal(describeStrategy('random', null, null), 'random');
});
