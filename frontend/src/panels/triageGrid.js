/**
 * The triage grid view (`t`): a page of sources as cutouts in the current rendition and stretch, with
 * their id, class and key columns, filtered by layer / label state / class and sorted by id, position or a
 * catalogue column. `#triage-grid` holds the cells (`data-source-id`; the focused one has `.focused`).
 * Arrow keys move the focus, class keys label the focused source and advance (keyboard.js); a click
 * focuses a cell. Labels update the cells in place, so the page does not jump while you work.
 */
import { cutoutUrl } from '../api/sources.js';
import { stretchParams } from '../api/tiles.js';
import { classColour, classLabel } from '../labels/classKeys.js';
import { columnsFor } from '../triage/gridNav.js';
import { escapeHtml, must } from './dom.js';
import {
  formatColumn, layerKeyColumns, sortableColumns, splitColumns,
} from './sourceColumns.js';

const CELL_WIDTH = 118;
const CUTOUT = { size: 32, scale: 3 };

/**
 * @param {HTMLElement} container the #triage-panel element
 * @param {import('../store.js').Store} store
 * @param {import('../triage/triageController.js').Triage} triage
 * @returns {{columns: () => number}} cells per row, as laid out now
 */
export function mountTriageGrid(container, store, triage) {
  container.innerHTML = `
    <div class="triage-bar row">
      <strong>Triage</strong>
      <select id="triage-layer" title="layer"></select>
      <select id="triage-state" title="label state">
        <option value="unlabelled">unlabelled</option><option value="unvoted">not voted by me</option><option value="labelled">labelled</option><option value="all">all</option>
      </select>
      <select id="triage-class" title="class"></select>
      <select id="triage-sort" title="sort by"></select>
      <button type="button" id="triage-order" title="ascending / descending"></button>
      <span id="triage-range" class="muted"></span>
      <button type="button" data-page="-1" title="previous page (↑ on the first row)">‹</button>
      <button type="button" data-page="1" title="next page (↓ on the last row)">›</button>
      <button type="button" data-close title="close the grid (t)">✕</button>
    </div>
    <div id="triage-grid" role="grid" aria-label="sources to triage"></div>
    <p class="note">←↑→↓ move · class keys label and advance · <kbd>t</kbd> back to the map</p>`;
  const grid = must(container, '#triage-grid');
  const selects = {
    layer: /** @type {HTMLSelectElement} */ (must(container, '#triage-layer')),
    state: /** @type {HTMLSelectElement} */ (must(container, '#triage-state')),
    cls: /** @type {HTMLSelectElement} */ (must(container, '#triage-class')),
    sort: /** @type {HTMLSelectElement} */ (must(container, '#triage-sort')),
  };
  const order = must(container, '#triage-order');
  const range = must(container, '#triage-range');

  /** Cells per row as laid out (those sharing the first cell's top), else an estimate from the width. */
  const columns = () => {
    const cells = /** @type {HTMLElement[]} */ ([...grid.querySelectorAll('.cell')]);
    if (cells.length && cells[0].offsetWidth) {
      const top = cells[0].offsetTop;
      const n = cells.findIndex((c) => c.offsetTop !== top);
      return n === -1 ? cells.length : n;
    }
    return columnsFor(grid.clientWidth || container.clientWidth, CELL_WIDTH);
  };

  function renderControls() {
    const { layers, scheme, triageQuery: q, triagePage: page } = store.get();
    selects.layer.innerHTML = `<option value="">all visible layers</option>${layers.map((l) => `<option value="${l.id}">${escapeHtml(l.name)}</option>`).join('')}`;
    selects.cls.innerHTML = `<option value="">any class</option>${(scheme?.classes ?? []).map((c) => `<option value="${escapeHtml(c.id)}">${escapeHtml(`${c.id} ${c.name}`)}</option>`).join('')}`;
    const sorts = [...new Set(['id', 'x', 'y', 'n_votes', ...layerKeyColumns(layers), ...sortableColumns(page?.items ?? [])])];
    if (!sorts.includes(q.sort)) sorts.push(q.sort);
    selects.sort.innerHTML = sorts.map((c) => `<option value="${escapeHtml(c)}">sort: ${escapeHtml(c)}</option>`).join('');
    for (const [k, el] of Object.entries(selects)) el.value = q[k];
    order.textContent = q.order === 'desc' ? '↓ desc' : '↑ asc';
  }

  function cellState(cell, s, item) {
    const override = s.overrides[item.id];
    const cls = override && 'label_class' in override ? override.label_class : item.label_class;
    const badge = /** @type {HTMLElement} */ (cell.querySelector('.cls'));
    badge.textContent = cls === null || cls === undefined ? '–' : String(cls);
    badge.title = classLabel(s.scheme, cls);
    badge.style.borderColor = classColour(s.scheme, cls) ?? 'transparent';
    cell.dataset.class = cls ?? '';
    cell.dataset.save = s.saveStates[item.id] ?? '';
  }

  function renderCells() {
    const s = store.get();
    const page = s.triagePage;
    if (!page || !s.image) {
      grid.innerHTML = '';
      range.textContent = '';
      return;
    }
    range.textContent = page.count ? `${page.offset + 1}–${page.offset + page.items.length} of ${page.count}` : 'none';
    const stretch = stretchParams(s.stretch);
    grid.innerHTML = page.items.map((item, i) => {
      const cols = splitColumns(item.columns ?? {}).key.filter(([, v]) => v !== null && v !== undefined).slice(0, 2)
        .map(([k, v]) => `<span title="${escapeHtml(k)}">${escapeHtml(k.replace(/^mag_/, ''))} ${escapeHtml(formatColumn(v))}</span>`).join(' ');
      const src = cutoutUrl(s.image.id, { x: item.x, y: item.y, rendition: /** @type {string} */ (s.rendition), ...CUTOUT }, stretch);
      return `<div class="cell" role="gridcell" data-index="${i}" data-source-id="${item.id}">`
        + `<img alt="source ${item.id}" loading="lazy" width="96" height="96" src="${escapeHtml(src)}">`
        + `<span class="id">#${item.id}</span><span class="cls"></span><span class="cols">${cols}</span></div>`;
    }).join('');
    grid.querySelectorAll('.cell').forEach((cell, i) => cellState(cell, s, page.items[i]));
    renderFocus();
  }

  function renderFocus() {
    const s = store.get();
    grid.querySelector('.cell.focused')?.classList.remove('focused');
    const cell = grid.querySelector(`.cell[data-index="${s.triageFocus}"]`);
    if (!cell) return;
    cell.classList.add('focused');
    cell.setAttribute('aria-selected', 'true');
    cell.scrollIntoView({ block: 'nearest' });
  }

  function renderStates() {
    const s = store.get();
    const items = s.triagePage?.items ?? [];
    grid.querySelectorAll('.cell').forEach((cell, i) => items[i] && cellState(cell, s, items[i]));
  }

  store.watch((s) => s.triageOpen, (open) => {
    container.hidden = !open;
    document.body.classList.toggle('triage-open', open);
  });
  store.watch((s) => s.triagePage, () => {
    renderControls();
    renderCells();
  });
  store.watch((s) => s.layers, renderControls);
  store.watch((s) => s.scheme, renderControls);
  store.watch((s) => s.triageQuery, renderControls);
  store.watch((s) => s.rendition, renderCells);
  store.watch((s) => s.stretch, renderCells);
  store.watch((s) => s.triageFocus, renderFocus);
  store.watch((s) => s.overrides, renderStates);
  store.watch((s) => s.saveStates, renderStates);

  for (const [k, el] of Object.entries(selects)) {
    el.addEventListener('change', () => {
      triage.setQuery({ [k]: el.value });
      el.blur();
    });
  }
  order.addEventListener('click', () => {
    triage.setQuery({ order: store.get().triageQuery.order === 'desc' ? 'asc' : 'desc' });
    order.blur();
  });
  container.addEventListener('click', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    const cell = target.closest('.cell');
    if (cell) triage.focusCell(Number(cell.getAttribute('data-index')));
    const pageButton = target.closest('[data-page]');
    if (pageButton) {
      if (pageButton.getAttribute('data-page') === '1') triage.nextPage();
      else triage.previousPage();
    }
    if (target.closest('[data-close]')) store.set({ triageOpen: false });
    if (target.closest('button')) /** @type {HTMLElement} */ (target.closest('button')).blur();
  });

  // hovering a cell rings its source in the diagrams (panels/diagramPanel.js)
  container.addEventListener('mouseover', (event) => {
    const cell = /** @type {HTMLElement} */ (event.target).closest('.cell[data-source-id]');
    const id = cell ? Number(cell.getAttribute('data-source-id')) : null;
    if (store.get().hoverId !== id) store.set({ hoverId: id });
  });
  container.addEventListener('mouseleave', () => {
    if (store.get().hoverId !== null) store.set({ hoverId: null });
  });

  return { columns };
}
