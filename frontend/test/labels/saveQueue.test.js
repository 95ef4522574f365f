import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSaveQueue, isRetryable, retryDelay } from '../../src/labels/saveQueue.js';

const tick = () => new Promise((r) => setTimeout(r, 0));

function memoryStorage() {
  const data = new Map();
  return { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => data.set(k, v), data };
}

/** A fake clock whose timers run only when advanced. */
function fakeClock() {
  let t = 1000;
  let timers = [];
  return {
    now: () => t,
    setTimer: (fn, ms) => {
      const h = { fn, at: t + ms };
      timers.push(h);
      return h;
    },
    clearTimer: (h) => { timers = timers.filter((x) => x !== h); },
    async advance(ms) {
      t += ms;
      const due = timers.filter((h) => h.at <= t);
      timers = timers.filter((h) => h.at > t);
      for (const h of due) h.fn();
      await tick();
    },
  };
}

const httpError = (status, message = `HTTP ${status}`) => Object.assign(new Error(message), { status });

test('labels are sent in order, one at a time, and leave the queue once saved', async () => {
  const sent = [];
  const releases = [];
  const saved = [];
  const queue = createSaveQueue({
    send: (imageId, body) => {
      sent.push(body.client_key);
      return new Promise((resolve) => releases.push(() => resolve({ source: { id: body.source_id } })));
    },
    onSaved: (entry) => saved.push(entry.key),
  });
  queue.enqueue(1, { source_id: 5, class: '1', client_key: 'a' });
  queue.enqueue(1, { source_id: 5, class: '2', client_key: 'b' });
  assert.deepEqual(sent, ['a']);
  assert.equal(queue.size(), 2);
  releases.shift()();
  await tick();
  assert.deepEqual(sent, ['a', 'b']);
  releases.shift()();
  await tick();
  assert.deepEqual(saved, ['a', 'b']);
  assert.equal(queue.size(), 0);
  await queue.whenIdle();
});

test('a lost connection is retried with growing delays until it succeeds', async () => {
  const clock = fakeClock();
  let failures = 3;
  const attempts = [];
  const queue = createSaveQueue({
    send: async () => {
      attempts.push(clock.now());
      if (failures-- > 0) throw httpError(0, 'cannot reach the skylabel server');
      return { source: { id: 9 } };
    },
    ...clock,
    random: () => 0.5,
    backoff: { baseMs: 100, maxMs: 250 },
  });
  queue.enqueue(1, { source_id: 9, class: '3', client_key: 'k' });
  await tick();
  assert.equal(queue.entries()[0].state, 'retrying');
  assert.match(queue.entries()[0].error, /cannot reach/);
  await clock.advance(99);
  assert.equal(attempts.length, 1, 'not before the first delay');
  await clock.advance(1);
  await clock.advance(200);
  await clock.advance(250);
  assert.deepEqual(attempts.map((t) => t - 1000), [0, 100, 300, 550]);
  assert.equal(queue.size(), 0);
});

test('a label the server refuses is set aside with its message and does not block the rest', async () => {
  const queue = createSaveQueue({
    send: async (imageId, body) => {
      if (body.class === '7') throw httpError(422, 'class "7" is not in the scheme LEGUS');
      return { source: { id: body.source_id } };
    },
  });
  queue.enqueue(1, { source_id: 1, class: '7', client_key: 'bad' });
  queue.enqueue(1, { source_id: 2, class: '1', client_key: 'good' });
  await tick();
  await tick();
  const left = queue.entries();
  assert.equal(left.length, 1);
  assert.equal(left[0].key, 'bad');
  assert.equal(left[0].state, 'rejected');
  assert.match(left[0].error, /not in the scheme/);
  queue.discard('bad');
  assert.equal(queue.size(), 0);
});

test('unsent labels survive a reload and are sent by the new page', async () => {
  const storage = memoryStorage();
  const first = createSaveQueue({ storage, send: () => Promise.reject(httpError(503)), ...fakeClock() });
  first.enqueue(1, { source_id: 4, class: '2', client_key: 'x' });
  await tick();
  const sent = [];
  const second = createSaveQueue({ storage, send: async (id, body) => { sent.push(body); return { source: { id: 4 } }; } });
  assert.equal(second.size(), 1);
  second.start();
  await tick();
  assert.deepEqual(sent, [{ source_id: 4, class: '2', client_key: 'x' }]);
  assert.equal(JSON.parse(storage.data.get('skylabel.unsentLabels')).entries.length, 0);
});

test('a label of a drawn shape reaches the source the shape created', async () => {
  const sent = [];
  const queue = createSaveQueue({
    send: async (imageId, body) => {
      sent.push(body);
      return { source: { id: body.source_id ?? 77 } };
    },
  });
  queue.enqueue(1, { geometry: { type: 'Point', coordinates: [3, 4] }, class: '1', client_key: 'draw' });
  queue.enqueue(1, { source_ref: 'draw', class: null, client_key: 'undo' });
  await tick();
  await tick();
  assert.deepEqual(sent[1], { class: null, client_key: 'undo', source_id: 77 });
  assert.equal(queue.resolvedSource('draw'), 77);
});

test('only transient failures are retried', () => {
  assert.equal(isRetryable({ status: 0 }), true);
  assert.equal(isRetryable({ status: 503 }), true);
  assert.equal(isRetryable({ status: 429 }), true);
  assert.equal(isRetryable({ status: 422 }), false);
  assert.equal(isRetryable({ status: 404 }), false);
  assert.equal(retryDelay(1, { baseMs: 1000, maxMs: 60000 }, 0.5), 1000);
  assert.equal(retryDelay(4, { baseMs: 1000, maxMs: 60000 }, 0.5), 8000);
  assert.equal(retryDelay(20, { baseMs: 1000, maxMs: 60000 }, 0.5), 60000);
  assert.equal(retryDelay(1, { baseMs: 1000, maxMs: 60000 }, 0), 800);
});
