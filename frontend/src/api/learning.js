/**
 * The AI loop's endpoints (backend/api/routes/learning.py): start BYOL pretraining or a probe refit (both
 * answer 202 with a task), the image's tasks, where its model stands (encoder, probe, accuracy history),
 * the probe's predictions in a box, the sources to label next (which also become the "picked" layer), the
 * 2-D embedding map and "more like this".
 *
 * Boxes and positions are FITS 0-based pixels (astropy origin 0), as everywhere in the API. A "model
 * version" is the server's model-version id (`model_version`), unique per image and kind; `version` is its
 * number within the image (probe v3).
 */
import { apiUrl, getJson, sendJson } from './client.js';

const imagePath = (imageId, rest) => `/images/${encodeURIComponent(imageId)}${rest}`;

/** The acquisition strategies the server knows (models.acquisition), in the order the selector shows them. */
export const STRATEGIES = ['entropy', 'margin', 'diverse', 'random'];
/** Encoders of `POST .../pretrain`: auto picks StarcNet on a GPU and the small ResNet on a CPU. */
export const ENCODERS = ['auto', 'resnet', 'starcnet'];
/** Pretraining recipes (models/recipes.py): measured = the best of the label-efficiency ablations; paper = Appendix B/C. */
export const RECIPES = ['measured', 'paper'];

/**
 * @typedef {{id: number, name: string, status: 'queued'|'running'|'done'|'failed', progress: number,
 *            message: string, detail?: {step?: number, steps?: number, loss?: number, images_per_s?: number},
 *            error?: string|null}} Task a task run, or its `task` event (no params or result)
 * @typedef {{source_id: number, x: number, y: number, class: string, score: number, entropy: number,
 *            probs: Record<string, number>, binary?: {group: string, p: number, entropy: number}|null,
 *            rank: number|null, pseudo_label: string|null}} Prediction (`binary`: the answer to the scheme's
 *            binary question, what the uncertainty picks rank by)
 */

/**
 * @param {number} imageId
 * @param {{steps: number, batch_size: number, encoder: string, recipe?: string}} params
 * @returns {Promise<{task: Task}>} the pretraining task (the same one when an equal request is running or done)
 */
export function startPretrain(imageId, params) {
  return sendJson('POST', apiUrl(imagePath(imageId, '/learning/pretrain')), params);
}

/**
 * Refit the linear probe on the current labels (its predictions arrive as a `scores` event).
 * @param {number} imageId
 * @returns {Promise<{task: Task}>}
 */
export function startRetrain(imageId) {
  return sendJson('POST', apiUrl(imagePath(imageId, '/learning/retrain')), {});
}

/**
 * @param {number} imageId
 * @param {number} [limit]
 * @returns {Promise<{count: number, items: Task[]}>} newest first
 */
export function listTasks(imageId, limit = 10) {
  return getJson(apiUrl(imagePath(imageId, '/tasks'), { limit }));
}

/**
 * @param {number} imageId
 * @returns {Promise<object>} `{has_encoder, encoder, embeddings, probe, n_labels, validation_accuracy,
 *   history: [{model_version, version, n_labels, validation_accuracy, created_at}], active_tasks}`
 */
export function getLearningStatus(imageId) {
  return getJson(apiUrl(imagePath(imageId, '/learning')));
}

/**
 * The current probe's predictions for the sources inside a FITS 0-based box.
 * @param {number} imageId
 * @param {{bbox?: number[], limit?: number}} query
 * @param {AbortSignal} [signal]
 * @returns {Promise<{model_version: number|null, version: number|null, count: number, truncated: boolean,
 *                    items: Prediction[]}>}
 */
export function getPredictions(imageId, { bbox, limit = 5000 }, signal) {
  const params = { bbox: bbox?.map((v) => +v.toFixed(2)), limit };
  return getJson(apiUrl(imagePath(imageId, '/predictions'), params), signal);
}

/**
 * The `k` sources the acquisition function picks, best first (original sources, not the picked layer's
 * copies), made the image's "picked" layer (`POST`; a `GET` of the same path only proposes them).
 * @param {number} imageId
 * @param {{strategy: string, k?: number, filter?: string}} query
 * @param {AbortSignal} [signal]
 * @returns {Promise<{task: number, strategy: string, layer_id: number, model_version: number|null,
 *                    question: string, count: number,
 *                    items: (import('./sources.js').SourceSummary & {rank: number})[]}>}
 */
export function pickNextToLabel(imageId, { strategy, k = 20, filter }, signal) {
  return sendJson('POST', apiUrl(imagePath(imageId, '/learning/next'), { strategy, k, filter }), undefined, signal);
}

/**
 * @param {number} imageId
 * @param {AbortSignal} [signal]
 * @returns {Promise<{model_version: number, version: number, explained_variance: number[], count: number,
 *   items: {source_id: number, pc: [number, number], label_class: string|null, class: string|null,
 *           score: number|null}[]}>}
 */
export function getEmbedding(imageId, signal) {
  return getJson(apiUrl(imagePath(imageId, '/embedding')), signal);
}

/**
 * @param {number} sourceId
 * @param {number} [k]
 * @param {AbortSignal} [signal]
 * @returns {Promise<{source_id: number, model_version: number, note?: string|null, items: {source_id: number, similarity: number,
 *   x: number, y: number, label_class: string|null, class: string|null, score: number|null}[]}>}
 */
export function getSimilar(sourceId, k = 12, signal) {
  return getJson(apiUrl(`/sources/${encodeURIComponent(sourceId)}/similar`, { k }), signal);
}
