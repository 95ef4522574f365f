/**
 * The probe's predictions follow the viewport like the sources do (the view plus a margin, debounced,
 * latest wins), and are fetched again AT ONCE on every `scores` event, so a refit's new colours reach the
 * map within the live loop's budget (label saved -> refit ~0.3 s later -> scores -> here: well under 2 s).
 * The store keeps them by source id with the model version they come from (`predictions.modelVersion`,
 * what `window.skylabel.predictionsVersion()` reports). Boxes are FITS 0-based pixels.
 */
import { getPredictions } from '../api/learning.js';
import { latestRequest } from '../api/latestWins.js';
import { requestBox } from '../labels/viewportLoader.js';

const DEBOUNCE_MS = 120;
export const PREDICTIONS_LIMIT = 5000;

/**
 * @param {{model_version: number|null, version: number|null, truncated?: boolean,
 *          items: import('../api/learning.js').Prediction[]}} answer GET /predictions
 * @param {number[]} bbox the box asked for (FITS 0-based)
 * @returns {{modelVersion: number|null, version: number|null, bbox: number[], truncated: boolean,
 *            bySource: Record<number, import('../api/learning.js').Prediction>}}
 */
export function indexPredictions(answer, bbox) {
  /** @type {Record<number, import('../api/learning.js').Prediction>} */
  const bySource = {};
  for (const item of answer.items ?? []) bySource[item.source_id] = item;
  return { modelVersion: answer.model_version ?? null, version: answer.version ?? null, bbox, truncated: !!answer.truncated, bySource };
}

/**
 * @param {number[]} bbox FITS 0-based [xmin, ymin, xmax, ymax]
 * @param {{x: number, y: number}} p FITS 0-based
 * @returns {boolean}
 */
export function boxContains(bbox, p) {
  return p.x >= bbox[0] && p.x <= bbox[2] && p.y >= bbox[1] && p.y <= bbox[3];
}

/**
 * @param {import('../store.js').Store} store
 * @param {import('../actions.js').Actions} actions
 * @param {import('../api/events.js').ImageEventHub} events
 * @returns {{reload: () => Promise<void>}}
 */
export function startPredictionsLoader(store, actions, events) {
  let scoresSeen = false;

  /**
   * @param {AbortSignal} signal
   * @param {() => boolean} isCurrent
   */
  async function load(signal, isCurrent) {
    const s = store.get();
    if (!s.image || !s.view?.extent) return;
    const noModel = s.learning !== null && !s.learning.probe && !scoresSeen;
    if (noModel) {
      if (s.predictions) store.set({ predictions: null });
      return;
    }
    const imageId = s.image.id;
    const bbox = requestBox(s.view.extent, s.image);
    try {
      const answer = await getPredictions(imageId, { bbox, limit: PREDICTIONS_LIMIT }, signal);
      if (!isCurrent() || store.get().imageId !== imageId) return;
      store.set({ predictions: indexPredictions(answer, bbox) });
      actions.clearStatus('predictions');
    } catch (error) {
      if (error?.name !== 'AbortError' && isCurrent()) actions.showStatus(`predictions: ${error.message}`, 'error', 'predictions');
    }
  }

  const { schedule, now } = latestRequest(load, DEBOUNCE_MS);
  store.watch((s) => s.imageId, () => {
    scoresSeen = false;
    store.set({ predictions: null });
  });
  store.watch((s) => s.view, schedule);
  // a probe this map has not drawn yet (the status can bring it before or after its scores event)
  store.watch((s) => s.learning?.probe?.model_version ?? null, (version, s) => {
    if (version !== null && version !== s.predictions?.modelVersion) schedule();
  });
  events.on('scores', () => {
    scoresSeen = true;
    now();
  });
  events.on('resync', schedule);
  return { reload: now };
}
