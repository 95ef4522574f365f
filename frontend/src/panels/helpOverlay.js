/**
 * The help overlay (`?`): the key list, generated from keyboard.js so it can never go stale, grouped as
 * the table groups it, with the open image's label classes and their keys.
 */
import { classKeyMap } from '../labels/classKeys.js';
import { escapeHtml, must } from './dom.js';

/**
 * @param {HTMLElement} element the #help container
 * @param {import('../store.js').Store} store
 * @param {import('../keyboard.js').Binding[]} bindings
 */
export function mountHelpOverlay(element, store, bindings) {
  const keys = (b) => b.keys.length > 4
    ? `<kbd>${escapeHtml(b.keys[0])}</kbd>–<kbd>${escapeHtml(b.keys[b.keys.length - 1])}</kbd>`
    : b.keys.map((k) => `<kbd>${escapeHtml(k)}</kbd>`).join(' ');
  const groups = [...new Set(bindings.map((b) => b.group ?? 'Keys'))];
  const tables = groups.map((g) => `<h2>${escapeHtml(g)}</h2><table>${bindings
    .filter((b) => (b.group ?? 'Keys') === g && b.label)
    .map((b) => `<tr><td>${keys(b)}</td><td>${escapeHtml(b.label)}</td></tr>`).join('')}</table>`).join('');
  element.innerHTML = `
    <div class="help-card" role="dialog" aria-label="keyboard shortcuts">
      <h2>Classes</h2><table id="help-classes"></table>
      ${tables}
      <h2>Coordinates</h2>
      <p>Pixel positions are FITS 0-based (astropy origin 0: the first pixel's centre is 0, 0) unless marked
        DS9, which counts from 1. North is up only if the image is; see the compass.</p>
      <p>Go to: <code>10:41:22.5 +41:16:07</code>, <code>10h41m22.5s +41d16m07s</code>,
        <code>160.3438 +41.2686</code> (degrees: signed Dec or a <code>d</code> unit), <code>512 300</code> (pixel),
        <code>ds9 513 301</code> (1-based pixel).</p>
      <p class="dismiss">Esc or ? to close</p>
    </div>`;
  const classes = must(element, '#help-classes');
  store.watch((s) => s.scheme, (scheme) => {
    const map = classKeyMap(scheme);
    classes.innerHTML = [...map.entries()].map(([key, c]) => `<tr><td><kbd>${escapeHtml(key)}</kbd></td>`
      + `<td><span class="swatch" style="border-color:${escapeHtml(c.colour)}"></span>${escapeHtml(c.name)}</td></tr>`).join('')
      || '<tr><td colspan="2">open an image to see its label scheme</td></tr>';
  });
  store.watch((s) => s.helpOpen, (open) => {
    element.hidden = !open;
  });
  element.addEventListener('click', (event) => {
    if (event.target === element) store.set({ helpOpen: false });
  });
}
