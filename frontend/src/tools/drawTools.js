/**
 * The labelling tools: select (click a ring), point, box and polygon (OpenLayers Draw interactions on the
 * pixel map). A finished shape becomes the store's `draft`, in FITS 0-based pixels (tools/geometry.js),
 * and waits for a class key; Esc abandons a shape being drawn, then the draft.
 */
import Draw, { createBox } from 'ol/interaction/Draw.js';
import CircleStyle from 'ol/style/Circle.js';
import Stroke from 'ol/style/Stroke.js';
import Style from 'ol/style/Style.js';
import { boxGeometry, pointGeometry, polygonGeometry } from './geometry.js';

export const TOOLS = ['select', 'point', 'box', 'polygon'];

const SKETCH = new Style({
  stroke: new Stroke({ color: '#ffcc33', width: 1.5, lineDash: [4, 4] }),
  image: new CircleStyle({ radius: 4, stroke: new Stroke({ color: '#ffcc33', width: 1.5 }) }),
});

/**
 * @param {import('ol/geom/Geometry.js').default} geometry as drawn, in map coordinates
 * @param {string} tool
 * @returns {object} the API geometry, FITS 0-based
 */
function toApiGeometry(geometry, tool) {
  const g = /** @type {any} */ (geometry);
  if (tool === 'point') return pointGeometry(g.getCoordinates());
  if (tool === 'box') return boxGeometry(g.getExtent());
  return polygonGeometry(g.getCoordinates()[0]);
}

/**
 * @param {object} deps
 * @param {import('ol/Map.js').default} deps.map
 * @param {import('../store.js').Store} deps.store
 * @param {import('../actions.js').Actions} deps.actions
 * @param {(coordinate: number[], resolution: number) => number|null} deps.pick source id under a click
 * @param {(id: number|null) => void} deps.select
 */
export function createDrawTools({ map, store, actions, pick, select }) {
  /** @type {Draw|null} */
  let draw = null;
  let drawing = false;

  store.watch((s) => s.tool, (tool) => {
    if (draw) map.removeInteraction(draw);
    draw = null;
    drawing = false;
    if (tool === 'select') return;
    const type = tool === 'point' ? 'Point' : tool === 'box' ? 'Circle' : 'Polygon';
    draw = new Draw({ type, style: SKETCH, geometryFunction: tool === 'box' ? createBox() : undefined, stopClick: true });
    draw.on('drawstart', () => {
      drawing = true;
      store.set({ draft: null });
    });
    draw.on('drawabort', () => {
      drawing = false;
    });
    draw.on('drawend', (event) => {
      drawing = false;
      try {
        const geometry = toApiGeometry(/** @type {any} */ (event.feature.getGeometry()), tool);
        store.set({ draft: geometry, selectedId: null, selected: null });
        actions.showStatus('press a class key (1–4) to label this shape, Esc to discard it', 'info', 'draft');
      } catch (error) {
        actions.showError(error);
      }
    });
    map.addInteraction(draw);
  });

  map.on('click', (event) => {
    if (store.get().tool !== 'select' || !store.get().image) return;
    const id = pick(event.coordinate, map.getView().getResolution() ?? 1);
    select(id);
  });
  map.on('pointermove', (event) => {
    if (event.dragging || store.get().tool !== 'select') return;
    const id = pick(event.coordinate, map.getView().getResolution() ?? 1);
    map.getViewport().style.cursor = id !== null ? 'pointer' : '';
    if (store.get().hoverId !== id) store.set({ hoverId: id }); // the diagrams ring it (panels/diagramPanel.js)
  });

  return {
    /** @returns {boolean} whether there was something to cancel (a shape in progress, or a draft) */
    cancel() {
      if (draw && drawing) {
        draw.abortDrawing();
        drawing = false;
        return true;
      }
      if (store.get().draft) {
        store.set({ draft: null });
        actions.clearStatus('draft');
        return true;
      }
      return false;
    },
  };
}
