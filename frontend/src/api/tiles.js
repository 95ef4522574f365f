/**
 * Tile URLs and tile fetching. A tile address is the server's XYZ scheme on its pixel tile grid:
 * `/api/images/{id}/tiles/{rendition}/{z}/{x}/{y}.{format}?stretch=...` with the row index `y` growing
 * downward from the grid origin [0, H] (OpenLayers' and the server's XYZ convention).
 */
import { apiUrl, getBlob } from './client.js';

/** The tile encoding requested; the server also serves png and jpg. */
export const TILE_FORMAT = 'webp';

export const STRETCHES = ['linear', 'log', 'sqrt', 'asinh', 'lupton'];
export const LIMIT_MODES = ['zscale', 'percentile', 'explicit'];

/**
 * The stretch query parameters the server understands, keeping only those that apply to the chosen
 * stretch and limits mode (pmin/pmax for percentile, vmin/vmax for explicit, softening for asinh,
 * q for lupton), so equivalent settings give identical URLs and share the browser cache.
 * @param {{stretch: string, limits: string, pmin?: number|string, pmax?: number|string,
 *          vmin?: string, vmax?: string, softening?: number|string, q?: number|string}} s
 * @returns {Record<string, string|number>}
 */
export function stretchParams(s) {
  /** @type {Record<string, string|number>} */
  const params = { stretch: s.stretch, limits: s.limits };
  if (s.limits === 'percentile') {
    params.pmin = s.pmin;
    params.pmax = s.pmax;
  } else if (s.limits === 'explicit') {
    params.vmin = s.vmin;
    params.vmax = s.vmax;
  }
  if (s.stretch === 'asinh' && s.softening !== undefined && s.softening !== '') params.softening = s.softening;
  if (s.stretch === 'lupton' && s.q !== undefined && s.q !== '') params.q = s.q;
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') delete params[k];
  }
  return params;
}

/**
 * Settings the server would refuse for every tile, caught before asking: explicit limits need both
 * vmin and vmax. The image keeps showing the last good stretch meanwhile.
 * @param {{limits: string, vmin?: string, vmax?: string}} s
 * @returns {string|null} what the user still has to do, or null when the stretch can be requested
 */
export function stretchProblem(s) {
  if (s.limits === 'explicit' && (!s.vmin || !s.vmax)) {
    return 'explicit limits: type vmin and vmax (one value, or one per channel: 0,0,0)';
  }
  return null;
}

/**
 * @param {number|string} imageId
 * @param {string} rendition rendition name
 * @param {number|string} z zoom level of the server grid (0 = coarsest), or a URL template's `{z}`
 * @param {number|string} x tile column
 * @param {number|string} y tile row, counted downward from the top edge of the image
 * @param {Record<string, string|number>} params from `stretchParams`
 * @param {string} [format]
 * @returns {string}
 */
export function tileUrl(imageId, rendition, z, x, y, params, format = TILE_FORMAT) {
  const path = `/images/${encodeURIComponent(imageId)}/tiles/${encodeURIComponent(rendition)}/${z}/${x}/${y}.${format}`;
  return apiUrl(path, params);
}

/**
 * Fetch one tile and decode it. Going through fetch (rather than an <img> src) means a 4xx carries the
 * server's message to the user, and aborted tiles cancel their request.
 * @param {string} url
 * @param {AbortSignal} [signal]
 * @returns {Promise<ImageBitmap>}
 */
export async function fetchTileImage(url, signal) {
  const blob = await getBlob(url, signal);
  return createImageBitmap(blob);
}
