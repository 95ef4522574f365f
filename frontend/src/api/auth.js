/**
 * Who is signed in: `GET /api/auth/me`, password login, logout, and what sign-in the server offers.
 * In local mode (a loopback server) `me` answers at once with the implicit owner; in accounts mode it is a
 * 401 until the user signs in. Every unsafe request then carries the session's CSRF token (see `client.js`).
 */
import { ApiError, apiUrl, getJson, sendJson, setCsrfToken } from './client.js';

/**
 * @typedef {object} Me
 * @property {string} username
 * @property {string} display_name
 * @property {Record<string, string>} roles project id -> viewer | annotator | reviewer | owner
 * @property {'local'|'accounts'} mode
 * @property {'local'|'session'|'token'} via
 * @property {string|null} csrf_token
 */

/** @returns {Promise<Me|null>} the caller, or null when nobody is signed in (401) */
export async function fetchMe() {
  try {
    const me = await getJson(apiUrl('/auth/me'));
    setCsrfToken(me.csrf_token);
    return me;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

/** @returns {Promise<{mode: string, oidc: boolean, oidc_name: string}>} */
export function authConfig() {
  return getJson(apiUrl('/auth/config'));
}

/**
 * @param {string} username
 * @param {string} password
 * @returns {Promise<Me>} the signed-in user (the session cookie is set by the answer)
 */
export async function login(username, password) {
  const me = await sendJson('POST', apiUrl('/auth/login'), { username, password });
  setCsrfToken(me.csrf_token);
  return me;
}

/** End the session on the server. */
export async function logout() {
  await sendJson('POST', apiUrl('/auth/logout'));
  setCsrfToken(null);
}

/**
 * The best role the user has on any project ('owner' in local mode).
 * @param {Me} me
 * @returns {string|null}
 */
export function bestRole(me) {
  if (me.mode === 'local') return 'owner';
  const order = ['viewer', 'annotator', 'reviewer', 'owner'];
  let best = -1;
  for (const role of Object.values(me.roles)) best = Math.max(best, order.indexOf(role));
  return best < 0 ? null : order[best];
}
