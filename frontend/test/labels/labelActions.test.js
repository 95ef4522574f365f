import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { createLabelActions } from '../../src/labels/labelActions.js';
import { createStore, initialState } from '../../src/store.js';

/** A fake server for POST /annotations and GET /sources/{id}: latest vote per annotator, consensus = latest. */
function fakeServer() {
  const posts = [];
  const history = new Map();
  let nextId = 1;
  let nextSource = 100;
  globalThis.fetch = async (url, init = {}) => {
    const u = new URL(url, 'http://x');
    const reply = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
    if (init.method === 'POST' && u.pathname.endsWith('/annotations')) {
      const body = JSON.parse(init.body);
      posts.push(body);
      const sourceId = body.source_id ?? nextSource++;
      const list = history.get(sourceId) ?? [];
      const mine = [...list].reverse().find((h) => h.annotator === body.annotator);
      const a = { id: nextId++, annotator: body.annotator, class: body.class, supersedes_id: mine?.id ?? null };
      history.set(sourceId, [...list, a]);
      return reply(201, { annotation: a, source: { id: sourceId, layer_id: 1, x: 1, y: 2, label_class: body.class, n_votes: body.class === null ? 0 : 1 } });
    }
    const m = /\/api\/sources\/(\d+)$/.exec(u.pathname);
    if (m) {
      const list = history.get(Number(m[1])) ?? [];
      const votes = Object.fromEntries(list.filter((h) => h.class !== null).map((h) => [h.annotator, h.class]));
      return reply(200, { id: Number(m[1]), layer_id: 1, x: 1, y: 2, label_class: list.at(-1)?.class ?? null, n_votes: 1, votes, history: list });
    }
    return reply(404, { detail: `no route ${u.pathname}` });
  };
  return { posts };
}

const settle = async () => {
  for (let i = 0; i < 20; i += 1) await new Promise((r) => setTimeout(r, 0));
};

let saved;
beforeEach(() => {
  saved = globalThis.fetch;
});
afterEach(() => {
  globalThis.fetch = saved;
});

function setup() {
  const server = fakeServer();
  const store = createStore({ ...initialState(), imageId: 1, annotator: 'ann' });
  const statuses = [];
  const actions = { showStatus: (m) => statuses.push(m), showError: (e) => statuses.push(String(e.message ?? e)) };
  const labelling = createLabelActions(store, /** @type {any} */ (actions), { storage: null });
  return { server, store, labelling, statuses };
}

test('a label shows at once, is posted with a client key, and the server answer replaces it', async () => {
  const { server, store, labelling } = setup();
  labelling.labelSource(7, '2');
  assert.equal(store.get().overrides[7].label_class, '2');
  assert.equal(store.get().saveStates[7], 'pending');
  await settle();
  assert.equal(server.posts.length, 1);
  assert.equal(server.posts[0].annotator, 'ann');
  assert.match(server.posts[0].client_key, /\S{8,}/);
  assert.deepEqual(store.get().overrides[7], { label_class: '2', n_votes: 1 });
  assert.equal(store.get().saveStates[7], undefined);
  assert.equal(labelling.pendingSaves(), 0);
});

test('undo posts the class the label replaced, redo the label again', async () => {
  const { server, labelling } = setup();
  labelling.labelSource(7, '1');
  await settle();
  labelling.labelSource(7, '3');
  await settle();
  labelling.undo();
  await settle();
  labelling.undo();
  await settle();
  labelling.redo();
  await settle();
  assert.deepEqual(server.posts.map((p) => p.class), ['1', '3', '1', null, '1']);
  assert.ok(server.posts.every((p) => p.source_id === 7));
});

test('an earlier vote unknown here is read from the history before undo needs it', async () => {
  const { server, labelling } = setup();
  // a vote made in an earlier session: this page has not seen it
  await globalThis.fetch('/api/images/1/annotations', { method: 'POST', body: JSON.stringify({ source_id: 9, class: '4', annotator: 'ann' }) });
  labelling.labelSource(9, '2');
  await settle();
  labelling.undo();
  await settle();
  assert.deepEqual(server.posts.map((p) => p.class), ['4', '2', '4']);
});

test('a drawn shape is labelled by geometry and undone through the source it created', async () => {
  const { server, store, labelling } = setup();
  store.set({ draft: { type: 'Point', coordinates: [3, 4] } });
  labelling.labelCurrent('1');
  assert.equal(store.get().draft, null);
  await settle();
  labelling.undo();
  await settle();
  assert.deepEqual(server.posts[0].geometry, { type: 'Point', coordinates: [3, 4] });
  assert.equal(server.posts[0].source_id, undefined);
  assert.equal(server.posts[1].source_id, 100);
  assert.equal(server.posts[1].class, null);
  assert.equal(store.get().sourcesVersion, 1, 'the view reloads to show the new source');
});

test('without a name the first label asks for it, then goes out', async () => {
  const { server, store, labelling } = setup();
  store.set({ annotator: '' });
  assert.equal(labelling.labelSource(5, '2'), false);
  assert.equal(store.get().dialog, 'annotator');
  globalThis.fetch = ((orig) => async (url, init) => (String(url).endsWith('/annotators') ? new Response('{}') : orig(url, init)))(globalThis.fetch);
  labelling.setAnnotator('  bea ');
  await settle();
  assert.equal(store.get().annotator, 'bea');
  assert.equal(server.posts[0].annotator, 'bea');
  assert.equal(server.posts[0].class, '2');
});

test('n walks the sources not voted by me when that filter is on (map legend or triage grid), else the unlabelled', async () => {
  const { walkState } = await import('../../src/labels/walkState.js');
  assert.equal(walkState({ mapState: 'all', triageOpen: false, triageQuery: { state: 'unvoted' } }), 'unlabelled');
  assert.equal(walkState({ mapState: 'unvoted' }), 'unvoted');
  assert.equal(walkState({ mapState: 'all', triageOpen: true, triageQuery: { state: 'unvoted' } }), 'unvoted');
  const asked = [];
  globalThis.fetch = async (url) => {
    const u = new URL(url, 'http://x');
    const reply = (body) => new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
    if (u.pathname.endsWith('/sources/next')) {
      asked.push(Object.fromEntries(u.searchParams));
      return reply({ id: 40 + asked.length, layer_id: 1, x: 10 * asked.length, y: 5, label_class: null, n_votes: 1 });
    }
    return reply({ id: 41, layer_id: 1, x: 1, y: 2, label_class: '1', n_votes: 1, votes: { bob: '1' }, history: [] });
  };
  const store = createStore({ ...initialState(), imageId: 1, annotator: 'ann', layers: [{ id: 1, kind: 'detections' }],
    view: { x: 100, y: 50 }, mapState: 'unvoted' });
  const labelling = createLabelActions(store, /** @type {any} */ ({ showStatus: () => {}, showError: () => {} }), { storage: null });
  await labelling.stepUnlabelled('next');
  assert.equal(asked[0].state, 'unvoted', "a source labelled by bob is still in ann's walk");
  assert.equal(asked[0].near, '100,50', 'the nearest to the view, not catalogue order');
  assert.equal(store.get().selectedId, 41);
  store.set({ mapState: 'all' });
  await labelling.stepUnlabelled('next');
  assert.equal(asked[1].state, 'unlabelled');
  assert.equal(asked[1].skip, '41', 'the walk passes over what it visited');
});
