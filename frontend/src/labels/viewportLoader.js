/**
 * Sources follow the viewport: after the view settles (moveend writes `view`), the sources inside it (plus
 * a margin, so a short pan needs no new request) are fetched for the visible layers. Requests are
 * debounced and the latest wins: an older answer arriving late is dropped, an older request aborted.
 * The server caps the answer (`truncated`); the legend then says "zoom in to see all".
 */
import { viewportSources } from '../api/sources.js';

export const VIEWPORT_LIMIT = 5000;
const DEBOUNCE_MS = 120;
/** Extra fraction of the view's width and height fetched on each side. */
const MARGIN = 0.25;

/**
 * @param {number[]} extent FITS 0-based [xmin, ymin, xmax, ymax] of the view
 * @param {{width: number, height: number}} image
 * @param {number} [margin]
 * @returns {number[]} the box to ask for, widened by `margin` and clipped to the image's pixels
 */
export function requestBox(extent, image, margin = MARGIN) {
  const [x0, y0, x1, y1] = extent;
  const dx = (x1 - x0) * margin;
  const dy = (y1 - y0) * margin;
  return [
    Math.max(-0.5, x0 - dx), Math.max(-0.5, y0 - dy),
    Math.min(image.width - 0.5, x1 + dx), Math.min(image.height - 0.5, y1 + dy),
  ];
}

/**
 * @param {import('../store.js').Store} store
 * @param {import('../actions.js').Actions} actions
 */
export function startViewportLoader(store, actions) {
  /** @type {ReturnType<typeof setTimeout>|null} */
  let timer = null;
  /** @type {AbortController|null} */
  let inFlight = null;
  let seq = 0;

  async function load() {
    const s = store.get();
    if (!s.image || !s.view?.extent || !s.layers.length) return;
    const layers = s.layers.filter((l) => !s.hiddenLayers.includes(l.id)).map((l) => l.id);
    seq += 1;
    const mine = seq;
    inFlight?.abort();
    if (!layers.length) {
      store.set({ viewportSources: { count: 0, truncated: false, sources: [], layers } });
      return;
    }
    inFlight = new AbortController();
    const imageId = s.image.id;
    try {
      const bbox = requestBox(s.view.extent, s.image);
      const answer = await viewportSources(imageId, { bbox, layers, limit: VIEWPORT_LIMIT }, inFlight.signal);
      if (mine !== seq || store.get().imageId !== imageId) return;
      store.set({ viewportSources: { ...answer, layers, bbox } });
      actions.clearStatus('sources');
    } catch (error) {
      if (error?.name !== 'AbortError' && mine === seq) actions.showStatus(`sources: ${error.message}`, 'error', 'sources');
    }
  }

  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      load();
    }, DEBOUNCE_MS);
  };
  store.watch((s) => s.view, schedule);
  store.watch((s) => s.layers.map((l) => l.id).join(','), schedule);
  store.watch((s) => s.hiddenLayers, schedule);
  store.watch((s) => s.sourcesVersion, schedule);
  return { reload: load };
}
