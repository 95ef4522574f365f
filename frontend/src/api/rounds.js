/**
 * Consensus rounds (issue 9): the rounds of an image, the caller's queue, open / close, the agreement
 * report, adjudication. Who is asking travels as the `X-Skylabel-Annotator` header (api/client.js).
 */
import { apiUrl, getJson, sendJson } from './client.js';

/**
 * @typedef {{id: number, image_id: number, number: number, name: string, state: string, k: number|null,
 *            blind: boolean, show_predictions: boolean, show_previous_majority: boolean,
 *            created_by: string|null, annotators: string[], sources: number[]}} RoundPublic
 * @typedef {{source_id: number, position: number, repeat: boolean, done: boolean, x: number, y: number,
 *            prediction?: {class: string, score: number}, previous_majority?: string|null}} QueueItem
 * @typedef {{round_id: number, state: string, annotator: string, done: number, total: number,
 *            items: QueueItem[]}} Queue
 */

/** @param {number} imageId @returns {Promise<RoundPublic[]>} */
export function listRounds(imageId) {
  return getJson(apiUrl(`/images/${encodeURIComponent(imageId)}/rounds`));
}

/**
 * @param {number} imageId
 * @param {object} body {name, k, annotators, blind, show_predictions, sources | sample: {regions, n, layer}}
 * @returns {Promise<RoundPublic>}
 */
export function createRound(imageId, body) {
  return sendJson('POST', apiUrl(`/images/${encodeURIComponent(imageId)}/rounds`), body);
}

/** @param {number} roundId @param {'open'|'close'} action @returns {Promise<RoundPublic>} */
export function changeRound(roundId, action) {
  return sendJson('POST', apiUrl(`/rounds/${encodeURIComponent(roundId)}/${action}`));
}

/** @param {number} roundId @returns {Promise<Queue>} */
export function getQueue(roundId) {
  return getJson(apiUrl(`/rounds/${encodeURIComponent(roundId)}/queue`));
}

/** @param {number} roundId @returns {Promise<object>} the agreement report */
export function getReport(roundId) {
  return getJson(apiUrl(`/rounds/${encodeURIComponent(roundId)}/report`));
}

/**
 * @param {number} roundId
 * @param {{source_id: number, class: string, note: string}} body
 */
export function adjudicate(roundId, body) {
  return sendJson('POST', apiUrl(`/rounds/${encodeURIComponent(roundId)}/adjudicate`), body);
}
