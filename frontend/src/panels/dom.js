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
