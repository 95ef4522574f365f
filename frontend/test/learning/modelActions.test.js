import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { createModelActions } from '../../src/learning/modelActions.js';
import { createStore, initialState } from '../../src/store.js';

let savedFetch;
beforeEach(() => {
  savedFetch = globalThis.fetch;
});
afterEach(() => {
  globalThis.fetch = savedFetch;
});

function setup(statuses) {
  const asked = [];
  globalThis.fetch = async (url, init = {}) => {
    const u = new URL(url, 'http://x');
    asked.push(`${init.method ?? 'GET'} ${u.pathname}`);
    let body = { count: 0, items: [] };
    if (u.pathname.endsWith('/learning')) body = statuses.length > 1 ? statuses.shift() : statuses[0];
    if (u.pathname.endsWith('/pretrain')) body = { task: { id: 9, name: 'pretrain', status: 'queued', progress: 0, message: 'queued' } };
    return new Response(JSON.stringify(body), { status: init.method === 'POST' ? 202 : 200, headers: { 'Content-Type': 'application/json' } });
  };
  const store = createStore({ ...initialState() });
  const handlers = {};
  const events = { on: (name, fn) => { (handlers[name] ??= []).push(fn); } };
  const messages = [];
  const actions = { showStatus: (m) => messages.push(m), clearStatus() {}, showError: (e) => messages.push(e.message) };
  const model = createModelActions(store, /** @type {any} */ (actions), /** @type {any} */ (events));
  const emit = (name, data) => (handlers[name] ?? []).forEach((fn) => fn(data));
  return { store, model, emit, asked, messages };
}
const settle = () => new Promise((r) => setTimeout(r, 10));
const probe = (accuracy) => ({ model_version: 7, version: 3, n_labels: 12, validation_accuracy: accuracy,
  validation: accuracy === null ? '5-fold cross-validation on the labels (pending)' : '5-fold cross-validation on the labels' });

test('opening an image reads the status and the recent tasks; pretraining tracks its task', async () => {
  const { store, model, asked, messages } = setup([{ probe: null, history: [], active_tasks: [] }]);
  store.set({ imageId: 2 });
  await settle();
  assert.deepEqual(asked, ['GET /api/images/2/learning', 'GET /api/images/2/tasks']);
  await model.pretrain({ steps: 20, batch_size: 32, encoder: 'auto' });
  assert.equal(asked.at(-1), 'POST /api/images/2/learning/pretrain');
  assert.equal(store.get().tasks[9].status, 'queued');
  assert.match(messages.at(-1), /pretraining started \(task 9, 20 steps\)/);
});

test('task events move the tasks; a finished one and new scores make the status be read again', async () => {
  const { store, emit, asked } = setup([{ probe: null, history: [], active_tasks: [] }]);
  store.set({ imageId: 1 });
  await settle();
  const before = asked.length;
  emit('task', { id: 3, name: 'embed', status: 'running', progress: 0.5, message: 'embedded 5/10' });
  assert.equal(store.get().tasks[3].progress, 0.5);
  assert.equal(asked.length, before, 'progress alone asks nothing');
  emit('task', { id: 3, name: 'embed', status: 'done', progress: 1, message: 'embedded' });
  emit('scores', { model_version: 4 });
  await settle();
  assert.equal(asked.filter((a) => a.endsWith('/learning')).length, 3);
  store.set({ imageId: null });
});

test('the accuracy task ending updates the model panel; a pending accuracy is not polled for', async () => {
  const { store, emit, asked } = setup([{ probe: probe(null), history: [], active_tasks: [] }, { probe: probe(0.75), history: [], active_tasks: [] }]);
  store.set({ imageId: 1 });
  await settle();
  assert.equal(store.get().learning.probe.validation_accuracy, null);
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal(asked.filter((a) => a.endsWith('/learning')).length, 1, 'nothing polls while the accuracy is pending');
  emit('task', { id: 5, name: 'probe_accuracy', status: 'running', progress: 0, message: 'started' });
  await settle();
  assert.equal(store.get().learning.probe.validation_accuracy, null, 'a running accuracy task changes nothing yet');
  emit('task', { id: 5, name: 'probe_accuracy', status: 'done', progress: 1, message: 'probe v3: cross-validated accuracy 0.750 on 12 labels' });
  await settle();
  assert.equal(store.get().learning.probe.validation_accuracy, 0.75, 'the task event made the status be read');
  store.set({ imageId: null });
});
