/**
 * Layer endpoints: list, restyle, delete, import a catalogue as a layer, run source detection, and the
 * export URLs. A layer is one set of sources on one image (detections, reference catalogue, picked for
 * annotation, annotations), drawn with its own `style`.
 */
import { apiUrl, getJson, sendForm, sendJson } from './client.js';

export const IMPORT_FORMATS = ['sextractor', 'legus', 'geojson', 'ds9', 'csv', 'ecsv', 'fits', 'votable'];
/** Formats read as tables, whose columns a mapping can name. */
export const TABLE_FORMATS = ['csv', 'ecsv', 'fits', 'votable'];
export const EXPORT_FORMATS = ['ecsv', 'fits', 'votable', 'geojson', 'ds9', 'csv'];
export const LAYER_KINDS = ['detections', 'reference', 'picked', 'annotation'];

/**
 * @param {number} imageId
 * @returns {Promise<object[]>} `[{id, name, kind, style, n_sources, source_file, meta, created_at}]`
 */
export function listLayers(imageId) {
  return getJson(apiUrl(`/images/${encodeURIComponent(imageId)}/layers`));
}

/**
 * @param {number} layerId
 * @param {{name?: string, style?: object}} patch
 * @returns {Promise<object>} the updated layer
 */
export function updateLayer(layerId, patch) {
  return sendJson('PATCH', apiUrl(`/layers/${encodeURIComponent(layerId)}`), patch);
}

/**
 * @param {number} layerId
 * @param {boolean} [force] delete even when annotators labelled its sources (the server refuses with 409 otherwise)
 */
export function deleteLayer(layerId, force = false) {
  return sendJson('DELETE', apiUrl(`/layers/${encodeURIComponent(layerId)}`, { force: force || undefined }));
}

/**
 * Upload a catalogue file as a new layer.
 * @param {number} imageId
 * @param {FormData} form fields `file`, and optionally `format` (guessed without), `name`, `kind`, `layout`,
 *   `mapping` (JSON), `positions` (auto | pixel | sky)
 * @returns {Promise<{layer: object, imported: number, outside: {count: number, ids: string[]},
 *                    unplaced: {count: number, ids: string[]}, labels: number, notes: string[]}>}
 */
export function importCatalogue(imageId, form) {
  return sendForm(apiUrl(`/images/${encodeURIComponent(imageId)}/layers/import`), form);
}

/**
 * Run source detection (sep) on one or more bands; the detections become a new layer.
 * @param {number} imageId
 * @param {{bands: string[], threshold: number, minarea: number, name?: string}} params
 * @returns {Promise<{layer: object, detected: number, outside?: {count: number}, notes?: string[]}>}
 */
export function detectSources(imageId, params) {
  return sendJson('POST', apiUrl(`/images/${encodeURIComponent(imageId)}/detect`), params);
}

/**
 * @param {number} imageId
 * @param {string} format one of EXPORT_FORMATS
 * @param {number[]} [layers] restrict to these layers (all when empty)
 * @returns {string} a download URL (the server sends Content-Disposition)
 */
export function exportUrl(imageId, format, layers = []) {
  return apiUrl(`/images/${encodeURIComponent(imageId)}/export`, { format, layers });
}
