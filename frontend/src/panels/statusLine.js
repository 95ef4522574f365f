/**
 * The status line `#status`: the latest message for the user, most often a server error's `detail`.
 * Errors stay until the next message; information fades after a few seconds.
 */

const INFO_MS = 4000;

/**
 * @param {HTMLElement} element
 * @param {import('../store.js').Store} store
 */
export function mountStatusLine(element, store) {
  /** @type {ReturnType<typeof setTimeout>|null} */
  let timer = null;
  element.setAttribute('role', 'status');
  element.setAttribute('aria-live', 'polite');
  store.watch((s) => s.status, (status) => {
    if (timer) clearTimeout(timer);
    timer = null;
    element.textContent = status?.message ?? '';
    element.dataset.level = status?.level ?? '';
    element.hidden = !status;
    if (status && status.level === 'info') {
      timer = setTimeout(() => {
        element.hidden = true;
      }, INFO_MS);
    }
  });
  element.addEventListener('click', () => {
    element.hidden = true;
  });
}
