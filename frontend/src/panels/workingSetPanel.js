/**
 * `#workset-panel`: what the triage grid, n / p and label next work on. Range cuts on magnitudes, colours
 * and CI (`#cut-expr`, `#cut-min`, `#cut-max`, `#cut-add`; rows `.cut-row` with a remove button), regions
 * drawn on the map (`#region-box`, `#region-polygon`, `#region-circle`), saved with the project and listed
 * in `#region-list` (a checkbox puts one in or out of the working set), DS9 files in (`#region-import`) and
 * out (`#region-export`), and the lassoed population of the diagram. `#workset-summary` says it in words;
 * `#workset-round` opens a labelling round for its unlabelled sources (they become the picked layer).
 */
import { deleteRegion, importRegions, listRegions, regionsExportUrl, sendToRound } from '../api/selection.js';
import { bandColumns, colour } from '../selection/expressions.js';
import { describeWorkingSet, filterParam } from '../selection/workingSet.js';
import { escapeHtml, must } from './dom.js';

/**
 * The expressions a cut can be on, from the layers' catalogue columns.
 * @param {{meta?: {columns?: Record<string, unknown>}}[]} layers
 * @returns {{expr: string, label: string}[]}
 */
export function cutChoices(layers) {
  const columns = [...new Set(layers.flatMap((l) => Object.keys(l.meta?.columns ?? {})))];
  const b = bandColumns(columns);
  const out = [];
  for (const [a, c] of [['V', 'I'], ['U', 'B'], ['B', 'V'], ['NUV', 'U']]) {
    if (b[a] && b[c]) out.push({ expr: colour(b[a], b[c]), label: `${a}-${c}` });
  }
  for (const band of ['NUV', 'U', 'B', 'V', 'I']) if (b[band]) out.push({ expr: b[band], label: band });
  if (columns.includes('ci')) out.push({ expr: 'ci', label: 'CI' });
  for (const name of columns.filter((n) => /^mag_(?!err_)/.test(n) && !Object.values(b).includes(n)).sort()) {
    out.push({ expr: name, label: name.replace(/^mag_/, '') });
  }
  return out;
}

/**
 * @param {HTMLElement} panel
 * @param {import('../store.js').Store} store
 * @param {import('../actions.js').Actions} actions
 * @param {{onPicked?: () => void}} [deps] the picked layer was rebuilt (reload layers and rings)
 */
export function mountWorkingSetPanel(panel, store, actions, { onPicked = () => {} } = {}) {
  panel.innerHTML = `<h2>Working set <small id="workset-summary">all sources</small></h2>
    <div id="cut-list"></div>
    <form id="cut-form" class="row cut-form" autocomplete="off">
      <select id="cut-expr" title="magnitude, colour or CI"></select>
      <input id="cut-min" type="text" inputmode="decimal" placeholder="min" size="4">
      <input id="cut-max" type="text" inputmode="decimal" placeholder="max" size="4">
      <button type="submit" id="cut-add" title="keep only sources in this range">cut</button>
    </form>
    <div class="row region-bar">regions
      <button type="button" id="region-box" data-region-tool="box" title="draw a box on the map">box</button>
      <button type="button" id="region-polygon" data-region-tool="polygon" title="draw a polygon on the map">polygon</button>
      <button type="button" id="region-circle" data-region-tool="circle" title="draw a circle on the map">circle</button>
      <label class="file-button" title="import a DS9 region file">.reg<input type="file" id="region-import" accept=".reg,text/plain" hidden></label>
      <a id="region-export" title="the regions as a DS9 file" download>export</a></div>
    <ul id="region-list" class="region-list"></ul>
    <div class="row"><button type="button" id="workset-round" title="open a labelling round for the unlabelled sources in the working set (white rings)" disabled>send to a round</button></div>`;
  const summary = must(panel, '#workset-summary');
  const cutList = must(panel, '#cut-list');
  const exprSelect = /** @type {HTMLSelectElement} */ (must(panel, '#cut-expr'));
  const minInput = /** @type {HTMLInputElement} */ (must(panel, '#cut-min'));
  const maxInput = /** @type {HTMLInputElement} */ (must(panel, '#cut-max'));
  const regionList = must(panel, '#region-list');
  const exportLink = /** @type {HTMLAnchorElement} */ (must(panel, '#region-export'));
  const importInput = /** @type {HTMLInputElement} */ (must(panel, '#region-import'));
  const roundButton = /** @type {HTMLButtonElement} */ (must(panel, '#workset-round'));
  roundButton.addEventListener('click', async () => {
    const s = store.get();
    const filter = filterParam(s.workingSet);
    roundButton.blur();
    if (s.imageId === null || !filter) return;
    try {
      const done = await sendToRound(s.imageId, filter, describeWorkingSet(s.workingSet, s.lassoIds?.size ?? null));
      onPicked();
      actions.showStatus(`${done.round.name}: ${done.count} unlabelled sources of the working set, drawn as white rings`);
    } catch (error) {
      actions.showError(error);
    }
  });
  const setWs = (patch) => store.set({ workingSet: { ...store.get().workingSet, ...patch } });

  function renderChoices() {
    const choices = cutChoices(store.get().layers);
    const want = exprSelect.value;
    exprSelect.innerHTML = choices.map((c) => `<option value="${escapeHtml(c.expr)}">${escapeHtml(c.label)}</option>`).join('')
      || '<option value="">no magnitudes</option>';
    if (choices.some((c) => c.expr === want)) exprSelect.value = want;
  }

  function render() {
    const s = store.get();
    const labels = new Map(cutChoices(s.layers).map((c) => [c.expr, c.label]));
    summary.textContent = describeWorkingSet(s.workingSet, s.lassoIds?.size ?? null, labels);
    cutList.innerHTML = s.workingSet.cuts.map((c, i) => `<div class="row cut-row" data-index="${i}" data-expr="${escapeHtml(c.expr)}">`
      + `<span>${Number.isFinite(c.min) ? c.min : '…'} ≤ <b>${escapeHtml(labels.get(c.expr) ?? c.expr)}</b> ≤ ${Number.isFinite(c.max) ? c.max : '…'}</span>`
      + `<button type="button" class="cut-remove" title="remove this cut">×</button></div>`).join('')
      + (s.workingSet.lasso ? `<div class="row cut-row lasso-row"><span>lasso in ${escapeHtml(s.workingSet.lasso.name ?? 'a diagram')}: `
        + `${s.lassoIds?.size ?? '?'} sources</span><button type="button" class="lasso-remove" title="clear the lasso">×</button></div>` : '');
    regionList.innerHTML = s.regions.map((r) => `<li data-region-id="${r.id}"><label><input type="checkbox"`
      + `${s.workingSet.regions.includes(r.id) ? ' checked' : ''}> ${escapeHtml(r.name)}</label>`
      + `<button type="button" class="region-remove" title="delete this region">×</button></li>`).join('');
    for (const b of panel.querySelectorAll('[data-region-tool]')) {
      b.setAttribute('aria-pressed', String(s.regionTool === b.getAttribute('data-region-tool')));
    }
    roundButton.disabled = !filterParam(s.workingSet);
    exportLink.href = s.imageId !== null ? regionsExportUrl(s.imageId) : '#';
    exportLink.hidden = !s.regions.length;
  }

  async function loadRegions(imageId) {
    try {
      const regions = await listRegions(imageId);
      if (store.get().imageId === imageId) store.set({ regions });
    } catch (error) {
      actions.showError(error);
    }
  }

  must(panel, '#cut-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const read = (input) => {
      const text = input.value.trim();
      if (!text) return null;
      const v = Number(text);
      input.classList.toggle('invalid', !Number.isFinite(v));
      return Number.isFinite(v) ? v : undefined;
    };
    const min = read(minInput);
    const max = read(maxInput);
    if (!exprSelect.value || min === undefined || max === undefined) return;
    if (min === null && max === null) {
      actions.showStatus('a cut needs a min, a max or both');
      return;
    }
    if (min !== null && max !== null && min > max) {
      actions.showStatus(`min ${min} is above max ${max}`, 'error');
      return;
    }
    const cuts = store.get().workingSet.cuts.filter((c) => c.expr !== exprSelect.value);
    setWs({ cuts: [...cuts, { expr: exprSelect.value, min, max }] });
    minInput.value = '';
    maxInput.value = '';
    /** @type {HTMLElement} */ (document.activeElement)?.blur?.();
  });
  cutList.addEventListener('click', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (target.closest('.lasso-remove')) {
      store.set({ workingSet: { ...store.get().workingSet, lasso: null }, lassoIds: null });
      return;
    }
    const row = target.closest('.cut-row');
    if (!row || !target.closest('.cut-remove')) return;
    const i = Number(row.getAttribute('data-index'));
    setWs({ cuts: store.get().workingSet.cuts.filter((_, k) => k !== i) });
  });
  panel.addEventListener('click', (event) => {
    const button = /** @type {HTMLElement} */ (event.target).closest('[data-region-tool]');
    if (!button) return;
    const tool = /** @type {'polygon'|'box'|'circle'} */ (button.getAttribute('data-region-tool'));
    store.set({ regionTool: store.get().regionTool === tool ? null : tool });
    /** @type {HTMLElement} */ (button).blur();
  });
  regionList.addEventListener('change', (event) => {
    const li = /** @type {HTMLElement} */ (event.target).closest('li[data-region-id]');
    if (!li) return;
    const id = Number(li.getAttribute('data-region-id'));
    const on = /** @type {HTMLInputElement} */ (event.target).checked;
    const active = store.get().workingSet.regions.filter((r) => r !== id);
    setWs({ regions: on ? [...active, id] : active });
  });
  regionList.addEventListener('click', async (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (!target.closest('.region-remove')) return;
    const id = Number(target.closest('li')?.getAttribute('data-region-id'));
    try {
      await deleteRegion(id);
      const s = store.get();
      store.set({ regions: s.regions.filter((r) => r.id !== id), workingSet: { ...s.workingSet, regions: s.workingSet.regions.filter((r) => r !== id) } });
    } catch (error) {
      actions.showError(error);
    }
  });
  importInput.addEventListener('change', async () => {
    const file = importInput.files?.[0];
    const imageId = store.get().imageId;
    if (!file || imageId === null) return;
    try {
      const added = await importRegions(imageId, file);
      const s = store.get();
      store.set({ regions: [...s.regions, ...added], workingSet: { ...s.workingSet, regions: [...s.workingSet.regions, ...added.map((r) => r.id)] } });
      actions.showStatus(`${added.length} region(s) imported from ${file.name}`);
    } catch (error) {
      actions.showError(error);
    }
    importInput.value = '';
  });

  store.watch((s) => s.imageId, (id) => {
    store.set({ regions: [], regionTool: null });
    if (id !== null) loadRegions(id);
  });
  store.watch((s) => s.layers, () => {
    renderChoices();
    render();
  });
  let last = [];
  store.subscribe((s) => {
    const key = [s.workingSet, s.regions, s.regionTool, s.lassoIds];
    if (!key.every((v, i) => v === last[i])) {
      last = key;
      render();
    }
  });
  renderChoices();
  render();
}
