/**
 * The URL hash keeps what is on screen, `#image=ID&rendition=NAME&x=X&y=Y&res=R`, so a view can be shared
 * and survives a reload. x, y are the view centre in FITS 0-based pixels; res is image pixels per CSS
 * pixel (1 = native, 0.25 = 4x zoomed in). The stretch (`stretch`, `limits`, `pmin`, `pmax`, `vmin`, `vmax`,
 * `softening`, `q`) and the hidden layers (`hidden=1,2`) follow (`parseHashExtras`); viewMemory.js keeps
 * the same per image in localStorage.
 */
import { stretchFields } from './viewMemory.js';

const STRETCH_TEXT = ['stretch', 'limits', 'vmin', 'vmax', 'softening', 'q'];
const STRETCH_NUMBERS = ['pmin', 'pmax'];

/**
 * @typedef {{image: number|null, rendition: string|null, x: number|null, y: number|null, res: number|null}}
 *   HashView
 */

/**
 * @param {string} hash `location.hash`, with or without the leading '#'
 * @returns {HashView} missing or unreadable fields are null
 */
export function parseHash(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const num = (key) => {
    const raw = params.get(key);
    const value = raw === null || raw === '' ? NaN : Number(raw);
    return Number.isFinite(value) ? value : null;
  };
  const image = num('image');
  const res = num('res');
  return {
    image: image !== null && Number.isInteger(image) ? image : null,
    rendition: params.get('rendition') || null,
    x: num('x'),
    y: num('y'),
    res: res !== null && res > 0 ? res : null,
  };
}

/**
 * @param {{imageId: number|null, rendition: string|null, view: {x: number, y: number, res: number}|null,
 *          stretch?: object|null, hiddenLayers?: number[]}} s
 * @returns {string} the hash, starting with '#', or '' when no image is open
 */
export function formatHash(s) {
  if (s.imageId === null || s.imageId === undefined) return '';
  const params = new URLSearchParams({ image: String(s.imageId) });
  if (s.rendition) params.set('rendition', s.rendition);
  if (s.view) {
    params.set('x', s.view.x.toFixed(2));
    params.set('y', s.view.y.toFixed(2));
    params.set('res', String(+s.view.res.toPrecision(6)));
  }
  if (s.stretch) {
    for (const [key, value] of Object.entries(stretchFields(s.stretch))) {
      if (value !== '' && value !== null && value !== undefined) params.set(key, String(value));
    }
  }
  if (s.hiddenLayers?.length) params.set('hidden', s.hiddenLayers.join(','));
  return `#${params.toString()}`;
}

/**
 * @param {string} hash
 * @returns {{stretch: Partial<import('./store.js').StretchState>|null, hidden: number[]|null}} null: not in the hash
 */
export function parseHashExtras(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  /** @type {Record<string, string|number>} */
  const stretch = {};
  for (const key of STRETCH_TEXT) if (params.has(key)) stretch[key] = params.get(key) ?? '';
  for (const key of STRETCH_NUMBERS) {
    const value = Number(params.get(key));
    if (params.has(key) && Number.isFinite(value)) stretch[key] = value;
  }
  const hidden = params.has('hidden')
    ? (params.get('hidden') ?? '').split(',').map(Number).filter((v) => Number.isInteger(v) && v > 0) : null;
  return { stretch: Object.keys(stretch).length ? /** @type {any} */ (stretch) : null, hidden };
}

/**
 * Keep `location.hash` in step with the store (replaceState: panning does not flood the history) and
 * follow hashes the user pastes or edits.
 * @param {import('./store.js').Store} store
 * @param {import('./actions.js').Actions} actions
 */
export function syncHash(store, actions) {
  const write = () => {
    const s = store.get();
    const hash = formatHash(s);
    if (hash && hash !== window.location.hash) history.replaceState(null, '', hash);
  };
  store.watch((s) => s.view, write);
  store.watch((s) => s.rendition, write);
  store.watch((s) => s.stretch, write);
  store.watch((s) => s.hiddenLayers, write);

  window.addEventListener('hashchange', () => {
    const want = { ...parseHash(window.location.hash), ...parseHashExtras(window.location.hash) };
    const s = store.get();
    if (want.image === null) return;
    if (want.image !== s.imageId) {
      actions.openImage(want.image, want);
      return;
    }
    if (want.rendition) actions.setRendition(want.rendition);
    if (want.x !== null && want.y !== null) {
      store.set({ centreRequest: { imageId: s.imageId, x: want.x, y: want.y, res: want.res, seq: Date.now() } });
    }
  });
}
