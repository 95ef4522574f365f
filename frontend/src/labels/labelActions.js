/**
 * What an annotator does: pick a source, give it a class, go to the next unlabelled one, undo and redo.
 * Every label goes through the save queue (sent at once, retried, persisted); the map and the grid show
 * it immediately through `overrides`, and the server's answer (the new consensus) replaces it.
 * Pixel positions are FITS 0-based throughout.
 */
import { ApiError } from '../api/client.js';
import { postAnnotation, registerAnnotator } from '../api/labels.js';
import { getSource, nextSource } from '../api/sources.js';
import { createWalk } from '../selection/walk.js';
import { filterParam } from '../selection/workingSet.js';
import { classLabel } from './classKeys.js';
import { createSaveQueue } from './saveQueue.js';
import { saveSummary, sourceSaveStates, unsavedShapes } from './saveStates.js';
import { createUndoStack } from './undoStack.js';
import { walkName, walkState } from './walkState.js';

export const ANNOTATOR_KEY = 'skylabel.annotator';

/** @returns {Storage|null} localStorage, or null where the browser blocks it */
export function browserStorage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** @returns {string} a random client key (uuid v4 where the browser has it) */
function newKey() {
  return globalThis.crypto?.randomUUID?.() ?? `k-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/**
 * @param {import('../store.js').Store} store
 * @param {import('../actions.js').Actions} actions
 * @param {{storage?: Storage|null, onSourceCreated?: () => void}} [options] onSourceCreated: a drawn shape
 *   became a source (its layer, "annotations", may be new: reload the layer list)
 */
export function createLabelActions(store, actions, { storage = browserStorage(), onSourceCreated = () => {} } = {}) {
  const undo = createUndoStack();
  const walk = createWalk();
  /** @type {Map<string, import('./undoStack.js').LabelChange>} client_key -> the change it made */
  const changeByKey = new Map();
  /** @type {Map<number, string|null>} this annotator's latest class per source, as far as known here */
  const myVotes = new Map();
  let selectSeq = 0;
  /** @type {(() => void)|null} the label that was waiting for the annotator's name */
  let afterName = null;
  /** @type {AbortController|null} */
  let detailAbort = null;
  /** @type {Set<(sourceId: number, classId: string|null) => void>} told of each label made here (label next) */
  const labelListeners = new Set();

  const queue = createSaveQueue({
    send: postAnnotation,
    storage,
    onChange: (entries) => store.set({
      saveStates: sourceSaveStates(entries),
      saves: saveSummary(entries),
      unsavedShapes: unsavedShapes(entries, store.get().imageId ?? -1),
    }),
    onSaved,
  });

  /** @param {number} sourceId @returns {boolean} whether a label of it is still waiting to be sent */
  const waiting = (sourceId) => queue.entries().some((e) => e.body.source_id === sourceId);

  function onSaved(entry, answer) {
    const source = answer?.source;
    const change = changeByKey.get(entry.key);
    changeByKey.delete(entry.key);
    if (change && change.before === undefined) fillBefore(change, answer?.annotation?.supersedes_id ?? null);
    if (!source || entry.imageId !== store.get().imageId) return;
    if (!waiting(source.id)) {
      store.set({ overrides: { ...store.get().overrides, [source.id]: { label_class: source.label_class, n_votes: source.n_votes } } });
    }
    if (entry.body.geometry && entry.body.source_id === undefined) {
      store.set({ sourcesVersion: store.get().sourcesVersion + 1 });
      onSourceCreated();
      if (change) change.sourceId = source.id;
      if (store.get().selectedId === null) selectSource(source.id, { summary: source });
    }
    if (store.get().selectedId === source.id && !waiting(source.id)) refreshSelected();
  }

  /** The class this annotator had before a change whose earlier vote was unknown: read it from the history. */
  async function fillBefore(change, supersededId) {
    if (supersededId === null) {
      change.before = null;
      return;
    }
    try {
      const doc = await getSource(/** @type {number} */ (change.sourceId));
      change.before = doc.history.find((h) => h.id === supersededId)?.class ?? null;
    } catch {
      change.before = null;
    }
  }

  /**
   * @param {string} name
   * @param {{register?: boolean}} [options] register: false when the server knows the annotator already (the
   *   signed-in user in accounts mode)
   */
  function setAnnotator(name, options = {}) {
    const clean = String(name ?? '').trim();
    if (!clean) return false;
    storage?.setItem(ANNOTATOR_KEY, clean);
    store.set({ annotator: clean, dialog: store.get().dialog === 'annotator' ? null : store.get().dialog });
    if (options.register !== false) registerAnnotator(clean).catch((error) => actions.showError(error));
    const waiting = afterName;
    afterName = null;
    waiting?.();
    return true;
  }

  /**
   * @param {() => void} [then] the label to make once the name is given (asked once, on the first label)
   * @returns {boolean} whether the annotator is known now
   */
  function ensureAnnotator(then) {
    if (store.get().annotator) return true;
    afterName = then ?? null;
    store.set({ dialog: 'annotator' });
    actions.showStatus('enter your name first: it is saved with every label');
    return false;
  }

  /**
   * Post one label (no undo record): the optimistic class shows at once, the queue does the rest.
   * @param {{sourceId?: number, sourceRef?: string, geometry?: object}} target
   * @param {string|null} classId null retracts this annotator's label
   * @returns {string} the client key
   */
  /** @type {((sourceId: number) => ({round_id: number, repeat: boolean}|null))|null} a round's tag for a label */
  let roundTag = null;

  function post(target, classId) {
    const s = store.get();
    const key = newKey();
    /** @type {Record<string, unknown>} */
    const body = { class: classId, annotator: s.annotator, client_key: key };
    if (target.sourceId !== undefined) body.source_id = target.sourceId;
    if (target.sourceRef !== undefined) body.source_ref = target.sourceRef;
    if (target.geometry) body.geometry = target.geometry;
    if (target.sourceId !== undefined) Object.assign(body, roundTag?.(target.sourceId) ?? {});
    if (target.sourceId !== undefined) {
      myVotes.set(target.sourceId, classId);
      const prev = s.overrides[target.sourceId];
      store.set({
        overrides: { ...s.overrides, [target.sourceId]: { ...prev, label_class: classId } },
        selectedStale: s.selectedId === target.sourceId ? true : s.selectedStale,
      });
    }
    queue.enqueue(/** @type {number} */ (s.imageId), body);
    return key;
  }

  /**
   * Label a source (keys 1..4, the class buttons, the grid) and remember it for undo.
   * @param {number} sourceId
   * @param {string|null} classId
   * @param {() => void} [then] runs once the label is sent (at once, or after the annotator's name is asked)
   * @returns {boolean} whether a label was sent now
   */
  function labelSource(sourceId, classId, then) {
    const s = store.get();
    if (!ensureAnnotator(() => labelSource(sourceId, classId, then)) || s.imageId === null) return false;
    const before = myVotes.has(sourceId) ? myVotes.get(sourceId) : undefined;
    const key = post({ sourceId }, classId);
    changeByKey.set(key, undo.record({ imageId: s.imageId, sourceId, before, after: classId }));
    actions.showStatus(`source ${sourceId}: ${classLabel(s.scheme, classId)}`, 'info', 'label');
    then?.();
    for (const listener of [...labelListeners]) listener(sourceId, classId);
    return true;
  }

  /** @param {string} classId label the shape just drawn; the server makes it a source in "annotations" */
  function labelDraft(classId) {
    const s = store.get();
    if (!s.draft || !ensureAnnotator(() => labelDraft(classId)) || s.imageId === null) return false;
    const key = post({ geometry: s.draft }, classId);
    changeByKey.set(key, undo.record({ imageId: s.imageId, sourceRef: key, before: null, after: classId }));
    store.set({ draft: null });
    actions.showStatus(`new ${s.draft.type === 'Point' ? 'point' : 'shape'}: ${classLabel(s.scheme, classId)}`, 'info', 'label');
    return true;
  }

  /** @param {string|null} classId the selected source, or the drawn shape waiting for a class */
  function labelCurrent(classId) {
    const s = store.get();
    if (s.draft) return labelDraft(/** @type {string} */ (classId));
    if (s.selectedId === null) {
      actions.showStatus('select a source first: click it, or press n for the next unlabelled one');
      return false;
    }
    return labelSource(s.selectedId, classId);
  }

  /** @param {'undo'|'redo'} which */
  function step(which) {
    const change = which === 'undo' ? undo.undo() : undo.redo();
    if (!change) {
      actions.showStatus(which === 'undo' ? 'nothing to undo' : 'nothing to redo');
      return;
    }
    if (change.imageId !== store.get().imageId) {
      actions.showStatus(`that label was made on image ${change.imageId}: open it to ${which} it`, 'error');
      return;
    }
    const cls = which === 'undo' ? change.before ?? null : change.after;
    const target = change.sourceId !== undefined ? { sourceId: change.sourceId } : { sourceRef: change.sourceRef };
    post(target, cls);
    const what = change.sourceId !== undefined ? `source ${change.sourceId}` : 'drawn shape';
    actions.showStatus(`${which}: ${what} ${cls === null ? 'unlabelled' : `back to ${classLabel(store.get().scheme, cls)}`}`);
    if (change.sourceId !== undefined && store.get().selectedId !== change.sourceId) selectSource(change.sourceId, { pan: true });
  }

  async function refreshSelected() {
    const id = store.get().selectedId;
    if (id === null) return;
    detailAbort?.abort();
    detailAbort = new AbortController();
    const seq = selectSeq;
    try {
      const doc = await getSource(id, detailAbort.signal);
      if (seq !== selectSeq) return;
      const annotator = store.get().annotator;
      if (annotator && doc.votes && !waiting(id)) myVotes.set(id, doc.votes[annotator] ?? null);
      store.set({ selected: doc, selectedStale: waiting(id) });
    } catch (error) {
      if (error?.name !== 'AbortError' && seq === selectSeq) actions.showError(error);
    }
  }

  /**
   * @param {number|null} id
   * @param {{pan?: boolean, summary?: {x: number, y: number}}} [options] pan: centre the map on it
   */
  function selectSource(id, { pan = false, summary } = {}) {
    selectSeq += 1;
    const s = store.get();
    store.set({ selectedId: id, selected: null, selectedStale: id !== null && waiting(id), draft: null });
    if (id === null) return Promise.resolve();
    const done = refreshSelected();
    if (pan) {
      const centre = (p) => store.set({
        centreRequest: { imageId: s.imageId, x: p.x, y: p.y, res: Math.min(s.view?.res ?? 1, 1), seq: Date.now() },
      });
      if (summary) centre(summary);
      else done.then(() => store.get().selected?.id === id && centre(store.get().selected));
    }
    return done;
  }

  /**
   * `n`: the unlabelled source of the working set nearest to the view's centre that this walk has not
   * visited; `p`: back through the walk (selection/walk.js).
   * @param {'next'|'prev'} direction
   */
  async function stepUnlabelled(direction) {
    const s = store.get();
    if (s.imageId === null) return;
    const layers = s.layers.filter((l) => !s.hiddenLayers.includes(l.id) && l.kind !== 'picked').map((l) => l.id);
    if (!layers.length) {
      actions.showStatus('every layer is hidden: show one in the legend to step through its sources');
      return;
    }
    const again = direction === 'prev' ? walk.back() : walk.forward();
    if (again !== null) {
      selectSource(again, { pan: true });
      return;
    }
    const state = walkState(s);  // unlabelled, or "not voted by me" when that filter is on
    if (direction === 'prev') {
      actions.showStatus(`start of this walk: n goes on to the nearest ${walkName(state)}`);
      return;
    }
    const centre = s.view ? [s.view.x, s.view.y] : s.image ? [s.image.width / 2, s.image.height / 2] : null;
    try {
      const src = await nextSource(s.imageId, {
        direction, state, layers, filter: filterParam(s.workingSet),
        near: centre ? centre.map((v) => +v.toFixed(2)) : undefined, skip: walk.skip(s.selectedId),
      });
      if (store.get().imageId !== s.imageId) return;
      walk.push(src.id);
      selectSource(src.id, { pan: true, summary: src });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) actions.showStatus(error.message);
      else actions.showError(error);
    }
  }

  /** Forget per-image state when another image opens (unsent labels stay queued and keep sending). */
  function resetForImage() {
    walk.reset();
    undo.clear();
    myVotes.clear();
    selectSeq += 1;
    store.set({
      selectedId: null, selected: null, selectedStale: false, draft: null, overrides: {},
      unsavedShapes: unsavedShapes(queue.entries(), store.get().imageId ?? -1),
    });
  }

  const saved = storage?.getItem(ANNOTATOR_KEY);
  if (saved) store.set({ annotator: saved });
  globalThis.addEventListener?.('online', () => queue.retryNow());
  queue.start();

  return {
    setAnnotator, ensureAnnotator, labelSource, labelDraft, labelCurrent, selectSource, refreshSelected,
    stepUnlabelled, resetForImage,
    undo: () => step('undo'),
    redo: () => step('redo'),
    retryNow: () => queue.retryNow(),
    discard: (key) => queue.discard(key),
    pendingSaves: () => queue.size(),
    unsaved: () => queue.entries(),
    whenSaved: () => queue.whenIdle(),
    /** @param {typeof roundTag} tagger adds `round_id` (and `repeat`) to labels of my round queue */
    setRoundTagger: (tagger) => {
      roundTag = tagger;
    },
    /**
     * @param {(sourceId: number, classId: string|null) => void} listener called after each label of a source
     *   made here (keys, buttons, grid; not undo or redo), once it is queued
     * @returns {() => void} unsubscribe
     */
    onLabelled: (listener) => {
      labelListeners.add(listener);
      return () => labelListeners.delete(listener);
    },
  };
}

/** @typedef {ReturnType<typeof createLabelActions>} LabelActions */
