/**
 * "Label next" (key `l`): the annotator is walked through the sources the acquisition function picks
 * (`GET /learning/next`: entropy, the paper's active learning; margin; diverse, k-center in embedding space;
 * random, which the paper found as good on LEGUS). The server also makes them the "picked" layer of large
 * white rings. Each proposal is selected and centred; once it is labelled the next one is, and after each
 * retrain (a `scores` event of a new model version) the proposals are asked for again, without moving the
 * annotator off the source in hand. `n` / `p` skip forward / back while the mode is on.
 *
 * Proposals are ORIGINAL sources; the picked layer holds copies at the same position (their
 * `columns.source_id` names the original), so a click on a white ring is turned into its original here.
 */
import { ApiError } from '../api/client.js';
import { pickNextToLabel } from '../api/learning.js';
import { binaryQuestion } from '../labels/classKeys.js';
import { filterParam } from '../selection/workingSet.js';

export const PROPOSALS = 20;
/** After a label, wait this long before asking for proposals: the server starts a refit 0.3 s after a label. */
const LABEL_QUIET_MS = 600;

/**
 * @param {Record<number, {name: string, status: string}>} tasks recent tasks by id
 * @returns {boolean} whether a probe refit is queued or running
 */
export function refitActive(tasks) {
  return Object.values(tasks).some((t) => t.name === 'fit_probe' && (t.status === 'queued' || t.status === 'running'));
}

/**
 * @param {{id: number, label_class?: string|null}} item
 * @param {Record<number, {label_class?: string|null}>} overrides labels made or heard of since the answer
 * @returns {boolean}
 */
export function isLabelled(item, overrides) {
  const o = overrides[item.id];
  return (o && 'label_class' in o ? o.label_class : item.label_class) != null;
}

/**
 * @param {{id: number, label_class?: string|null}[]} items proposals, best first
 * @param {number|null} currentId the source in hand
 * @param {{overrides?: Record<number, object>, done?: number[], direction?: 1|-1}} [options]
 * @returns {number|null} the next proposal after `currentId` (or before, direction -1) that is neither labelled
 *   nor done, wrapping around; null when none is left
 */
export function nextProposal(items, currentId, { overrides = {}, done = [], direction = 1 } = {}) {
  const n = items.length;
  if (!n) return null;
  const at = items.findIndex((it) => it.id === currentId);
  const start = at < 0 ? (direction === 1 ? -1 : n) : at;
  for (let k = 1; k <= n; k += 1) {
    const item = items[(((start + direction * k) % n) + n) % n];
    if (item.id !== currentId && !done.includes(item.id) && !isLabelled(item, overrides)) return item.id;
  }
  return null;
}

/**
 * @param {string} strategy
 * @param {string|null} question the answer's `question`: 'binary' when uncertainty was asked of the scheme's
 *   binary question (LEGUS: cluster or not), else the probe's own classes
 * @param {import('../labels/classKeys.js').Scheme|null} scheme
 * @returns {string} e.g. "entropy on cluster / non-cluster"
 */
export function describeStrategy(strategy, question, scheme) {
  if (question !== 'binary') return strategy;
  return `${strategy} on ${binaryQuestion(scheme)}`;
}

/**
 * @param {number} sourceId a source picked on the map
 * @param {{id: number, layer_id: number, x: number, y: number}[]} sources the sources in view
 * @param {{id: number, kind: string}[]} layers
 * @returns {number} the original of a picked-layer copy (the source at the same position in another
 *   layer), else `sourceId`
 */
export function originalOf(sourceId, sources, layers) {
  const kinds = new Map(layers.map((l) => [l.id, l.kind]));
  const copy = sources.find((s) => s.id === sourceId);
  if (!copy || kinds.get(copy.layer_id) !== 'picked') return sourceId;
  const twin = sources.find((s) => s.id !== sourceId && kinds.get(s.layer_id) !== 'picked'
    && Math.abs(s.x - copy.x) < 1e-6 && Math.abs(s.y - copy.y) < 1e-6);
  return twin ? twin.id : sourceId;
}

/**
 * @param {import('../store.js').Store} store
 * @param {import('../actions.js').Actions} actions
 * @param {import('../labels/labelActions.js').LabelActions} labelling
 * @param {{events: import('../api/events.js').ImageEventHub, onPicked: () => void}} deps onPicked: the
 *   picked layer was rebuilt (reload layers and rings)
 */
export function createLabelNext(store, actions, labelling, { events, onPicked }) {
  let seq = 0;
  const state = () => store.get().labelNext;
  const patch = (p) => store.set({ labelNext: { ...state(), ...p } });

  /** @param {number|null} id select and centre a proposal, or say that none is left */
  function go(id) {
    if (id === null) {
      actions.showStatus('no proposal left: label next asks for new ones…', 'info', 'label-next');
      return fetchProposals(true);
    }
    const item = state().items.find((it) => it.id === id);
    return labelling.selectSource(id, { pan: true, summary: item });
  }

  /**
   * Ask the server for proposals.
   * @param {boolean} [moveOn] go to the first one (starting, or the old ones are used up)
   */
  async function fetchProposals(moveOn = false) {
    const imageId = store.get().imageId;
    if (imageId === null) return;
    seq += 1;
    const mine = seq;
    const { strategy } = state();
    patch({ loading: true, error: null });
    let answer;
    try {
      answer = await pickNextToLabel(imageId, { strategy, k: PROPOSALS, filter: filterParam(store.get().workingSet) });
    } catch (error) {
      if (mine !== seq) return;
      const noModel = error instanceof ApiError && error.status === 409 && strategy !== 'random'
        && !store.get().learning?.embeddings;
      const message = noModel ? `${error.message} (choose random until pretraining is done)` : error.message;
      patch({ loading: false, error: message });
      actions.showStatus(`label next: ${message}`, 'error', 'label-next');
      return;
    }
    if (mine !== seq || store.get().imageId !== imageId) return;
    patch({ loading: false, items: answer.items, modelVersion: answer.model_version, question: answer.question ?? null,
      done: [] });
    actions.clearStatus('label-next');
    onPicked();
    const s = store.get();
    if (state().active && (moveOn || s.selectedId === null)) {
      const first = nextProposal(answer.items, null, { overrides: s.overrides });
      if (first === null) actions.showStatus('every source is labelled: nothing left to propose');
      else await go(first);
    }
  }

  function start() {
    patch({ active: true, labelled: 0 });
    actions.showStatus(`label next: ${state().strategy} (l stops, n / p skip)`, 'info', 'label-next');
    return fetchProposals(true);
  }

  function stop() {
    seq += 1;
    patch({ active: false, loading: false });
    actions.showStatus('label next: off', 'info', 'label-next');
  }

  /** @param {1|-1} direction skip to the next (1) or previous (-1) proposal */
  function step(direction) {
    const s = store.get();
    return go(nextProposal(s.labelNext.items, s.selectedId, { overrides: s.overrides, done: s.labelNext.done, direction }));
  }

  // the source in hand was labelled: on to the next proposal (it may come from proposals asked for since)
  labelling.onLabelled((sourceId, classId) => {
    const s = store.get();
    if (!s.labelNext.active || classId === null || s.selectedId !== sourceId) return;
    patch({ done: [...s.labelNext.done, sourceId], labelled: s.labelNext.labelled + 1 });
    step(1);
  });
  // A retrain changed the scores, hence the picks: ask again, once no refit is running or about to start
  // (a label made in the last moments starts one), so picking does not rebuild the picked layer while a
  // refit writes predictions for its sources.
  let refreshWanted = false;
  let lastLabelAt = 0;
  /** @type {ReturnType<typeof setTimeout>|null} */
  let refreshTimer = null;
  function refreshWhenIdle() {
    if (!refreshWanted || !state().active || refreshTimer) return;
    const wait = lastLabelAt + LABEL_QUIET_MS - Date.now();
    if (wait > 0) {
      refreshTimer = setTimeout(() => {
        refreshTimer = null;
        refreshWhenIdle();
      }, wait);
      return;
    }
    if (refitActive(store.get().tasks)) return; // looked at again when the tasks change
    refreshWanted = false;
    fetchProposals(false);
  }
  labelling.onLabelled(() => {
    lastLabelAt = Date.now();
  });
  events.on('scores', () => {
    refreshWanted = true;
    refreshWhenIdle();
  });
  store.watch((s) => s.tasks, refreshWhenIdle);
  events.on('resync', () => {
    refreshWanted = true; // events may have been lost while the stream was down
    refreshWhenIdle();
  });
  store.watch((s) => s.imageId, () => {
    seq += 1;
    patch({ active: false, items: [], loading: false, error: null, modelVersion: null, done: [], labelled: 0 });
  });

  return {
    start, stop, step,
    toggle: () => (state().active ? stop() : start()),
    /** @param {string} strategy */
    setStrategy(strategy) {
      patch({ strategy });
      if (state().active) fetchProposals(true);
    },
    refresh: () => fetchProposals(false),
  };
}

/** @typedef {ReturnType<typeof createLabelNext>} LabelNext */
