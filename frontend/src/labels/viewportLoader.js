/**
 * Sources follow the viewport: after the view settles (moveend writes `view`), the sources inside it (plus
 * a margin, so a short pan needs no new request) are fetched for the visible layers. Requests are
 * debounced and the latest wins: an older answer arriving late is dropped, an older request aborted.
 * The server caps the answer (`truncated`); the legend then says "zoom in to see all". Small layers
 * (picked sources, a reference catalogue, drawn ones) are asked for apart from big ones, so they always show.
 * The legend's "show" (`mapState`: all, unlabelled, not voted by me) is the answer's `state`.
 */
import { latestRequest } from '../api/latestWins.js';
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
 * Split the visible layers so a huge detection layer cannot crowd the small ones out of a capped answer:
 * the smallest layers, up to half the cap in total, are asked for on their own (never truncated), the
 * rest share what is left of the cap.
 * @param {{id: number, n_sources: number}[]} layers the visible layers
 * @param {number} limit the cap of one answer
 * @returns {{small: number[], large: number[]}} layer ids
 */
export function splitLayers(layers, limit) {
  const bySize = [...layers].sort((a, b) => a.n_sources - b.n_sources || a.id - b.id);
  const small = [];
  let total = 0;
  for (const layer of bySize) {
    if (total + layer.n_sources > limit / 2) break;
    total += layer.n_sources;
    small.push(layer.id);
  }
  const large = bySize.filter((l) => !small.includes(l.id)).map((l) => l.id);
  return large.length ? { small, large } : { small: [], large: small };
}

/**
 * @param {import('../store.js').Store} store
 * @param {import('../actions.js').Actions} actions
 */
export function startViewportLoader(store, actions) {
  /**
   * @param {AbortSignal} signal
   * @param {() => boolean} isCurrent
   */
  async function load(signal, isCurrent) {
    const s = store.get();
    if (!s.image || !s.view?.extent || !s.layers.length) return;
    const visible = s.layers.filter((l) => !s.hiddenLayers.includes(l.id));
    const layers = visible.map((l) => l.id);
    if (!layers.length) {
      store.set({ viewportSources: { count: 0, truncated: false, sources: [], layers } });
      return;
    }
    const imageId = s.image.id;
    const state = s.mapState && s.mapState !== 'all' ? s.mapState : undefined;  // the legend's "show"
    try {
      const bbox = requestBox(s.view.extent, s.image);
      const { small, large } = splitLayers(visible, VIEWPORT_LIMIT);
      // both at once: the small layers' total bounds what they can take from the cap
      const smallTotal = visible.filter((l) => small.includes(l.id)).reduce((n, l) => n + l.n_sources, 0);
      const [few, many] = await Promise.all([
        small.length ? viewportSources(imageId, { bbox, layers: small, limit: VIEWPORT_LIMIT, state }, signal)
          : { count: 0, truncated: false, sources: [] },
        viewportSources(imageId, { bbox, layers: large, limit: VIEWPORT_LIMIT - smallTotal, thin: true, state }, signal),
      ]);
      if (!isCurrent() || store.get().imageId !== imageId) return;
      const sources = [...few.sources, ...many.sources];
      const truncated = few.truncated || many.truncated;
      const thinned = many.thinned ? { matched: many.matched + few.count, capped: !!many.matched_capped } : null;
      store.set({ viewportSources: { count: sources.length, truncated, thinned, sources, layers, bbox, state: state ?? 'all' } });
      actions.clearStatus('sources');
    } catch (error) {
      if (error?.name !== 'AbortError' && isCurrent()) actions.showStatus(`sources: ${error.message}`, 'error', 'sources');
    }
  }

  const { schedule, now } = latestRequest(load, DEBOUNCE_MS);
  store.watch((s) => s.view, schedule);
  store.watch((s) => s.layers.map((l) => l.id).join(','), schedule);
  store.watch((s) => s.hiddenLayers, schedule);
  store.watch((s) => s.sourcesVersion, schedule);
  store.watch((s) => s.mapState, schedule);
  return { reload: now };
}
