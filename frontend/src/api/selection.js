/**
 * The working set's endpoints: the diagrams' photometry, regions (polygon, box, circle; FITS 0-based
 * pixels) with DS9 files in and out, and the header's labelling progress.
 */
import { apiUrl, getJson, sendForm, sendJson } from './client.js';

const imagePath = (imageId, rest) => `/images/${encodeURIComponent(imageId)}${rest}`;

/**
 * @typedef {{count: number, columns: string[], id: number[], layer_id: number[], x: number[], y: number[],
 *   label_class: (string|null)[], reference_class: (string|null)[], predicted_class: (string|null)[],
 *   values: Record<string, (number|null)[]>, sentinels: Record<string, number[]>}} Photometry
 */

/**
 * @param {number} imageId
 * @param {{layers?: number[], columns?: string[]}} query
 * @param {AbortSignal} [signal]
 * @returns {Promise<Photometry>}
 */
export function getPhotometry(imageId, { layers, columns } = {}, signal) {
  return getJson(apiUrl(imagePath(imageId, '/photometry'), { layers, columns }), signal);
}

/** @typedef {{id: number, image_id: number, name: string, kind: 'polygon'|'box'|'circle', geometry: object}} Region */

/** @param {number} imageId @returns {Promise<Region[]>} */
export function listRegions(imageId) {
  return getJson(apiUrl(imagePath(imageId, '/regions')));
}

/**
 * @param {number} imageId
 * @param {{kind: string, geometry: object, name?: string}} region
 * @returns {Promise<Region>}
 */
export function createRegion(imageId, region) {
  return sendJson('POST', apiUrl(imagePath(imageId, '/regions')), region);
}

/** @param {number} regionId */
export function deleteRegion(regionId) {
  return sendJson('DELETE', apiUrl(`/regions/${encodeURIComponent(regionId)}`));
}

/** @param {number} imageId @param {File} file a DS9 region file @returns {Promise<Region[]>} */
export function importRegions(imageId, file) {
  const form = new FormData();
  form.append('file', file);
  return sendForm(apiUrl(imagePath(imageId, '/regions/import')), form);
}

/** @param {number} imageId @returns {string} the DS9 export's URL */
export function regionsExportUrl(imageId) {
  return apiUrl(imagePath(imageId, '/regions.reg'));
}

/**
 * @param {number} imageId
 * @param {string|null} annotator
 * @returns {Promise<{sources: number, labelled: number, mine: number|null}>}
 */
export function getProgress(imageId, annotator) {
  return getJson(apiUrl(imagePath(imageId, '/progress'), { annotator }));
}

/**
 * Open a labelling round for the working set's unlabelled sources; they become the picked layer.
 * @param {number} imageId
 * @param {string} filter the working set's JSON (selection/workingSet.js filterParam)
 * @param {string} [name]
 * @returns {Promise<{round: {id: number, number: number, name: string}, layer_id: number, count: number}>}
 */
export function sendToRound(imageId, filter, name = '') {
  return sendJson('POST', apiUrl(imagePath(imageId, '/rounds/from-working-set')), { name, filter: JSON.parse(filter) });
}
