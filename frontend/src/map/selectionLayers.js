/**
 * The working set on the map: saved regions (cyan, dashed when not part of the working set), the region
 * tools (`box`, `polygon`, `circle`: OpenLayers Draw), and the lassoed population (magenta rings on the
 * sources in view that are in `lassoIds`). Regions are FITS 0-based (map coordinate = pixel + 0.5).
 */
import Feature from 'ol/Feature.js';
import Circle from 'ol/geom/Circle.js';
import Point from 'ol/geom/Point.js';
import Polygon from 'ol/geom/Polygon.js';
import Draw, { createBox } from 'ol/interaction/Draw.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import CircleStyle from 'ol/style/Circle.js';
import Fill from 'ol/style/Fill.js';
import Stroke from 'ol/style/Stroke.js';
import Style from 'ol/style/Style.js';
import { createRegion } from '../api/selection.js';

export const REGION_TOOLS = ['box', 'polygon', 'circle'];
const REGION_COLOUR = '#39d0d8';
const POPULATION_COLOUR = '#ff4fd8';

/**
 * @param {{kind: string, geometry: any}} region FITS 0-based
 * @returns {import('ol/geom/Geometry.js').default} in map coordinates
 */
export function regionToMap(region) {
  const g = region.geometry;
  if (region.kind === 'circle') return new Circle([g.x + 0.5, g.y + 0.5], g.r);
  if (region.kind === 'box') {
    const a = ((g.angle ?? 0) * Math.PI) / 180;
    const corners = [[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]].map(([sx, sy]) => {
      const dx = (sx * g.width) / 2;
      const dy = (sy * g.height) / 2;
      return [g.x + 0.5 + dx * Math.cos(a) - dy * Math.sin(a), g.y + 0.5 + dx * Math.sin(a) + dy * Math.cos(a)];
    });
    return new Polygon([corners]);
  }
  return new Polygon([[...g.points, g.points[0]].map(([x, y]) => [x + 0.5, y + 0.5])]);
}

/**
 * @param {'box'|'polygon'|'circle'} tool
 * @param {any} geometry as drawn, map coordinates
 * @returns {{kind: string, geometry: object}} the API region, FITS 0-based
 */
export function drawnRegion(tool, geometry) {
  const r3 = (v) => +v.toFixed(3);
  if (tool === 'circle') {
    const [cx, cy] = geometry.getCenter();
    return { kind: 'circle', geometry: { x: r3(cx - 0.5), y: r3(cy - 0.5), r: r3(geometry.getRadius()) } };
  }
  if (tool === 'box') {
    const [x0, y0, x1, y1] = geometry.getExtent();
    return { kind: 'box', geometry: { x: r3((x0 + x1) / 2 - 0.5), y: r3((y0 + y1) / 2 - 0.5), width: r3(x1 - x0), height: r3(y1 - y0), angle: 0 } };
  }
  const ring = geometry.getCoordinates()[0].slice(0, -1);
  return { kind: 'polygon', geometry: { points: ring.map(([x, y]) => [r3(x - 0.5), r3(y - 0.5)]) } };
}

/**
 * @param {import('ol/Map.js').default} map
 * @param {import('../store.js').Store} store
 * @param {import('../actions.js').Actions} actions
 */
export function attachSelectionLayers(map, store, actions) {
  const regionSource = new VectorSource();
  const regionLayer = new VectorLayer({
    source: regionSource,
    zIndex: 7,
    className: 'region-layer',
    style: (feature) => new Style({
      stroke: new Stroke({ color: REGION_COLOUR, width: feature.get('active') ? 2 : 1, lineDash: feature.get('active') ? undefined : [6, 4] }),
      fill: new Fill({ color: feature.get('active') ? 'rgba(57, 208, 216, 0.06)' : 'rgba(0,0,0,0)' }),
    }),
  });
  const populationSource = new VectorSource();
  const populationLayer = new VectorLayer({
    source: populationSource,
    zIndex: 9,
    className: 'population-layer',
    style: () => null,
  });
  let populationRadius = 9;
  populationLayer.setStyle((_feature, resolution) => new Style({
    image: new CircleStyle({ radius: Math.max(5, populationRadius / resolution), stroke: new Stroke({ color: POPULATION_COLOUR, width: 1.5 }) }),
  }));
  map.addLayer(regionLayer);
  map.addLayer(populationLayer);
  /** @type {number[]} ids ringed now (test hook) */
  let ringed = [];

  const showRegions = () => {
    const { regions, workingSet } = store.get();
    regionSource.clear();
    regionSource.addFeatures(regions.map((r) => new Feature({ geometry: regionToMap(r), active: workingSet.regions.includes(r.id), id: r.id })));
  };
  const showPopulation = () => {
    const { lassoIds, viewportSources, layers } = store.get();
    populationSource.clear();
    ringed = [];
    if (!lassoIds?.size || !viewportSources) return;
    const radius = Math.max(...layers.map((l) => Number(l.style?.radius_px ?? 6)), 6);
    populationRadius = radius + 3;
    const features = [];
    for (const s of viewportSources.sources) {
      if (!lassoIds.has(s.id)) continue;
      ringed.push(s.id);
      features.push(new Feature({ geometry: new Point([s.x + 0.5, s.y + 0.5]), id: s.id }));
    }
    populationSource.addFeatures(features);
  };
  store.watch((s) => s.regions, showRegions);
  store.watch((s) => s.workingSet.regions, showRegions);
  store.watch((s) => s.lassoIds, showPopulation);
  store.watch((s) => s.viewportSources, showPopulation);

  /** @type {Draw|null} */
  let draw = null;
  store.watch((s) => s.regionTool, (tool) => {
    if (draw) map.removeInteraction(draw);
    draw = null;
    if (!tool) return;
    const type = tool === 'polygon' ? 'Polygon' : 'Circle';
    draw = new Draw({ type, geometryFunction: tool === 'box' ? createBox() : undefined, stopClick: true,
      style: new Style({ stroke: new Stroke({ color: REGION_COLOUR, width: 1.5, lineDash: [4, 4] }),
        image: new CircleStyle({ radius: 4, stroke: new Stroke({ color: REGION_COLOUR, width: 1.5 }) }) }) });
    draw.on('drawend', async (event) => {
      const s = store.get();
      const region = drawnRegion(/** @type {'box'|'polygon'|'circle'} */ (tool), event.feature.getGeometry());
      store.set({ regionTool: null });
      if (s.imageId === null) return;
      try {
        const saved = await createRegion(s.imageId, region);
        const now = store.get();
        store.set({ regions: [...now.regions, saved], workingSet: { ...now.workingSet, regions: [...now.workingSet.regions, saved.id] } });
        actions.showStatus(`${saved.name} saved: the triage grid, n / p and label next keep to it`, 'info', 'regions');
      } catch (error) {
        actions.showError(error);
      }
    });
    map.addInteraction(draw);
    actions.showStatus(`draw a ${tool} region on the map (Esc cancels)`, 'info', 'regions');
  });

  return {
    /** @returns {number[]} sources ringed as the lassoed population in view */
    ringed: () => [...ringed],
    /** @returns {boolean} whether a region drawing was cancelled */
    cancel() {
      if (!store.get().regionTool) return false;
      store.set({ regionTool: null });
      return true;
    },
  };
}
