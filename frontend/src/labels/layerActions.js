/**
 * Layers of the open image: load them with the label scheme, show or hide them, restyle them (saved on the
 * server so every annotator sees the same rings), delete them, and make new ones by importing a catalogue
 * or running source detection.
 */
import { deleteLayer, detectSources, importCatalogue, listLayers, updateLayer } from '../api/layers.js';
import { ApiError } from '../api/client.js';
import { getScheme } from '../api/labels.js';

/** Wait after the last style change before saving it (a colour picker fires on every drag step). */
const STYLE_SAVE_DELAY_MS = 400;

/**
 * @param {import('../store.js').Store} store
 * @param {import('../actions.js').Actions} actions
 */
export function createLayerActions(store, actions) {
  /** @type {Map<number, ReturnType<typeof setTimeout>>} */
  const styleTimers = new Map();

  /** Reload the layer list (after an import, a detection, or a label that created the annotations layer). */
  async function loadLayers() {
    const imageId = store.get().imageId;
    if (imageId === null) return;
    try {
      const layers = await listLayers(imageId);
      if (store.get().imageId === imageId) store.set({ layers });
    } catch (error) {
      actions.showError(error);
    }
  }

  /** @param {number} imageId load the scheme and the layers of a newly opened image */
  async function loadForImage(imageId) {
    store.set({ layers: [], hiddenLayers: [], layersImageId: null, scheme: null, viewportSources: null });
    try {
      const [scheme, layers] = await Promise.all([getScheme(imageId), listLayers(imageId)]);
      if (store.get().imageId !== imageId) return;
      // a layer saved with style.visible false starts hidden (toggling is this browser's own business), unless
      // the hash or this browser's memory of the image says which were hidden (viewMemory.js)
      const restored = store.get().restoredHidden;
      const ids = new Set(layers.map((l) => l.id));
      const hiddenLayers = restored ? restored.filter((id) => ids.has(id))
        : layers.filter((l) => l.style?.visible === false).map((l) => l.id);
      store.set({ scheme, layers, hiddenLayers, layersImageId: imageId, restoredHidden: null });
    } catch (error) {
      if (store.get().imageId === imageId) actions.showError(error);
    }
  }

  /** @param {number} layerId */
  function toggleLayer(layerId) {
    const hidden = store.get().hiddenLayers;
    store.set({ hiddenLayers: hidden.includes(layerId) ? hidden.filter((id) => id !== layerId) : [...hidden, layerId] });
  }

  /**
   * Restyle a layer at once on the map, and save it on the server shortly after.
   * @param {number} layerId
   * @param {Record<string, unknown>} patch e.g. {colour: '#ff0000'} or {radius_px: 10}
   */
  function setLayerStyle(layerId, patch) {
    const layers = store.get().layers.map((l) => (l.id === layerId ? { ...l, style: { ...l.style, ...patch } } : l));
    store.set({ layers });
    clearTimeout(styleTimers.get(layerId));
    styleTimers.set(layerId, setTimeout(async () => {
      styleTimers.delete(layerId);
      const layer = store.get().layers.find((l) => l.id === layerId);
      if (!layer) return;
      try {
        await updateLayer(layerId, { style: layer.style });
      } catch (error) {
        actions.showStatus(`layer "${layer.name}": style not saved: ${error.message}`, 'error');
      }
    }, STYLE_SAVE_DELAY_MS));
  }

  /**
   * @param {number} layerId
   * @param {(question: string) => boolean} confirm asked again when the server refuses because sources are labelled
   */
  async function removeLayer(layerId, confirm) {
    const layer = store.get().layers.find((l) => l.id === layerId);
    if (!layer) return;
    try {
      try {
        await deleteLayer(layerId);
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 409)) throw error;
        if (!confirm(`${error.message}\n\nDelete "${layer.name}" with its labels anyway?`)) return;
        await deleteLayer(layerId, true);
      }
      actions.showStatus(`layer "${layer.name}" deleted`);
      store.set({ sourcesVersion: store.get().sourcesVersion + 1 });
      await loadLayers();
    } catch (error) {
      actions.showError(error);
    }
  }

  /**
   * @param {FormData} form file, format, name, kind, layout, mapping
   * @returns {Promise<object>} the server's answer (imported, outside, labels, notes); rejects with its message
   */
  async function importLayer(form) {
    const imageId = store.get().imageId;
    if (imageId === null) throw new Error('open an image first');
    const answer = await importCatalogue(imageId, form);
    await loadLayers();
    store.set({ sourcesVersion: store.get().sourcesVersion + 1 });
    actions.showStatus(`imported ${answer.imported} sources into "${answer.layer.name}"`);
    return answer;
  }

  /**
   * @param {{bands: string[], threshold: number, minarea: number, name?: string}} params
   * @returns {Promise<{layer: object, detected: number, outside?: {count: number}, notes?: string[]}>}
   */
  async function detect(params) {
    const imageId = store.get().imageId;
    if (imageId === null) throw new Error('open an image first');
    const answer = await detectSources(imageId, params);
    await loadLayers();
    store.set({ sourcesVersion: store.get().sourcesVersion + 1 });
    actions.showStatus(`detected ${answer.detected} sources: layer "${answer.layer.name}"`);
    return answer;
  }

  return { loadLayers, loadForImage, toggleLayer, setLayerStyle, removeLayer, importLayer, detect };
}

/** @typedef {ReturnType<typeof createLayerActions>} LayerActions */
