/**
 * Start the app: one store, the actions over it, the map, the panels and the keys; then open the image
 * named in the URL hash (or the first one). Exposes `window.skylabel` for the browser tests:
 * `{map, store, pixelToScreen(x, y), screenToPixel(px, py), ready}` with FITS 0-based pixels and CSS
 * pixels relative to #map's top-left corner; `ready` resolves once the first image's tiles are drawn.
 */
import 'ol/ol.css';
import './styles.css';
import { createActions } from './actions.js';
import { LIMIT_MODES, STRETCHES } from './api/tiles.js';
import { createBlinker } from './blink.js';
import { parseHash, syncHash } from './hash.js';
import { keyBindings, listenForKeys } from './keyboard.js';
import { createImageMap } from './map/imageMap.js';
import { mountGotoBox } from './panels/gotoBox.js';
import { mountHelpOverlay } from './panels/helpOverlay.js';
import { mountImageList } from './panels/imageList.js';
import { mountReadout } from './panels/readout.js';
import { mountRenditionPanel } from './panels/renditionPanel.js';
import { mountStatusLine } from './panels/statusLine.js';
import { mountStretchPanel } from './panels/stretchPanel.js';
import { createStore, initialState } from './store.js';

const byId = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  return el;
};

const store = createStore(initialState());
const actions = createActions(store);
const blinker = createBlinker(store, actions);

mountStatusLine(byId('status'), store);
const imageMap = createImageMap({
  target: byId('map'),
  store,
  onTileError: (error) => actions.showStatus(`tiles: ${error.message}`, 'error', 'tiles'),
  onTileLoad: () => actions.clearStatus('tiles'),
  fitPadding: () => {
    const panels = byId('panels');
    const left = store.get().panelsHidden ? 16 : panels.offsetLeft + panels.offsetWidth + 16;
    return [16, 16, 16, left];
  },
});
mountImageList(byId('image-panel'), store, actions);
mountRenditionPanel(byId('rendition-panel'), store, actions, blinker);
mountStretchPanel(byId('stretch-panel'), store, actions);
const gotoBox = mountGotoBox(byId('goto-panel'), actions);
mountReadout(byId('readout-panel'), store);
const bindings = keyBindings({
  store, actions, blinker, gotoBox, imageMap, choices: { stretches: STRETCHES, limits: LIMIT_MODES },
});
mountHelpOverlay(byId('help'), store, bindings);
listenForKeys(bindings, document);
byId('help-button').addEventListener('click', () => store.set({ helpOpen: !store.get().helpOpen }));
store.watch((s) => s.panelsHidden, (hidden) => document.body.classList.toggle('panels-hidden', hidden));
document.body.dataset.tilesLoaded = '0';

/** Open what the hash names, else the first image; resolve once its first tiles are on screen. */
async function start() {
  let images;
  try {
    images = await actions.loadImageList();
  } catch (error) {
    actions.showError(error);
    return null;
  }
  const want = parseHash(window.location.hash);
  const id = want.image ?? images[0]?.id ?? null;
  if (id === null) {
    actions.showStatus('no images yet: ingest one with `skylabel ingest`, then reload');
    return null;
  }
  const rendered = imageMap.whenTilesRendered();
  await actions.openImage(id, want.image === id ? want : {});
  if (store.get().imageId !== id) return null;
  await rendered;
  return id;
}

syncHash(store, actions);
const ready = start();

window.skylabel = {
  map: imageMap.map,
  store,
  actions,
  pixelToScreen: imageMap.pixelToScreen,
  screenToPixel: imageMap.screenToPixel,
  whenTilesRendered: imageMap.whenTilesRendered,
  ready,
};
