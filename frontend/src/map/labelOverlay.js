/**
 * The labelling layers on the map, driven by the store: source rings (viewport sources, styled by layer,
 * class, prediction, save state and selection) and drawn shapes (the draft, unsaved shapes, the selected source's
 * outline). Called by imageMap.js, the map's owner.
 */
import { createShapeLayer } from '../layers/shapeLayer.js';
import { createSourceLayer } from '../layers/sourceLayer.js';
import { classColour } from '../labels/classKeys.js';

/**
 * @param {import('ol/Map.js').default} map
 * @param {import('../store.js').Store} store
 * @returns {{pick: (coordinate: number[], resolution: number) => number|null}}
 */
export function attachLabelOverlay(map, store) {
  const rings = createSourceLayer();
  const shapes = createShapeLayer();
  map.addLayer(rings.layer);
  map.addLayer(shapes.layer);

  store.watch((s) => s.viewportSources, (answer) => rings.setSources(answer?.sources ?? []));
  const context = (s) => rings.setContext({
    layers: new Map(s.layers.map((l) => [l.id, l])),
    hidden: new Set(s.hiddenLayers),
    scheme: s.scheme,
    overrides: s.overrides,
    saveStates: s.saveStates,
    selectedId: s.selectedId,
    predictions: s.predictions?.bySource ?? null,
    byPrediction: s.colourByPrediction,
    roundSources: new Set(s.round?.sources ?? []),
  });
  let last = null;
  store.subscribe((s) => {
    const key = [s.layers, s.hiddenLayers, s.scheme, s.overrides, s.saveStates, s.selectedId, s.predictions, s.colourByPrediction,
      s.round?.sources];
    if (last && key.every((v, i) => v === last[i])) return;
    last = key;
    context(s);
  });
  context(store.get());

  const drawShapes = (s) => {
    const list = s.unsavedShapes.map((u) => ({
      geometry: u.geometry, colour: u.failed ? '#ff4d4d' : classColour(s.scheme, u.class) ?? '#cfd8e3', dashed: true,
    }));
    if (s.draft) list.push({ geometry: s.draft, colour: '#ffcc33', dashed: true });
    if (s.selected?.geometry && s.selected.id === s.selectedId) {
      list.push({ geometry: s.selected.geometry, colour: '#ffcc33', dashed: false });
    }
    shapes.show(list);
  };
  store.watch((s) => s.draft, (_, s) => drawShapes(s));
  store.watch((s) => s.unsavedShapes, (_, s) => drawShapes(s));
  store.watch((s) => s.selected, (_, s) => drawShapes(s));

  return { pick: rings.nearest };
}
