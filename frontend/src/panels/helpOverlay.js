/** The help overlay (`?`): the key list, generated from keyboard.js so it can never go stale. */
import { escapeHtml } from './dom.js';

/**
 * @param {HTMLElement} element the #help container
 * @param {import('../store.js').Store} store
 * @param {import('../keyboard.js').Binding[]} bindings
 */
export function mountHelpOverlay(element, store, bindings) {
  const keys = (b) => b.keys.length > 4
    ? `<kbd>${escapeHtml(b.keys[0])}</kbd>–<kbd>${escapeHtml(b.keys[b.keys.length - 1])}</kbd>`
    : b.keys.map((k) => `<kbd>${escapeHtml(k)}</kbd>`).join(' ');
  element.innerHTML = `
    <div class="help-card" role="dialog" aria-label="keyboard shortcuts">
      <h2>Keys</h2>
      <table>${bindings.map((b) => `<tr><td>${keys(b)}</td><td>${escapeHtml(b.label)}</td></tr>`).join('')}</table>
      <h2>Coordinates</h2>
      <p>Pixel positions are FITS 0-based (astropy origin 0: the first pixel's centre is 0, 0) unless marked
        DS9, which counts from 1. North is up only if the image is; see the compass.</p>
      <p>Go to: <code>10:41:22.5 +41:16:07</code>, <code>10h41m22.5s +41d16m07s</code>,
        <code>160.3438 +41.2686</code> (degrees: signed Dec or a <code>d</code> unit), <code>512 300</code> (pixel),
        <code>ds9 513 301</code> (1-based pixel).</p>
      <p class="dismiss">Esc or ? to close</p>
    </div>`;
  store.watch((s) => s.helpOpen, (open) => {
    element.hidden = !open;
  });
  element.addEventListener('click', (event) => {
    if (event.target === element) store.set({ helpOpen: false });
  });
}
