/**
 * Other annotators' labels, live: the server announces every saved label on the image's event stream;
 * the new consensus class shows on the map and in the grid at once (unless a label of ours for that
 * source is still on its way, which will answer with the newest consensus anyway), and the source panel
 * re-reads its votes and history when it shows that source. A `resync` (the stream was down, e.g. the API
 * process holding it died and the proxy reconnected it to another) reloads the sources in view and
 * catches up with the labels made meanwhile: the annotations after the newest one heard of (the stream's
 * `hello`, every `labels` event's `annotation_id`), whose sources' consensus is read again.
 */
import { annotationsAfter } from '../api/labels.js';
import { getSource } from '../api/sources.js';

/** Sources whose consensus a catch-up reads one by one; beyond them the reloaded view has to do. */
export const CATCH_UP_SOURCES = 100;

/**
 * @param {import('../store.js').Store} store
 * @param {import('./labelActions.js').LabelActions} labelling
 * @param {import('../api/events.js').ImageEventHub} events the open image's event stream
 * @param {{annotationsAfter?: typeof annotationsAfter, getSource?: typeof getSource}} [api]
 * @returns {{catchUp: () => Promise<number>}} catchUp: resolves to the number of sources read again
 */
export function followLiveLabels(store, labelling, events, api = {}) {
  const fetchAfter = api.annotationsAfter ?? annotationsAfter;
  const fetchSource = api.getSource ?? getSource;
  /** @type {number|null} the newest annotation id this map is in step with (null: not known yet) */
  let seen = null;
  store.watch((s) => s.imageId, () => { seen = null; });
  const heard = (id) => {
    const n = Number(id);
    if (Number.isFinite(n)) seen = Math.max(seen ?? 0, n);
  };
  const pending = (id) => labelling.unsaved().some((e) => e.body.source_id === id);

  /** @param {number} id @param {string|null} labelClass @param {number} [nVotes] */
  function show(id, labelClass, nVotes) {
    const s = store.get();
    const prev = s.overrides[id];
    if (!prev || prev.label_class !== labelClass || (nVotes !== undefined && prev.n_votes !== nVotes)) {
      const next = { ...prev, label_class: labelClass };
      if (nVotes !== undefined) next.n_votes = nVotes;
      store.set({ overrides: { ...s.overrides, [id]: next } });
    }
  }

  events.on('hello', (data) => {
    if (seen === null) heard(data?.annotation_id);  // a reconnection's hello comes after the gap: not a mark
  });
  events.on('labels', (data) => {
    const id = Number(data?.source_id);
    if (!Number.isFinite(id)) return;
    heard(data.annotation_id);
    const mine = pending(id);
    if (!mine && !data.blind) show(id, data.label_class ?? null);  // a source of an open blind round: no consensus travels
    if (store.get().selectedId === id && !mine) labelling.refreshSelected();
  });

  async function catchUp() {
    const imageId = store.get().imageId;
    if (imageId === null || seen === null) return 0;
    const from = seen;
    let answer;
    try {
      answer = await fetchAfter(imageId, from);
    } catch {
      return 0;  // the view was reloaded anyway; the next reconnection tries again
    }
    if (store.get().imageId !== imageId) return 0;
    const items = answer?.items ?? [];
    for (const item of items) heard(item.id);
    const ids = [...new Set(items.map((item) => Number(item.source_id)))]
      .filter((id) => Number.isFinite(id) && !pending(id)).slice(0, CATCH_UP_SOURCES);
    const read = await Promise.all(ids.map((id) => fetchSource(id).catch(() => null)));
    if (store.get().imageId !== imageId) return 0;
    for (const source of read) {
      if (source && !pending(source.id)) show(source.id, source.label_class ?? null, source.n_votes);
    }
    return ids.length;
  }

  events.on('resync', () => {
    store.set({ sourcesVersion: store.get().sourcesVersion + 1 });
    labelling.refreshSelected();
    catchUp();
  });
  return { catchUp };
}
