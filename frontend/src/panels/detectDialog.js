/**
 * `#detect-dialog` (`d`): find sources with sep (SExtractor's algorithm) on one band, or on several bands
 * summed as signal-to-noise, above a threshold in sigma and a minimum area in pixels. The detections
 * become a new layer, shown on the map at once.
 */
import { bindDialogToStore, escapeHtml, must } from './dom.js';

/**
 * @param {HTMLDialogElement} dialog
 * @param {import('../store.js').Store} store
 * @param {import('../labels/layerActions.js').LayerActions} layerActions
 */
export function mountDetectDialog(dialog, store, layerActions) {
  dialog.innerHTML = `
    <form id="detect-form" method="dialog">
      <h2>Detect sources</h2>
      <fieldset><legend>Band(s): several are summed as S/N</legend><div id="detect-bands" class="checks"></div></fieldset>
      <label>Threshold <input type="number" id="detect-threshold" name="threshold" value="3" min="0.1" step="0.1"> σ</label>
      <label>Minimum area <input type="number" id="detect-minarea" name="minarea" value="5" min="1" step="1"> px</label>
      <label>Layer name <input type="text" id="detect-name" name="name" placeholder="sep detections"></label>
      <div id="detect-result" class="result" aria-live="polite"></div>
      <div class="row dialog-buttons">
        <button type="button" data-close>Close</button>
        <button type="submit" id="detect-submit">Detect</button>
      </div>
    </form>`;
  const form = /** @type {HTMLFormElement} */ (must(dialog, '#detect-form'));
  const bands = must(dialog, '#detect-bands');
  const result = must(dialog, '#detect-result');
  const submit = /** @type {HTMLButtonElement} */ (must(dialog, '#detect-submit'));
  const value = (id) => /** @type {HTMLInputElement} */ (must(dialog, id)).value;

  store.watch((s) => s.image, (image) => {
    const names = (image?.bands ?? []).map((b) => b.name);
    // V is where LEGUS (and `skylabel detect` by default) detects; else the first band
    const isV = (b) => ['F555W', 'F606W'].includes(String(b.filter ?? b.name).toUpperCase());
    const found = (image?.bands ?? []).findIndex(isV);
    const defaultBand = found >= 0 ? found : 0;
    bands.innerHTML = names.map((n, i) => `<label><input type="checkbox" name="band" value="${escapeHtml(n)}"`
      + `${i === defaultBand ? ' checked' : ''}> ${escapeHtml(n)}</label>`).join('');
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = [...bands.querySelectorAll('input:checked')].map((el) => /** @type {HTMLInputElement} */ (el).value);
    if (!chosen.length) {
      result.innerHTML = '<p class="error">choose at least one band</p>';
      return;
    }
    const params = { bands: chosen, threshold: Number(value('#detect-threshold')), minarea: Number(value('#detect-minarea')) };
    const name = value('#detect-name').trim();
    if (name) params.name = name;
    submit.disabled = true;
    result.dataset.state = 'busy';
    result.textContent = `detecting on ${chosen.join(' + ')}…`;
    try {
      const answer = await layerActions.detect(params);
      result.dataset.state = 'done';
      result.innerHTML = `<p><strong id="detect-count" data-count="${answer.detected}">${answer.detected} sources</strong>`
        + ` in the new layer "${escapeHtml(answer.layer.name)}"`
        + `${answer.outside?.count ? ` · ${answer.outside.count} outside the image` : ''}</p>`
        + (answer.notes ?? []).map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('');
    } catch (error) {
      result.dataset.state = 'error';
      result.innerHTML = `<p class="error">${escapeHtml(error.message)}</p>`;
    } finally {
      submit.disabled = false;
      submit.focus(); // disabling it dropped the focus out of the dialog
    }
  });

  bindDialogToStore(dialog, 'detect', store, result);
}
