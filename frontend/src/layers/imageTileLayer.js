/**
 * The image layer: server-rendered tiles of one rendition under one stretch.
 *
 * Changing the rendition or stretch swaps the source's *key* and loader instead of replacing the source:
 * OpenLayers keeps drawing the previous key's tiles until the new ones arrive (no flicker), and tiles of
 * every key stay in the layer's tile cache, so blinking back to a rendition already seen is instant.
 */
import TileLayer from 'ol/layer/Tile.js';
import ImageTileSource from 'ol/source/ImageTile.js';
import { fetchTileImage, tileUrl } from '../api/tiles.js';

/** An ImageTile source whose tile set can be switched in place (setLoader and setKey are protected in OL). */
class SwappableImageTileSource extends ImageTileSource {
  /**
   * @param {string} key identifies the tile set; tiles are cached per key
   * @param {import('ol/source/ImageTile.js').Loader} loader
   */
  showTiles(key, loader) {
    this.setLoader(loader);
    this.setKey(key);
    if (this.getState() !== 'ready') this.setState('ready');
  }
}

/**
 * @param {object} options
 * @param {{id: number, width: number, height: number}} options.image
 * @param {import('ol/proj/Projection.js').default} options.projection the image's pixel projection
 * @param {import('ol/tilegrid/TileGrid.js').default} options.tileGrid the server's grid
 * @param {() => void} options.onTileLoad called after each tile is decoded and ready to draw
 * @param {(error: Error) => void} options.onTileError called with the server's message when a tile fails
 * @returns {{layer: TileLayer, showRendition: (rendition: string, params: Record<string, string|number>) => void}}
 */
export function createImageTileLayer({ image, projection, tileGrid, onTileLoad, onTileError }) {
  const source = new SwappableImageTileSource({
    projection,
    tileGrid,
    wrapX: false,
    transition: 0,
    state: 'loading',
  });
  source.on('tileloadend', () => onTileLoad());

  const extent = [0, 0, image.width, image.height];
  const layer = new TileLayer({ source, extent, preload: 1, className: 'image-layer' });

  // Past native resolution (an image pixel wider than a device pixel) show crisp square pixels, as DS9
  // does when zoomed in; below it, let the browser smooth the downsampled tiles.
  layer.on('prerender', (event) => {
    const frame = event.frameState;
    if (frame && event.context && 'imageSmoothingEnabled' in event.context) {
      event.context.imageSmoothingEnabled = frame.viewState.resolution >= frame.pixelRatio;
    }
  });

  /**
   * @param {string} rendition
   * @param {Record<string, string|number>} params stretch query (api/tiles.stretchParams)
   */
  function showRendition(rendition, params) {
    const key = tileUrl(image.id, rendition, '{z}', '{x}', '{y}', params);
    source.showTiles(key, async (z, x, y, options) => {
      try {
        return await fetchTileImage(tileUrl(image.id, rendition, z, x, y, params), options.signal);
      } catch (error) {
        if (error?.name !== 'AbortError') onTileError(error);
        throw error;
      }
    });
  }

  return { layer, showRendition };
}
