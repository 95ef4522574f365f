/**
 * The image's live events (`GET /api/images/{id}/events`, server-sent events), one stream per open image
 * shared by everything that follows it: `labels` {source_id, label_class} when anyone's label is saved,
 * `scores` {model_version, version, changed, n_changed} when the probe wrote new predictions, `task` {id,
 * name, status, progress, message, detail?} as tasks move, `resync` when the server dropped events, and first
 * `hello` {annotation_id}, the image's newest annotation when the stream opened.
 *
 * The browser's EventSource reconnects by itself after a network failure; when it gives up (the server
 * answered an error, or restarted between tries) the stream is opened again here, after 1 s doubling to
 * 30 s. Events sent while the stream was down are lost (behind a proxy, the process that held the stream
 * may be gone, and the new one never saw them), so every reconnection is announced to the followers as a
 * `resync`: they refetch what they show, and the live labels catch up from the last annotation heard of.
 */
import { apiUrl } from './client.js';

export const EVENT_NAMES = ['hello', 'labels', 'scores', 'task', 'resync'];
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30000;
const CLOSED = 2;

/**
 * @typedef {{addEventListener: (name: string, fn: (event: any) => void) => void, close: () => void,
 *            readyState: number}} EventSourceLike
 * @typedef {'connecting'|'open'|'down'} StreamState
 */

/**
 * Open a server-sent event stream that keeps itself open.
 * @param {string} url
 * @param {object} options
 * @param {(name: string, data: any) => void} options.onEvent a named event, its data parsed as JSON
 * @param {(state: StreamState) => void} [options.onState]
 * @param {() => void} [options.onReconnect] the stream is open again after being down: refetch
 * @param {string[]} [options.names] event names to listen for
 * @param {new (url: string) => EventSourceLike} [options.EventSourceImpl]
 * @returns {() => void} close for good
 */
export function openEventStream(url, {
  onEvent, onState = () => {}, onReconnect = () => {}, names = EVENT_NAMES,
  EventSourceImpl = /** @type {any} */ (globalThis.EventSource),
}) {
  if (!EventSourceImpl) return () => {};
  let closed = false;
  let opened = false;
  let delay = FIRST_RETRY_MS;
  /** @type {ReturnType<typeof setTimeout>|null} */
  let timer = null;
  /** @type {EventSourceLike|null} */
  let source = null;

  function connect() {
    timer = null;
    if (closed) return;
    onState('connecting');
    const es = new EventSourceImpl(url);
    source = es;
    for (const name of names) {
      es.addEventListener(name, (event) => {
        let data = null;
        try {
          data = JSON.parse(event.data || 'null');
        } catch {
          return;
        }
        onEvent(name, data);
      });
    }
    es.addEventListener('open', () => {
      delay = FIRST_RETRY_MS;
      onState('open');
      if (opened) onReconnect();
      opened = true;
    });
    es.addEventListener('error', () => {
      if (closed || source !== es) return;
      if (es.readyState !== CLOSED) {
        onState('connecting'); // the browser retries by itself
        return;
      }
      es.close();
      onState('down');
      opened = true; // whatever opens next is a reconnection
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    });
  }

  connect();
  return () => {
    closed = true;
    if (timer) clearTimeout(timer);
    source?.close();
  };
}

/**
 * One event stream for the open image, handed to any number of followers.
 * @param {import('../store.js').Store} store `imageId` is followed; `eventsState` is written
 * @param {{EventSourceImpl?: new (url: string) => EventSourceLike}} [options]
 * @returns {{on: (name: string, fn: (data: any) => void) => () => void}} `on('resync', fn)` also hears
 *   reconnections
 */
export function createImageEventHub(store, { EventSourceImpl } = {}) {
  /** @type {Map<string, Set<(data: any) => void>>} */
  const handlers = new Map();
  const emit = (name, data) => {
    for (const fn of [...(handlers.get(name) ?? [])]) fn(data);
  };
  let close = () => {};
  store.watch((s) => s.imageId, (imageId) => {
    close();
    close = () => {};
    if (imageId === null) return;
    const mine = (fn) => (...args) => store.get().imageId === imageId && fn(...args);
    close = openEventStream(apiUrl(`/images/${encodeURIComponent(imageId)}/events`), {
      onEvent: mine(emit),
      onState: mine((state) => store.set({ eventsState: state })),
      onReconnect: mine(() => emit('resync', { reconnected: true })),
      EventSourceImpl,
    });
  });
  return {
    on(name, fn) {
      if (!handlers.has(name)) handlers.set(name, new Set());
      handlers.get(name)?.add(fn);
      return () => handlers.get(name)?.delete(fn);
    },
  };
}

/** @typedef {ReturnType<typeof createImageEventHub>} ImageEventHub */
