/**
 * The legend: one row per source layer (`#layer-list`, items `data-layer-id`) with a visibility toggle,
 * its ring colour, size and shape (saved on the server with PATCH /api/layers/{id}), and how many of its
 * sources are in view out of its total; "show" (`#map-state`: all, unlabelled, not voted by me: the map's
 * state filter, which `n` / `p` follow); the class colours and keys of the label scheme; a note when the
 * view holds more sources than are drawn ("zoom in to see all"); and the export links (`#export-links`).
 */
import { EXPORT_FORMATS, exportUrl } from '../api/layers.js';
import { SHAPES } from '../layers/sourceStyle.js';
import { escapeHtml, must } from './dom.js';

/**
 * @param {{count: number, truncated: boolean, thinned?: {matched: number, capped: boolean}|null}|null} answer
 * @returns {string} what the legend says when not every source in view is drawn
 */
export function truncatedNote(answer) {
  if (!answer?.truncated) return '';
  if (answer.thinned) {
    const of = `${answer.thinned.capped ? 'over ' : ''}${answer.thinned.matched.toLocaleString('en-US')}`;
    return `${answer.count.toLocaleString('en-US')} of ${of} sources in view drawn, thinned evenly over the view, `
      + 'brightest first: zoom in to see all';
  }
  return `showing the first ${answer.count} sources here: zoom in to see all`;
}

/**
 * @param {HTMLElement} container
 * @param {import('../store.js').Store} store
 * @param {import('../labels/layerActions.js').LayerActions} layerActions
 */
export function mountLayerLegend(container, store, layerActions) {
  container.innerHTML = `
    <h2>Layers <small id="sources-in-view"></small></h2>
    <label class="map-state" title="which sources the map draws; with not voted by me, n / p walk those">show
      <select id="map-state"><option value="all">all</option><option value="unlabelled">unlabelled</option>
      <option value="unvoted">not voted by me</option></select></label>
    <ul id="layer-list" class="layer-list"></ul>
    <p id="sources-note" class="note" hidden></p>
    <ul id="class-legend" class="class-legend"></ul>
    <div id="export-links" class="export-links"></div>`;
  const list = must(container, '#layer-list');
  const note = must(container, '#sources-note');
  const inView = must(container, '#sources-in-view');
  const classes = must(container, '#class-legend');
  const exports = must(container, '#export-links');
  const mapState = /** @type {HTMLSelectElement} */ (must(container, '#map-state'));
  mapState.addEventListener('change', () => {
    store.set({ mapState: /** @type {'all'|'unlabelled'|'unvoted'} */ (mapState.value) });
    mapState.blur();
  });
  store.watch((s) => s.mapState, (value) => {
    mapState.value = value;
  });

  const renderLayers = () => {
    const { layers, hiddenLayers } = store.get();
    if (!layers.length) {
      list.innerHTML = '<li class="empty">no sources yet: import a catalogue (i) or detect sources (d)</li>';
      return;
    }
    list.innerHTML = layers.map((l) => {
      const st = l.style ?? {};
      const shapes = SHAPES.map((sh) => `<option${sh === (st.shape ?? 'ring') ? ' selected' : ''}>${sh}</option>`).join('');
      return `<li data-layer-id="${l.id}" data-kind="${escapeHtml(l.kind)}">
        <label class="layer-name" title="${escapeHtml(`${l.kind}${l.source_file ? ` · ${l.source_file}` : ''}`)}">
          <input type="checkbox" data-field="visible"${hiddenLayers.includes(l.id) ? '' : ' checked'}>
          <span>${escapeHtml(l.name)}</span></label>
        <span class="count" data-count>–/${l.n_sources}</span>
        <span class="layer-style">
          <input type="color" data-field="colour" value="${escapeHtml(st.colour ?? '#ffd33d')}" title="ring colour">
          <input type="number" data-field="radius_px" min="1" max="200" step="1" value="${Number(st.radius_px ?? 6)}"
            title="ring radius (image pixels)">
          <input type="number" data-field="width" min="0.5" max="10" step="0.5" value="${Number(st.width ?? 1.5)}"
            title="line width (CSS pixels)">
          <select data-field="shape" title="marker shape">${shapes}</select>
          <button type="button" data-field="delete" title="delete this layer and its sources">×</button>
        </span></li>`;
    }).join('');
    renderCounts();
  };

  const renderCounts = () => {
    const answer = store.get().viewportSources;
    const counts = new Map();
    for (const s of answer?.sources ?? []) counts.set(s.layer_id, (counts.get(s.layer_id) ?? 0) + 1);
    for (const li of list.querySelectorAll('[data-layer-id]')) {
      const id = Number(li.getAttribute('data-layer-id'));
      const layer = store.get().layers.find((l) => l.id === id);
      const hidden = store.get().hiddenLayers.includes(id);
      const el = li.querySelector('[data-count]');
      if (el && layer) el.textContent = `${hidden || !answer ? '–' : counts.get(id) ?? 0}/${layer.n_sources}`;
    }
    inView.textContent = answer ? `${answer.count} in view` : '';
    note.hidden = !answer?.truncated;
    note.textContent = truncatedNote(answer);
    note.dataset.truncated = answer?.truncated ? '1' : '0';
  };

  const renderClasses = () => {
    const scheme = store.get().scheme;
    classes.innerHTML = (scheme?.classes ?? []).map((c) => `<li data-class="${escapeHtml(c.id)}">`
      + `<span class="swatch" style="border-color:${escapeHtml(c.colour)}"></span>`
      + `${c.hotkey ? `<kbd>${escapeHtml(c.hotkey)}</kbd>` : ''} ${escapeHtml(c.name)}</li>`).join('');
  };

  const renderExports = () => {
    const { imageId, layers, hiddenLayers } = store.get();
    if (imageId === null || !layers.length) {
      exports.innerHTML = '';
      return;
    }
    const visible = layers.filter((l) => !hiddenLayers.includes(l.id)).map((l) => l.id);
    const chosen = visible.length === layers.length ? [] : visible;
    exports.innerHTML = `<span title="the visible layers, with labels and votes per annotator">export</span> ${EXPORT_FORMATS.map((f) => `<a href="${escapeHtml(exportUrl(imageId, f, chosen))}" data-format="${f}" download>${f}</a>`).join(' ')}`;
  };

  store.watch((s) => s.layers, () => {
    renderLayers();
    renderExports();
  });
  store.watch((s) => s.hiddenLayers, () => {
    renderLayers();
    renderExports();
  });
  store.watch((s) => s.viewportSources, renderCounts);
  store.watch((s) => s.scheme, renderClasses);

  list.addEventListener('change', (event) => {
    const input = /** @type {HTMLInputElement} */ (event.target);
    const id = Number(input.closest('[data-layer-id]')?.getAttribute('data-layer-id'));
    const field = input.dataset.field;
    if (!id || !field) return;
    if (field === 'visible') layerActions.toggleLayer(id);
    else if (field === 'colour' || field === 'shape') layerActions.setLayerStyle(id, { [field]: input.value });
    else if ((field === 'radius_px' || field === 'width') && Number(input.value) > 0) {
      layerActions.setLayerStyle(id, { [field]: Number(input.value) });
    }
  });
  list.addEventListener('click', (event) => {
    const button = /** @type {HTMLElement} */ (event.target).closest('[data-field="delete"]');
    if (!button) return;
    const id = Number(button.closest('[data-layer-id]')?.getAttribute('data-layer-id'));
    const layer = store.get().layers.find((l) => l.id === id);
    if (layer && window.confirm(`Delete layer "${layer.name}" and its ${layer.n_sources} sources (labels included)?`)) {
      layerActions.removeLayer(id, (question) => window.confirm(question));
    }
  });
}
