/**
 * The one place the browser talks to the server. Every request in the app goes through `getJson`,
 * `getBlob`, `sendJson` or `sendForm`, so error handling is uniform: a 4xx/5xx becomes an `ApiError` whose message is the server's
 * `{"detail": ...}` text (written for the user), shown in the status line by the caller.
 *
 * All URLs are same-origin and relative to `/api` (the FastAPI server serves the built app at `/`).
 */

export const API_ROOT = '/api';

/** Who is asking, sent as `X-Skylabel-Annotator` with every request (blind rounds, my queue): the annotator
 * name until accounts exist, when the session cookie says it instead. */
let caller = '';

/** @param {string} name the annotator name ('' for nobody) */
export function setCaller(name) {
  caller = name || '';
}

/** The session's CSRF token (from login or `/api/auth/me`), sent with every unsafe request. */
let csrfToken = '';

/** @param {string|null|undefined} token the `csrf_token` the server gave this session */
export function setCsrfToken(token) {
  csrfToken = token ?? '';
}

/**
 * Headers of a request: JSON and images accepted; `X-CSRF-Token` on unsafe methods once signed in.
 * @param {RequestInit} init
 * @returns {Record<string, string>}
 */
export function requestHeaders(init = {}) {
  const method = (init.method ?? 'GET').toUpperCase();
  const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(method);
  return {
    Accept: 'application/json, image/*',
    ...(caller ? { 'X-Skylabel-Annotator': caller } : {}),
    ...(unsafe && csrfToken ? { 'X-CSRF-Token': csrfToken } : {}),
    ...(/** @type {Record<string, string>} */ (init.headers ?? {})),
  };
}

/** A failed API call, carrying the server's user-facing `detail` message and the HTTP status. */
export class ApiError extends Error {
  /**
   * @param {string} message user-facing text (the server's `detail`, or a description of the failure)
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {string} url the URL that failed
   */
  constructor(message, status, url) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.url = url;
  }
}

/**
 * Build a URL under `/api` with query parameters; arrays become comma-separated lists (the API's
 * convention for `x=1.5,2`), and null/undefined/'' values are dropped.
 * @param {string} path path below the API root, starting with '/'
 * @param {Record<string, unknown>} [params]
 * @returns {string}
 */
export function apiUrl(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === '') continue;
    query.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const qs = query.toString();
  return `${API_ROOT}${path}${qs ? `?${qs}` : ''}`;
}

/**
 * Turn a non-OK response into an ApiError, reading FastAPI's `{"detail": ...}` when present
 * (a string, or a list of validation errors whose `msg` fields are joined).
 * @param {Response} response
 * @returns {Promise<ApiError>}
 */
async function errorFrom(response) {
  let message = `${response.status} ${response.statusText || 'error'} from ${response.url}`;
  try {
    const body = await response.json();
    if (typeof body?.detail === 'string') {
      message = body.detail;
    } else if (Array.isArray(body?.detail)) {
      message = body.detail.map((d) => `${(d.loc || []).slice(1).join('.')}: ${d.msg}`).join('; ');
    }
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(message, response.status, response.url);
}

/**
 * @param {string} url
 * @param {AbortSignal} [signal]
 * @param {RequestInit} [init] method, body and extra headers for writes
 * @returns {Promise<Response>}
 */
async function send(url, signal, init = {}) {
  let response;
  try {
    response = await fetch(url, { ...init, signal, credentials: 'same-origin', headers: requestHeaders(init) });
  } catch (err) {
    if (err?.name === 'AbortError') throw err;
    throw new ApiError(`cannot reach the skylabel server (${url}): is it running?`, 0, url);
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

/**
 * GET a JSON document.
 * @param {string} url from `apiUrl`
 * @param {AbortSignal} [signal]
 * @returns {Promise<any>}
 */
export async function getJson(url, signal) {
  const response = await send(url, signal);
  return response.json();
}

/**
 * GET a binary body (tiles).
 * @param {string} url from `apiUrl`
 * @param {AbortSignal} [signal]
 * @returns {Promise<Blob>}
 */
export async function getBlob(url, signal) {
  const response = await send(url, signal);
  return response.blob();
}

/**
 * Send a JSON body (POST, PATCH, DELETE) and read the JSON answer (null for an empty one, e.g. 204).
 * @param {'POST'|'PATCH'|'PUT'|'DELETE'} method
 * @param {string} url from `apiUrl`
 * @param {unknown} [body] serialised as JSON; omitted when undefined
 * @param {AbortSignal} [signal]
 * @returns {Promise<any>}
 */
export async function sendJson(method, url, body, signal) {
  const init = body === undefined ? { method }
    : { method, body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } };
  const response = await send(url, signal, init);
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/**
 * POST a multipart form (file uploads); the browser sets the multipart boundary itself.
 * @param {string} url from `apiUrl`
 * @param {FormData} form
 * @returns {Promise<any>} the JSON answer
 */
export async function sendForm(url, form) {
  const response = await send(url, undefined, { method: 'POST', body: form });
  return response.json();
}
