/**
 * `#import-dialog` (`i`): upload a catalogue as a new layer. File, format (SExtractor, LEGUS, GeoJSON, DS9
 * regions, CSV), layer name and kind, the LEGUS column layout and a CSV column mapping (JSON) when needed.
 * The answer shows how many sources were imported, how many fell outside the image (with their ids), how
 * many labels came along, the reader's notes, and errors with their line numbers as the server words them.
 */
import { IMPORT_FORMATS, LAYER_KINDS, TABLE_FORMATS } from '../api/layers.js';
import { bindDialogToStore, escapeHtml, must } from './dom.js';

/**
 * @param {HTMLDialogElement} dialog
 * @param {import('../store.js').Store} store
 * @param {import('../labels/layerActions.js').LayerActions} layerActions
 */
export function mountImportDialog(dialog, store, layerActions) {
  dialog.innerHTML = `
    <form id="import-form" method="dialog">
      <h2>Import a catalogue</h2>
      <label>File <input type="file" name="file" id="import-file" required></label>
      <label>Format <select name="format" id="import-format">
        <option value="">guess from the file</option>${IMPORT_FORMATS.map((f) => `<option>${f}</option>`).join('')}</select></label>
      <label>Layer name <input type="text" name="name" id="import-name" placeholder="from the file name"></label>
      <label>Kind <select name="kind" id="import-kind">
        ${LAYER_KINDS.map((k) => `<option${k === 'reference' ? ' selected' : ''}>${k}</option>`).join('')}</select></label>
      <label data-for="legus">LEGUS layout <input type="text" name="layout" id="import-layout" placeholder="read from the columns"></label>
      <label data-for="csv">Column mapping (JSON; blank: detect the names) <textarea name="mapping" id="import-mapping"
        rows="2" placeholder='{"x": "xc", "y": "yc", "pixel_origin": 1, "class_": "label"}'></textarea></label>
      <label>Positions <select name="positions" id="import-positions">
        <option value="auto">auto</option><option value="pixel">pixel columns</option>
        <option value="sky">RA/Dec through the image WCS</option></select></label>
      <div id="import-result" class="result" aria-live="polite"></div>
      <div class="row dialog-buttons">
        <button type="button" data-close>Close</button>
        <button type="submit" id="import-submit">Import</button>
      </div>
    </form>`;
  const form = /** @type {HTMLFormElement} */ (must(dialog, '#import-form'));
  const format = /** @type {HTMLSelectElement} */ (must(dialog, '#import-format'));
  const result = must(dialog, '#import-result');
  const submit = /** @type {HTMLButtonElement} */ (must(dialog, '#import-submit'));

  const showFormatFields = () => {
    for (const label of dialog.querySelectorAll('label[data-for]')) {
      const shownFor = label.getAttribute('data-for') === 'csv' ? TABLE_FORMATS : [label.getAttribute('data-for')];
      /** @type {HTMLElement} */ (label).hidden = !shownFor.includes(format.value) && format.value !== '';
    }
  };
  format.addEventListener('change', showFormatFields);
  showFormatFields();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    for (const key of ['format', 'name', 'layout', 'mapping']) if (!String(data.get(key) ?? '').trim()) data.delete(key);
    if (format.value !== 'legus') data.delete('layout');
    if (!TABLE_FORMATS.includes(format.value) && format.value !== '') data.delete('mapping');
    submit.disabled = true;
    result.dataset.state = 'busy';
    result.textContent = 'importing…';
    try {
      const answer = await layerActions.importLayer(data);
      result.dataset.state = 'done';
      const ids = answer.outside?.ids?.length ? ` (${answer.outside.ids.slice(0, 10).map(escapeHtml).join(', ')}${answer.outside.count > 10 ? ', …' : ''})` : '';
      result.innerHTML = `<p><strong id="import-imported" data-count="${answer.imported}">${answer.imported} imported</strong>
        into "${escapeHtml(answer.layer.name)}" · <span id="import-outside" data-count="${answer.outside?.count ?? 0}">`
        + `${answer.outside?.count ?? 0} outside the image${ids}</span>`
        + `${answer.unplaced?.count ? ` · <span id="import-unplaced">${answer.unplaced.count} without a usable position</span>` : ''}`
        + ` · ${answer.labels ?? 0} labels</p>`
        + (answer.notes ?? []).map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('');
    } catch (error) {
      result.dataset.state = 'error';
      result.innerHTML = `<p class="error" id="import-error">${escapeHtml(error.message)}</p>`;
    } finally {
      submit.disabled = false;
      submit.focus(); // disabling it dropped the focus out of the dialog
    }
  });

  bindDialogToStore(dialog, 'import', store, result);
}
