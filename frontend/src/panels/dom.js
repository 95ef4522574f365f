/** Small DOM helpers shared by the panels (no framework: panels write HTML strings and bind events). */

/**
 * Escape text for HTML content and attribute values: names come from FITS headers and user input.
 * @param {unknown} text
 * @returns {string}
 */
export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * @param {ParentNode} root
 * @param {string} selector
 * @returns {HTMLElement} the element; a missing one is a programming error in the panel's template
 */
export function must(root, selector) {
  const el = root.querySelector(selector);
  if (!el) throw new Error(`panel template has no ${selector}`);
  return /** @type {HTMLElement} */ (el);
}

/**
 * Tie a <dialog> to the store's `dialog` field: it opens (result area cleared) when `dialog` becomes `name`,
 * closes otherwise, and closing it (Escape, a `[data-close]` button) clears the field.
 * @param {HTMLDialogElement} dialog
 * @param {string} name
 * @param {{get: Function, set: Function, watch: Function}} store
 * @param {HTMLElement} result
 */
export function bindDialogToStore(dialog, name, store, result) {
  dialog.addEventListener('click', (event) => {
    if (/** @type {HTMLElement} */ (event.target).closest('[data-close]')) dialog.close();
  });
  dialog.addEventListener('close', () => {
    if (store.get().dialog === name) store.set({ dialog: null });
  });
  store.watch((s) => s.dialog, (which) => {
    if (which === name && !dialog.open) {
      result.textContent = '';
      delete result.dataset.state;
      dialog.showModal();
    } else if (which !== name && dialog.open) {
      dialog.close();
    }
  });
}
