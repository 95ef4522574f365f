/**
 * The one owner of the OpenLayers map: its projection, tile grid, view and layers. Everything else
 * reaches the map through the store (image, rendition, stretch, marker, centre requests in; cursor and
 * view out) or through the coordinate helpers returned here.
 *
 * All positions crossing this boundary are FITS 0-based pixels (see pixelGrid.js); screen positions are
 * CSS pixels relative to the top-left corner of the map element. `view.extent` in the store is the visible
 * box, FITS 0-based [xmin, ymin, xmax, ymax], for loading the sources in view.
 */
import Map from 'ol/Map.js';
import View from 'ol/View.js';
import { defaults as defaultControls } from 'ol/control/defaults.js';
import KeyboardPan from 'ol/interaction/KeyboardPan.js';
import { defaults as defaultInteractions } from 'ol/interaction/defaults.js';
import KeyboardZoom from 'ol/interaction/KeyboardZoom.js';
import { stretchParams, stretchProblem } from '../api/tiles.js';
import { createImageTileLayer } from '../layers/imageTileLayer.js';
import { createMarkerLayer } from '../layers/markerLayer.js';
import { pixelScaleArcsec } from '../coords/wcsSummary.js';
import { CompassControl } from './compass.js';
import { attachLabelOverlay } from './labelOverlay.js';
import {
  imageProjection, imageTileGrid, mapToPixel, pixelToMap, viewResolutions,
} from './pixelGrid.js';
import { ScaleBarControl } from './scaleBar.js';

/**
 * @param {object} options
 * @param {HTMLElement} options.target the #map element
 * @param {import('../store.js').Store} options.store
 * @param {(error: Error) => void} options.onTileError
 * @param {() => void} [options.onTileLoad] after each tile arrives
 * @param {() => number[]} [options.fitPadding] [top, right, bottom, left] CSS pixels kept clear when fitting
 *   the image (the panels float over the map)
 */
export function createImageMap({ target, store, onTileError, onTileLoad = () => {}, fitPadding = () => [16, 16, 16, 16] }) {
  const scaleBar = new ScaleBarControl();
  const compass = new CompassControl();
  const marker = createMarkerLayer();
  const map = new Map({
    target,
    controls: defaultControls({ attribution: false, rotate: false }).extend([scaleBar, compass]),
    keyboardEventTarget: document,
    // OpenLayers' Map defaults to onFocusOnly: with a tabindex on #map, wheel and drag then did nothing
    // until the map had been clicked. They work at once; the keys listen on the document either way.
    interactions: defaultInteractions({ onFocusOnly: false }),
    layers: [marker.layer],
  });

  const labels = attachLabelOverlay(map, store);
  // The triage grid takes the arrow keys while it is open; OpenLayers would pan the map with them too.
  store.watch((s) => s.triageOpen, (open) => map.getInteractions().forEach((i) => {
    if (i instanceof KeyboardPan || i instanceof KeyboardZoom) i.setActive(!open);
  }));

  /** @type {ReturnType<typeof createImageTileLayer>|null} */
  let tiles = null;
  let tilesLoaded = 0;
  let tilesThisImage = 0;

  function countTile() {
    tilesLoaded += 1;
    tilesThisImage += 1;
    document.body.dataset.tilesLoaded = String(tilesLoaded);
    onTileLoad();
  }

  /** @param {{x: number, y: number, res?: number}} req FITS 0-based centre, resolution */
  function applyCentre(req, animate) {
    const view = map.getView();
    const center = pixelToMap(req.x, req.y);
    const resolution = req.res ? view.getConstrainedResolution(req.res) : view.getResolution();
    if (animate) {
      view.animate({ center, resolution, duration: 250 });
    } else {
      view.setCenter(center);
      view.setResolution(resolution);
    }
  }

  /** @param {object} image the Image document */
  function openImage(image) {
    if (tiles) map.removeLayer(tiles.layer);
    tilesThisImage = 0;
    const projection = imageProjection(image);
    const extent = [0, 0, image.width, image.height];
    tiles = createImageTileLayer({
      image,
      projection,
      tileGrid: imageTileGrid(image.tile_grid),
      onTileLoad: countTile,
      onTileError,
    });
    map.getLayers().insertAt(0, tiles.layer);
    map.setView(new View({
      projection,
      resolutions: viewResolutions(image.tile_grid.resolutions),
      constrainResolution: false,
      // Keep the centre on the image; constraining the whole extent would cap zoom-out (with snapped
      // resolutions) below the level that shows the full image.
      extent,
      constrainOnlyCenter: true,
      enableRotation: false,
    }));
    map.getView().fit(extent, { padding: fitPadding() });
    const req = store.get().centreRequest;
    if (req && req.imageId === image.id) applyCentre(req, false);
    scaleBar.setPixelScale(pixelScaleArcsec(image.wcs));
    showTiles();
  }

  function showTiles() {
    const s = store.get();
    if (tiles && s.image && s.rendition && !stretchProblem(s.stretch)) {
      tiles.showRendition(s.rendition, stretchParams(s.stretch));
    }
  }

  store.watch((s) => s.image, (image) => image && openImage(image));
  store.watch((s) => s.rendition, showTiles);
  store.watch((s) => s.stretch, showTiles);
  store.watch((s) => s.marker, (pos) => marker.setMarker(pos));
  store.watch((s) => s.compass, (dirs) => compass.setDirections(dirs ?? null));
  store.watch((s) => s.centreRequest, (req, s) => {
    if (req && s.image && req.imageId === s.image.id) applyCentre(req, true);
  });

  // The cursor is reported in image pixels, so it changes when the view moves under a still pointer too.
  /** @type {number[]|null} last pointer position over the map, CSS pixels */
  let pointer = null;
  const reportCursor = () => {
    const coordinate = pointer && store.get().image ? map.getCoordinateFromPixel(pointer) : null;
    if (!coordinate) return;
    const [x, y] = mapToPixel(coordinate);
    const last = store.get().cursor;
    if (!last || last.x !== x || last.y !== y) store.set({ cursor: { x, y } });
  };
  map.on('pointermove', (event) => {
    pointer = event.pixel;
    reportCursor();
  });
  map.getViewport().addEventListener('pointerleave', () => {
    pointer = null;
  });
  map.on('moveend', () => {
    reportCursor();
    const view = map.getView();
    const center = view.getCenter();
    if (!center || !store.get().image) return;
    const [x, y] = mapToPixel(center);
    const [x0, y0, x1, y1] = view.calculateExtent(map.getSize());
    const extent = [...mapToPixel([x0, y0]), ...mapToPixel([x1, y1])];
    store.set({ view: { x, y, res: view.getResolution(), extent } });
  });

  /**
   * @param {number} x FITS 0-based
   * @param {number} y FITS 0-based
   * @returns {[number, number]|null} CSS pixels from the top-left of #map (null before the first render)
   */
  function pixelToScreen(x, y) {
    const px = map.getPixelFromCoordinate(pixelToMap(x, y));
    return px ? [px[0], px[1]] : null;
  }

  /**
   * @param {number} px CSS pixels from the left of #map
   * @param {number} py CSS pixels from the top of #map
   * @returns {[number, number]|null} FITS 0-based pixel
   */
  function screenToPixel(px, py) {
    const coordinate = map.getCoordinateFromPixel([px, py]);
    return coordinate ? mapToPixel(coordinate) : null;
  }

  /** @returns {Promise<void>} resolves at the next complete render showing tiles of the open image */
  function whenTilesRendered() {
    return new Promise((resolve) => {
      const check = () => {
        if (tilesThisImage > 0) {
          map.un('rendercomplete', check);
          resolve();
        }
      };
      map.on('rendercomplete', check);
      map.render();
    });
  }

  /** Fit the whole image in the window. */
  function fitImage() {
    const image = store.get().image;
    if (image) {
      map.getView().fit([0, 0, image.width, image.height], { padding: fitPadding(), duration: 250 });
    }
  }

  /** @param {number} resolution image pixels per CSS pixel (1 = native) */
  function zoomTo(resolution) {
    map.getView().animate({ resolution, duration: 200 });
  }

  return { map, pixelToScreen, screenToPixel, whenTilesRendered, fitImage, zoomTo, pick: labels.pick };
}
