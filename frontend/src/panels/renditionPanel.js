/**
 * Rendition switcher and blink controls. `#rendition-select` lists the image's renditions (colour
 * composites, single bands, custom mixes); the blink set chooses which of them `B` cycles through.
 */
import { escapeHtml, must } from './dom.js';

/**
 * @param {HTMLElement} container
 * @param {import('../store.js').Store} store
 * @param {import('../actions.js').Actions} actions
 * @param {{toggle: () => void}} blinker
 */
export function mountRenditionPanel(container, store, actions, blinker) {
  container.innerHTML = `
    <h2>Rendition</h2>
    <div class="row">
      <select id="rendition-select" title="rendition ([ and ] step, 1-9 pick, b back to previous)"></select>
      <button type="button" id="blink-button" title="cycle through the blink set (B)">Blink</button>
    </div>
    <details id="blink-set-details"><summary>Blink set</summary><div id="blink-set" class="checks"></div></details>`;
  const select = /** @type {HTMLSelectElement} */ (must(container, '#rendition-select'));
  const button = must(container, '#blink-button');
  const blinkSet = must(container, '#blink-set');

  store.watch((s) => s.image, (image) => {
    const renditions = image?.renditions ?? [];
    select.innerHTML = renditions.map((r, i) => {
      const key = i < 9 ? ` [${i + 1}]` : '';
      return `<option value="${escapeHtml(r.name)}" title="${escapeHtml(r.kind)}${r.calibrated ? ', calibrated' : ''}">`
        + `${escapeHtml(r.title || r.name)}${key}</option>`;
    }).join('');
    select.value = store.get().rendition ?? '';
    select.disabled = !renditions.length;
  });
  store.watch((s) => s.rendition, (rendition) => {
    select.value = rendition ?? '';
  });
  store.watch((s) => s.blinkSet, (chosen, s) => {
    blinkSet.innerHTML = (s.image?.renditions ?? []).map((r) => `<label><input type="checkbox"`
      + ` value="${escapeHtml(r.name)}"${chosen.includes(r.name) ? ' checked' : ''}> ${escapeHtml(r.name)}</label>`)
      .join('');
  });
  store.watch((s) => s.blinking, (blinking) => {
    button.classList.toggle('active', blinking);
    button.setAttribute('aria-pressed', String(blinking));
  });

  select.addEventListener('change', () => {
    actions.setRendition(select.value);
    select.blur();
  });
  button.addEventListener('click', () => blinker.toggle());
  blinkSet.addEventListener('change', () => {
    const chosen = [...blinkSet.querySelectorAll('input:checked')].map((i) => /** @type {HTMLInputElement} */ (i).value);
    store.set({ blinkSet: chosen });
  });
}
