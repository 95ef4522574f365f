/**
 * The save queue: every label is POSTed at once, and one that cannot be saved is never lost silently.
 *
 * Entries are sent strictly in order (first in, first out, one in flight), because a later label of the
 * same source must supersede the earlier one on the server. A failure the server may get over (no
 * connection, 408/425/429, 5xx) is retried with exponential backoff; one it will keep refusing (another
 * 4xx: class not in the scheme, source deleted) is set aside as `rejected` with the server's message until
 * the user retries or discards it. The queue is written to `storage` (localStorage) after every change, so
 * a reload sends what was left; retries are safe because the server answers a repeated `client_key` with
 * the original annotation instead of a duplicate.
 *
 * A label of a source that an earlier entry creates (a drawn shape, then an undo of it) names that entry's
 * client_key in `body.source_ref`; it is replaced by the created source's id when the earlier one is saved.
 */

/**
 * @typedef {{key: string, imageId: number, body: Record<string, unknown>, attempts: number, nextAt: number,
 *            state: 'pending'|'retrying'|'rejected', error: string|null}} QueueEntry
 * @typedef {{getItem: (k: string) => string|null, setItem: (k: string, v: string) => void}} KeyValueStorage
 */

/** How many created-source ids are remembered for `source_ref` (a drawn shape's undo/redo window). */
const RESOLVED_KEPT = 500;

/**
 * @param {{status?: number}} error
 * @returns {boolean} whether trying again later may succeed
 */
export function isRetryable(error) {
  const status = error?.status ?? 0;
  return status === 0 || status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * @param {number} attempts failed attempts so far (>= 1)
 * @param {{baseMs: number, maxMs: number}} backoff
 * @param {number} jitter in [0, 1): spreads retries of many clients (0.5 = no spread)
 * @returns {number} milliseconds to wait before the next attempt
 */
export function retryDelay(attempts, { baseMs, maxMs }, jitter) {
  return Math.round(Math.min(maxMs, baseMs * 2 ** (attempts - 1)) * (0.8 + 0.4 * jitter));
}

/**
 * @param {object} options
 * @param {(imageId: number, body: Record<string, unknown>) => Promise<any>} options.send posts one annotation
 * @param {KeyValueStorage|null} [options.storage] where unsent entries survive a reload
 * @param {string} [options.storageKey]
 * @param {() => number} [options.now]
 * @param {() => number} [options.random] jitter source
 * @param {(fn: () => void, ms: number) => unknown} [options.setTimer]
 * @param {(handle: unknown) => void} [options.clearTimer]
 * @param {{baseMs: number, maxMs: number}} [options.backoff]
 * @param {(entry: QueueEntry, answer: any) => void} [options.onSaved]
 * @param {(entries: QueueEntry[]) => void} [options.onChange] after every change of the entries
 */
export function createSaveQueue({
  send,
  storage = null,
  storageKey = 'skylabel.unsentLabels',
  now = Date.now,
  random = Math.random,
  setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (handle) => clearTimeout(/** @type {any} */ (handle)),
  backoff = { baseMs: 1000, maxMs: 60000 },
  onSaved = () => {},
  onChange = () => {},
}) {
  /** @type {QueueEntry[]} */
  let entries = [];
  /** @type {Record<string, number>} client_key -> id of the source its annotation created or labelled */
  let resolved = {};
  /** @type {QueueEntry|null} the entry being sent */
  let inFlight = null;
  /** @type {unknown} */
  let timer = null;
  /** @type {(() => void)[]} */
  let idleWaiters = [];

  function load() {
    try {
      const saved = JSON.parse(storage?.getItem(storageKey) ?? 'null');
      if (!saved) return;
      entries = (saved.entries ?? []).map((e) => ({ ...e, nextAt: 0, state: e.state === 'rejected' ? 'rejected' : 'pending' }));
      resolved = saved.resolved ?? {};
    } catch {
      entries = [];
    }
  }

  function changed() {
    const keys = Object.keys(resolved);
    if (keys.length > RESOLVED_KEPT) {
      for (const k of keys.slice(0, keys.length - RESOLVED_KEPT)) delete resolved[k];
    }
    try {
      storage?.setItem(storageKey, JSON.stringify({ entries, resolved }));
    } catch {
      // storage full or blocked: the entries still live in memory and are shown as pending
    }
    onChange(entries.map((e) => ({ ...e })));
    if (!entries.some((e) => e.state !== 'rejected')) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** @param {QueueEntry} entry @returns {Record<string, unknown>|string} the body to send, or why not */
  function bodyFor(entry) {
    const { source_ref: ref, ...body } = entry.body;
    if (ref === undefined) return body;
    const id = resolved[/** @type {string} */ (ref)];
    if (id === undefined) return 'the shape this label belongs to was never saved';
    return { ...body, source_id: id };
  }

  async function pump() {
    if (inFlight) return;
    if (timer !== null) clearTimer(timer);
    timer = null;
    const entry = entries.find((e) => e.state !== 'rejected');
    if (!entry) return;
    const wait = entry.nextAt - now();
    if (wait > 0) {
      timer = setTimer(() => {
        timer = null;
        pump();
      }, wait);
      return;
    }
    const body = bodyFor(entry);
    if (typeof body === 'string') {
      Object.assign(entry, { state: 'rejected', error: body });
      changed();
      pump();
      return;
    }
    inFlight = entry;
    try {
      const answer = await send(entry.imageId, body);
      entries = entries.filter((e) => e !== entry);
      const sourceId = answer?.source?.id ?? body.source_id;
      if (sourceId !== undefined) resolved[entry.key] = /** @type {number} */ (sourceId);
      inFlight = null;
      changed();
      onSaved(entry, answer);
    } catch (error) {
      inFlight = null;
      entry.attempts += 1;
      entry.error = error?.message ?? String(error);
      if (isRetryable(error)) {
        entry.state = 'retrying';
        entry.nextAt = now() + retryDelay(entry.attempts, backoff, random());
      } else {
        entry.state = 'rejected';
      }
      changed();
    }
    pump();
  }

  load();

  return {
    /**
     * Queue one annotation and start sending.
     * @param {number} imageId
     * @param {Record<string, unknown>} body must carry a unique `client_key`
     * @returns {QueueEntry}
     */
    enqueue(imageId, body) {
      const entry = {
        key: String(body.client_key), imageId, body, attempts: 0, nextAt: 0, state: /** @type {const} */ ('pending'), error: null,
      };
      entries.push(entry);
      changed();
      pump();
      return entry;
    },
    /** Send what is waiting now (the connection came back), rejected entries included. */
    retryNow() {
      for (const e of entries) {
        e.nextAt = 0;
        if (e.state === 'rejected') e.state = 'retrying';
      }
      changed();
      pump();
    },
    /** @param {string} key drop one entry for good (a rejected label the user gives up on); not the one in flight */
    discard(key) {
      entries = entries.filter((e) => e.key !== key || e === inFlight);
      changed();
      pump();
    },
    /** Resume sending entries restored from storage. */
    start() {
      if (entries.length) changed();
      pump();
    },
    /** @returns {QueueEntry[]} a copy, in sending order */
    entries: () => entries.map((e) => ({ ...e })),
    /** @returns {number} entries not yet saved, rejected ones included */
    size: () => entries.length,
    /** @param {string} key @returns {number|undefined} the source id an entry's annotation was saved on */
    resolvedSource: (key) => resolved[key],
    /** @returns {Promise<void>} resolves when nothing but rejected entries is left */
    whenIdle() {
      if (!entries.some((e) => e.state !== 'rejected')) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}

/** @typedef {ReturnType<typeof createSaveQueue>} SaveQueue */
