/**
 * What an astronomer set up on an image survives a reload and a return to it, as DS9 and JS9 sessions do:
 * rendition, stretch, hidden layers and the last view, per image, in the URL hash (shareable) and in
 * localStorage under `skylabel.view.<imageId>` (the image list remembers each one). The hash wins when it
 * names the image; the stored view fills in what it leaves out.
 */

const PREFIX = 'skylabel.view.';
const STRETCH_KEYS = ['stretch', 'limits', 'pmin', 'pmax', 'vmin', 'vmax', 'softening', 'q'];

/**
 * @typedef {{rendition?: string|null, x?: number|null, y?: number|null, res?: number|null,
 *            stretch?: Partial<import('./store.js').StretchState>|null, hidden?: number[]|null}} RememberedView
 */

/** @returns {Storage|null} */
function defaultStorage() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/**
 * @param {number} imageId
 * @param {Storage|null} [storage]
 * @returns {RememberedView}
 */
export function recallView(imageId, storage = defaultStorage()) {
  if (!storage) return {};
  try {
    const raw = JSON.parse(storage.getItem(PREFIX + imageId) ?? '{}');
    return raw && typeof raw === 'object' ? raw : {};
  } catch {
    return {};
  }
}

/**
 * @param {number} imageId
 * @param {RememberedView} view
 * @param {Storage|null} [storage]
 */
export function rememberView(imageId, view, storage = defaultStorage()) {
  if (!storage) return;
  try {
    storage.setItem(PREFIX + imageId, JSON.stringify({ ...recallView(imageId, storage), ...view }));
  } catch {
    // storage full or disabled: the hash still carries the view
  }
}

/**
 * @param {Partial<import('./store.js').StretchState>} stretch
 * @returns {Partial<import('./store.js').StretchState>} only the known keys
 */
export function stretchFields(stretch) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const key of STRETCH_KEYS) if (stretch && stretch[key] !== undefined) out[key] = stretch[key];
  return /** @type {any} */ (out);
}

/**
 * The hash's view first, then the remembered one for whatever the hash leaves out.
 * @param {RememberedView} hash
 * @param {RememberedView} stored
 * @returns {RememberedView}
 */
export function mergeViews(hash, stored) {
  const hasView = Number.isFinite(hash.x) && Number.isFinite(hash.y);
  return {
    rendition: hash.rendition ?? stored.rendition ?? null,
    x: hasView ? hash.x : stored.x ?? null,
    y: hasView ? hash.y : stored.y ?? null,
    res: hasView ? hash.res ?? null : stored.res ?? null,
    stretch: hash.stretch ?? stored.stretch ?? null,
    hidden: hash.hidden ?? stored.hidden ?? null,
  };
}

/**
 * Write the open image's view to storage as it changes.
 * @param {import('./store.js').Store} store
 * @param {Storage|null} [storage]
 */
export function startViewMemory(store, storage = defaultStorage()) {
  const save = () => {
    const s = store.get();
    if (s.imageId === null || !s.image || s.image.id !== s.imageId) return;
    /** @type {RememberedView} */
    const view = { rendition: s.rendition, stretch: stretchFields(s.stretch) };
    if (s.view) Object.assign(view, { x: s.view.x, y: s.view.y, res: s.view.res });
    if (s.layersImageId === s.imageId) view.hidden = s.hiddenLayers;
    rememberView(s.imageId, view, storage);
  };
  store.watch((s) => s.view, save);
  store.watch((s) => s.rendition, save);
  store.watch((s) => s.stretch, save);
  store.watch((s) => s.hiddenLayers, save);
}
