/**
 * Start the app: one store, the actions over it, the map, the panels and the keys; then open the image
 * named in the URL hash (or the first one). Exposes `window.skylabel` for the browser tests (README):
 * pixels are FITS 0-based and screen positions CSS pixels relative to #map's top-left corner; `ready`
 * resolves once the first image's tiles are drawn.
 */
import 'ol/ol.css';
import './styles.css';
import { createActions } from './actions.js';
import { setCaller } from './api/client.js';
import { LIMIT_MODES, STRETCHES } from './api/tiles.js';
import { createImageEventHub } from './api/events.js';
import { createBlinker } from './blink.js';
import { parseHash, parseHashExtras, syncHash } from './hash.js';
import { startViewMemory } from './viewMemory.js';
import { keyBindings, listenForKeys } from './keyboard.js';
import { createLabelActions } from './labels/labelActions.js';
import { createLayerActions } from './labels/layerActions.js';
import { followLiveLabels } from './labels/liveLabels.js';
import { startViewportLoader } from './labels/viewportLoader.js';
import { createLabelNext, originalOf } from './learning/labelNext.js';
import { createModelActions } from './learning/modelActions.js';
import { startPredictionsLoader } from './learning/predictionsLoader.js';
import { createImageMap } from './map/imageMap.js';
import { mountAddImageDialog } from './panels/addImageDialog.js';
import { mountAnnotatorBadge } from './panels/annotatorBadge.js';
import { mountDetectDialog } from './panels/detectDialog.js';
import { mountDiagramPanel } from './panels/diagramPanel.js';
import { mountEmbeddingView } from './panels/embeddingView.js';
import { mountGotoBox } from './panels/gotoBox.js';
import { mountHelpOverlay } from './panels/helpOverlay.js';
import { mountImageList } from './panels/imageList.js';
import { mountImportDialog } from './panels/importDialog.js';
import { mountSignedIn, signIn } from './panels/loginDialog.js';
import { mountLayerLegend } from './panels/layerLegend.js';
import { mountModelPanel } from './panels/modelPanel.js';
import { mountProgressBadge } from './panels/progressBadge.js';
import { mountReadout } from './panels/readout.js';
import { mountRoundPanel } from './panels/roundPanel.js';
import { mountRenditionPanel } from './panels/renditionPanel.js';
import { mountSaveStatus } from './panels/saveStatus.js';
import { mountSourcePanel } from './panels/sourcePanel.js';
import { mountSourcePrediction } from './panels/sourcePrediction.js';
import { mountStatusLine } from './panels/statusLine.js';
import { mountStretchPanel } from './panels/stretchPanel.js';
import { mountToolbar } from './panels/toolbar.js';
import { mountTriageGrid } from './panels/triageGrid.js';
import { createRoundActions } from './rounds/roundActions.js';
import { mountWorkingSetPanel } from './panels/workingSetPanel.js';
import { attachSelectionLayers } from './map/selectionLayers.js';
import { createStore, initialState } from './store.js';
import { createDrawTools } from './tools/drawTools.js';
import { createTriage } from './triage/triageController.js';

const byId = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  return el;
};
const dialog = (id) => /** @type {HTMLDialogElement} */ (byId(id));

const store = createStore(initialState());
const actions = createActions(store);
const blinker = createBlinker(store, actions);
const layerActions = createLayerActions(store, actions);
const labelling = createLabelActions(store, actions, { onSourceCreated: () => layerActions.loadLayers() });
const triage = createTriage(store, actions, labelling);
setCaller(store.get().annotator);
store.watch((s) => s.annotator, (name) => setCaller(name));
const rounds = createRoundActions(store, actions, labelling);
const events = createImageEventHub(store);
const model = createModelActions(store, actions, events);
const labelNext = createLabelNext(store, actions, labelling, {
  events,
  onPicked: () => {
    layerActions.loadLayers();
    store.set({ sourcesVersion: store.get().sourcesVersion + 1 });
  },
});
/** @param {number} id a source picked on the map or in a list; a picked-layer copy becomes its original */
const selectOnMap = (id) => {
  const s = store.get();
  return labelling.selectSource(originalOf(id, s.viewportSources?.sources ?? [], s.layers));
};

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
startViewportLoader(store, actions);
followLiveLabels(store, labelling, events);
const predictions = startPredictionsLoader(store, actions, events);
const selectionLayers = attachSelectionLayers(imageMap.map, store, actions);
const drawTools = createDrawTools({ map: imageMap.map, store, actions, pick: imageMap.pick, select: selectOnMap });
store.watch((s) => s.imageId, (id) => {
  labelling.resetForImage();
  if (id !== null) layerActions.loadForImage(id);
});

mountImageList(byId('image-panel'), store, actions);
mountRenditionPanel(byId('rendition-panel'), store, actions, blinker);
mountStretchPanel(byId('stretch-panel'), store, actions);
const gotoBox = mountGotoBox(byId('goto-panel'), actions);
mountLayerLegend(byId('layer-panel'), store, layerActions);
mountReadout(byId('readout-panel'), store);
const { aiBox } = mountSourcePanel(byId('source-panel'), store, labelling);
mountSourcePrediction(aiBox, store, { select: (id, summary) => labelling.selectSource(id, { pan: true, summary }) });
mountModelPanel(byId('model-panel'), store, { model, labelNext });
mountRoundPanel(byId('round-panel'), store, rounds);
const embedding = mountEmbeddingView(byId('embedding-view'), store, {
  events, select: (id) => labelling.selectSource(id, { pan: true }),
});
mountToolbar(byId('toolbar'), store);
mountWorkingSetPanel(byId('workset-panel'), store, actions, {
  onPicked: () => {
    layerActions.loadLayers();
    store.set({ sourcesVersion: store.get().sourcesVersion + 1 });
  },
});
const diagram = mountDiagramPanel(byId('diagram-panel'), store, {
  actions, select: (id) => labelling.selectSource(id, { pan: true }),
});
mountSaveStatus(byId('save-status'), store, labelling);
mountAnnotatorBadge(byId('brand'), dialog('annotator-dialog'), store, labelling);
mountProgressBadge(byId('brand'), store, labelling, events);
mountImportDialog(dialog('import-dialog'), store, layerActions);
mountAddImageDialog(dialog('add-image-dialog'), store, actions);
mountDetectDialog(dialog('detect-dialog'), store, layerActions);
const grid = mountTriageGrid(byId('triage-panel'), store, triage);
const bindings = keyBindings({
  store,
  actions,
  labelling,
  labelNext,
  rounds,
  triage,
  gridColumns: grid.columns,
  drawTools,
  blinker,
  gotoBox,
  imageMap,
  choices: { stretches: STRETCHES, limits: LIMIT_MODES },
  selectionLayers,
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
  const want = { ...parseHash(window.location.hash), ...parseHashExtras(window.location.hash) };
  const id = want.image ?? images[0]?.id ?? null;
  if (id === null) {
    actions.showStatus('no images yet: ingest one with `skylabel ingest`, then reload');
    return null;
  }
  const rendered = imageMap.whenTilesRendered();
  await actions.openImage(id, want.image === id ? want : {});
  startViewMemory(store);
  if (store.get().imageId !== id) return null;
  await rendered;
  return id;
}

/** Sign in first (accounts mode); the signed-in user is the annotator, whatever the badge says. */
async function signInThenStart() {
  let me;
  try {
    me = await signIn(dialog('login-dialog'));
  } catch (error) {
    actions.showError(error);
    return null;
  }
  mountSignedIn(byId('brand'), me);
  if (me.mode === 'accounts') labelling.setAnnotator(me.username, { register: false });
  return start();
}

syncHash(store, actions);
const ready = signInThenStart();

/** @type {any} */ (window).skylabel = {
  map: imageMap.map,
  store,
  actions,
  labelling,
  pixelToScreen: imageMap.pixelToScreen,
  screenToPixel: imageMap.screenToPixel,
  whenTilesRendered: imageMap.whenTilesRendered,
  ready,
  /** @param {number} id select a source and centre the map on it; resolves once its detail is shown */
  selectSource: (id) => labelling.selectSource(id, { pan: true }),
  /** @returns {object|null} the selected source's detail (GET /api/sources/{id}), null while none or loading */
  selectedSource: () => store.get().selected,
  /** @returns {number} labels not yet saved on the server */
  pendingSaves: () => labelling.pendingSaves(),
  /** @returns {Promise<void>} resolves when every label is saved (refused ones aside) */
  whenSaved: () => labelling.whenSaved(),
  /** @param {string} name set the annotator without the dialog (tests) */
  setAnnotator: (name) => labelling.setAnnotator(name),
  model,
  labelNext,
  /** consensus rounds: load, choose, setActive, step, open, close, decide (rounds/roundActions.js) */
  rounds,
  /** @returns {number|null} model version (the probe's model-version id) of the predictions on the map */
  predictionsVersion: () => store.get().predictions?.modelVersion ?? null,
  /** @returns {Promise<void>} fetch the predictions in view now */
  reloadPredictions: () => predictions.reload(),
  /** @param {number} id @returns {[number, number]|null} the point's CSS pixels from #embedding-canvas's top-left */
  embeddingPoint: (id) => embedding.pointToCanvas(id),
  /** @param {number} id @returns {[number, number]|null} the point's CSS pixels from #diagram-canvas's top-left */
  diagramPoint: (id) => diagram.pointToCanvas(id),
  /** @returns {number[]} sources in view ringed on the map as the lassoed population */
  populationOnMap: () => selectionLayers.ringed(),
  /** @returns {Set<number>|null} the sources inside the diagram's lasso */
  lassoIds: () => store.get().lassoIds,
};
