/**
 * Labelling endpoints: the image's label scheme, annotators, and annotations (append-only: a new label
 * supersedes the annotator's previous one; class null retracts it). `client_key` makes a retried POST
 * idempotent: the server answers a repeated key with the original annotation.
 */
import { apiUrl, getJson, sendJson } from './client.js';

/**
 * @param {number} imageId
 * @returns {Promise<{name: string, classes: {id: string, name: string, colour: string, hotkey: string,
 *                    binary?: string}[], binary?: string[]}>}
 */
export function getScheme(imageId) {
  return getJson(apiUrl(`/images/${encodeURIComponent(imageId)}/scheme`));
}

/**
 * Register an annotator (idempotent: the existing one comes back).
 * @param {string} name
 */
export function registerAnnotator(name) {
  return sendJson('POST', apiUrl('/annotators'), { name });
}

/**
 * @typedef {{source_id?: number, geometry?: object, class: string|null, annotator: string,
 *            client_key: string, round_id?: number}} AnnotationBody geometry in FITS 0-based pixels
 */

/**
 * @param {number} imageId
 * @param {AnnotationBody} body
 * @returns {Promise<{annotation: object, source: import('./sources.js').SourceSummary}>}
 */
export function postAnnotation(imageId, body) {
  return sendJson('POST', apiUrl(`/images/${encodeURIComponent(imageId)}/annotations`), body);
}

/**
 * Annotations made since `afterId` (by anyone), for keeping an open map in step with other annotators.
 * @param {number} imageId
 * @param {number} afterId
 * @returns {Promise<object>}
 */
export function annotationsAfter(imageId, afterId) {
  return getJson(apiUrl(`/images/${encodeURIComponent(imageId)}/annotations`, { after_id: afterId }));
}
