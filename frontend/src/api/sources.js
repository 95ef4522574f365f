/**
 * Source endpoints: the sources in a viewport (map rings), the paged list (triage grid), next/previous
 * unlabelled, one source's detail and its stretched cutouts.
 *
 * Pixel positions sent and received are FITS 0-based (astropy origin 0), as the API defines them.
 */
import { apiUrl, getJson } from './client.js';

const imagePath = (imageId, rest) => `/images/${encodeURIComponent(imageId)}${rest}`;

/**
 * @typedef {{id: number, layer_id: number, x: number, y: number, label_class: string|null, n_votes: number,
 *            shape?: object|null, columns?: Record<string, unknown>}} SourceSummary
 */

/**
 * Sources inside a FITS 0-based box, at most `limit` (the answer says when more were left out).
 * @param {number} imageId
 * @param {{bbox: number[], layers?: number[], classes?: string[], state?: string, limit?: number, thin?: boolean}} query
 * @param {AbortSignal} [signal]
 * @returns {Promise<{count: number, truncated: boolean, sources: SourceSummary[], thinned?: boolean, matched?: number,
 *                   matched_capped?: boolean}>}
 */
export function viewportSources(imageId, { bbox, layers, classes, state, limit = 5000, thin }, signal) {
  const params = { bbox: bbox.map((v) => +v.toFixed(2)), layers, classes, state, limit, thin: thin ? 'true' : undefined };
  return getJson(apiUrl(imagePath(imageId, '/sources'), params), signal);
}

/**
 * One page of sources for the triage grid.
 * @param {number} imageId
 * @param {{layers?: number[], state?: string, classes?: string[], sort?: string, order?: 'asc'|'desc',
 *          offset?: number, limit?: number}} query
 * @param {AbortSignal} [signal]
 * @returns {Promise<{count: number, items: SourceSummary[]}>}
 */
export function listSources(imageId, query, signal) {
  return getJson(apiUrl(imagePath(imageId, '/sources/list'), query), signal);
}

/**
 * The next (or previous) source after `after` in the server's order (layer, then id), or with `near` the
 * one nearest to that FITS 0-based point, passing over `skip`; only sources in the working set's `filter`
 * (selection/workingSet.js); rejects with a 404 ApiError ("no more unlabelled sources") at the end.
 * @param {number} imageId
 * @param {{after?: number|null, direction: 'next'|'prev', state?: string, layers?: number[], filter?: string,
 *          near?: number[], skip?: number[]}} query
 * @returns {Promise<SourceSummary & {distance_px?: number}>}
 */
export function nextSource(imageId, { after, direction, state = 'unlabelled', layers, filter, near, skip }) {
  return getJson(apiUrl(imagePath(imageId, '/sources/next'), {
    after, direction, state, layers, filter, near, skip: skip?.length ? skip : undefined,
  }));
}

/**
 * @param {number} sourceId
 * @param {AbortSignal} [signal]
 * @returns {Promise<object>} the source with ra/dec, columns, votes {annotator: class} and history
 */
export function getSource(sourceId, signal) {
  return getJson(apiUrl(`/sources/${encodeURIComponent(sourceId)}`), signal);
}

/**
 * URL of a stretched PNG cutout centred on a FITS 0-based position (y up, like the map). Passing the
 * same `stretch` for every band gives them one shared stretch.
 * @param {number} imageId
 * @param {{x: number, y: number, rendition: string, size?: number, scale?: number}} where
 * @param {Record<string, string|number>} stretch from api/tiles.stretchParams
 * @returns {string}
 */
export function cutoutUrl(imageId, { x, y, rendition, size = 48, scale = 2 }, stretch) {
  return apiUrl(imagePath(imageId, '/cutout.png'), {
    x: +x.toFixed(2), y: +y.toFixed(2), size, rendition, scale, ...stretch,
  });
}
