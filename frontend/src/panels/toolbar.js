/**
 * The labelling toolbar over the map: the tools (select, point, box, polygon), the triage grid, and the
 * import and detect dialogs, each with its key. Buttons carry `data-tool` / `data-action`; the active
 * tool has `aria-pressed="true"`.
 */
import { TOOLS } from '../tools/drawTools.js';
import { escapeHtml } from './dom.js';

export const TOOL_KEYS = { select: 'v', point: 'a', box: 'r', polygon: 'o' };
const TOOL_TITLES = {
  select: 'select: click a ring',
  point: 'point: click a position',
  box: 'box: click two corners',
  polygon: 'polygon: click the corners, double-click to finish',
};

/**
 * @param {HTMLElement} container the #toolbar element
 * @param {import('../store.js').Store} store
 */
export function mountToolbar(container, store) {
  const tools = TOOLS.map((t) => `<button type="button" data-tool="${t}" title="${escapeHtml(TOOL_TITLES[t])} (${TOOL_KEYS[t]})">`
    + `${t} <kbd>${TOOL_KEYS[t]}</kbd></button>`).join('');
  container.innerHTML = `<div class="tools" role="toolbar" aria-label="labelling tools">${tools}</div>
    <button type="button" data-action="triage" title="triage grid: many sources as cutouts (t)">grid <kbd>t</kbd></button>
    <button type="button" data-action="import" title="import a catalogue as a layer (i)">import <kbd>i</kbd></button>
    <button type="button" data-action="detect" title="detect sources with sep (d)">detect <kbd>d</kbd></button>`;

  container.addEventListener('click', (event) => {
    const el = /** @type {HTMLElement} */ (event.target).closest('button');
    if (!el) return;
    if (el.dataset.tool) store.set({ tool: el.dataset.tool });
    if (el.dataset.action === 'triage') store.set({ triageOpen: !store.get().triageOpen });
    if (el.dataset.action === 'import' || el.dataset.action === 'detect') store.set({ dialog: el.dataset.action });
    el.blur();
  });
  store.watch((s) => s.tool, (tool) => {
    for (const b of container.querySelectorAll('[data-tool]')) {
      b.setAttribute('aria-pressed', String(b.getAttribute('data-tool') === tool));
    }
  });
  store.watch((s) => s.triageOpen, (open) => {
    container.querySelector('[data-action="triage"]')?.setAttribute('aria-pressed', String(open));
  });
}
