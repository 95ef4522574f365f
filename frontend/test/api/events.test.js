import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createImageEventHub, openEventStream } from '../../src/api/events.js';
import { createStore, initialState } from '../../src/store.js';

/** A fake EventSource: the test fires its events and decides when the browser gives up (readyState 2). */
function fakeEventSources() {
  const made = [];
  class FakeEventSource {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.listeners = {};
      this.closed = false;
      made.push(this);
    }
    addEventListener(name, fn) {
      (this.listeners[name] ??= []).push(fn);
    }
    close() {
      this.closed = true;
      this.readyState = 2;
    }
    fire(name, data) {
      if (name === 'open') this.readyState = 1;
      for (const fn of this.listeners[name] ?? []) fn({ data });
    }
  }
  return { made, FakeEventSource };
}

test('named events arrive parsed; a stream the browser gave up on is opened again and announced as a resync', async () => {
  const { made, FakeEventSource } = fakeEventSources();
  const got = [];
  const states = [];
  let reconnects = 0;
  const close = openEventStream('/api/images/1/events', {
    onEvent: (name, data) => got.push([name, data]),
    onState: (s) => states.push(s),
    onReconnect: () => { reconnects += 1; },
    EventSourceImpl: /** @type {any} */ (FakeEventSource),
  });
  made[0].fire('open');
  made[0].fire('scores', '{"model_version": 4, "changed": [1, 2]}');
  made[0].fire('task', 'not json');
  assert.deepEqual(got, [['scores', { model_version: 4, changed: [1, 2] }]]);
  made[0].readyState = 0;
  made[0].fire('error');
  assert.equal(made.length, 1, 'the browser is still retrying: leave it');
  made[0].readyState = 2;
  made[0].fire('error');
  assert.equal(states.at(-1), 'down');
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal(made.length, 2, 'opened again after a second');
  made[1].fire('open');
  assert.equal(reconnects, 1);
  assert.equal(states.at(-1), 'open');
  close();
  assert.equal(made[1].closed, true);
});

test('the hub opens one stream per open image and hands its events to every follower', () => {
  const { made, FakeEventSource } = fakeEventSources();
  const store = createStore({ ...initialState() });
  const hub = createImageEventHub(store, { EventSourceImpl: /** @type {any} */ (FakeEventSource) });
  const a = [];
  const b = [];
  hub.on('labels', (d) => a.push(d));
  const off = hub.on('labels', (d) => b.push(d));
  assert.equal(made.length, 0);
  store.set({ imageId: 3 });
  assert.equal(made[0].url, '/api/images/3/events');
  made[0].fire('open');
  assert.equal(store.get().eventsState, 'open');
  made[0].fire('labels', '{"source_id": 5, "label_class": "2"}');
  off();
  made[0].fire('labels', '{"source_id": 6, "label_class": null}');
  assert.deepEqual(a.map((d) => d.source_id), [5, 6]);
  assert.deepEqual(b.map((d) => d.source_id), [5]);
  store.set({ imageId: 4 });
  assert.equal(made[0].closed, true);
  assert.equal(made.length, 2);
  made[0].fire('labels', '{"source_id": 7}');
  assert.equal(a.length, 2, 'the old image\'s stream is closed and ignored');
  store.set({ imageId: null });
  assert.equal(made[1].closed, true);
});
