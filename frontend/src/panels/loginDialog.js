/**
 * Sign in: `#login-dialog` asks for username (`#login-username`) and password (`#login-password`), or offers the
 * institute sign-in (`#login-oidc`, when the server has OpenID Connect). It resolves with the signed-in user;
 * in local mode it never opens. The header then shows who is signed in and a `#logout` button.
 */
import { authConfig, fetchMe, login, logout } from '../api/auth.js';
import { escapeHtml, must } from './dom.js';

/**
 * @param {HTMLDialogElement} dialog the #login-dialog element
 * @returns {Promise<import('../api/auth.js').Me>}
 */
export async function signIn(dialog) {
  const me = await fetchMe();
  if (me) return me;
  const config = await authConfig().catch(() => ({ oidc: false, oidc_name: '' }));
  dialog.innerHTML = `
    <form id="login-form">
      <h2>Sign in to skylabel</h2>
      <p>This server is shared by a team: your labels are saved under your account.</p>
      <label>username <input id="login-username" type="text" autocomplete="username" spellcheck="false" required></label>
      <label>password <input id="login-password" type="password" autocomplete="current-password" required></label>
      <p id="login-error" class="error" role="alert" hidden></p>
      <div class="row dialog-buttons">
        ${config.oidc ? `<a id="login-oidc" href="/api/auth/oidc/login">Sign in with ${escapeHtml(config.oidc_name)}</a>` : ''}
        <button type="submit" id="login-submit">Sign in</button>
      </div>
    </form>`;
  const form = must(dialog, '#login-form');
  const username = /** @type {HTMLInputElement} */ (must(dialog, '#login-username'));
  const password = /** @type {HTMLInputElement} */ (must(dialog, '#login-password'));
  const error = must(dialog, '#login-error');
  dialog.addEventListener('cancel', (event) => event.preventDefault()); // nothing works before signing in
  dialog.showModal();
  username.focus();
  return new Promise((resolve) => {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const signedIn = await login(username.value.trim(), password.value);
        dialog.close();
        resolve(signedIn);
      } catch (err) {
        error.textContent = err instanceof Error ? err.message : String(err);
        error.hidden = false;
        password.select();
      }
    });
  });
}

/**
 * Who is signed in, in the header (accounts mode): the name and a logout button.
 * @param {HTMLElement} header
 * @param {import('../api/auth.js').Me} me
 */
export function mountSignedIn(header, me) {
  document.body.dataset.user = me.username;
  document.body.dataset.authMode = me.mode;
  if (me.via !== 'session') return;
  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'logout';
  button.title = `signed in as ${me.username}: sign out`;
  button.textContent = 'sign out';
  button.addEventListener('click', async () => {
    await logout().catch(() => undefined);
    window.location.reload();
  });
  header.insertBefore(button, header.lastElementChild);
}
