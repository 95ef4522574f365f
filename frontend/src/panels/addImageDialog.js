/**
 * `#add-image-dialog` (the image list's "add image"): upload FITS bands as a new image through
 * `POST /api/images`. One row per band: its name (guessed from the file, e.g. F555W), the file, and the HDU
 * (`SCI`, `1`, or a `file.fits[SCI]` name typed in the file's place is read the same); rendition recipes, one
 * per line (`ha:R=F657N,G=F555W,B=0.5*F435W+0.5*F336W`); reproject onto one grid. Upload progress, then the
 * ingest's stages (`GET /api/uploads/{key}`), and the server's refusal shown as it is. Ids: `#add-image-name`,
 * `#add-image-bands` (rows `.band-row` with `.band-name`, `.band-file`, `.band-hdu`), `#add-image-add-band`,
 * `#add-image-renditions`, `#add-image-reproject`, `#add-image-submit`, `#add-image-progress`
 * (`data-phase` upload | ingest | done | error), `#add-image-result` (`data-state` done | error).
 */
import { uploadImage, uploadProgress } from '../api/images.js';
import { bindDialogToStore, escapeHtml, must } from './dom.js';

const POLL_MS = 400;
const FILTER = /(f\d{3,4}[wmnlx]p?)/i;

/**
 * @param {string} fileName
 * @returns {{band: string, hdu: string}} "hst_10342_f555w_drc.fits[SCI]" -> F555W, SCI
 */
export function guessBand(fileName) {
  const hduMatch = /\[([^\]]+)\]$/.exec(fileName);
  const base = fileName.replace(/\[[^\]]+\]$/, '');
  const filter = FILTER.exec(base);
  const stem = base.replace(/\.(fits?|fit)(\.gz)?$/i, '').split(/[\\/]/).pop() ?? base;
  return { band: filter ? filter[1].toUpperCase() : stem, hdu: hduMatch ? hduMatch[1] : '' };
}

/**
 * @param {HTMLDialogElement} dialog
 * @param {import('../store.js').Store} store
 * @param {import('../actions.js').Actions} actions
 */
export function mountAddImageDialog(dialog, store, actions) {
  dialog.innerHTML = `
    <form id="add-image-form" method="dialog">
      <h2>Add an image</h2>
      <label>Name <input type="text" id="add-image-name" required placeholder="ngc628-east"></label>
      <fieldset><legend>Bands: one FITS file each (HDU: SCI, 1, … ; blank: the first image HDU)</legend>
        <div id="add-image-bands"></div>
        <button type="button" id="add-image-add-band">+ band</button></fieldset>
      <label>Renditions, one per line (blank: the LEGUS colour default)
        <textarea id="add-image-renditions" rows="2" placeholder="ha:R=F657N,G=F555W,B=0.5*F435W+0.5*F336W"></textarea></label>
      <label class="check"><input type="checkbox" id="add-image-reproject"> reproject every band onto the first band's grid</label>
      <div id="add-image-progress" class="progress-bar" hidden><span></span><small></small></div>
      <div id="add-image-result" class="result" aria-live="polite"></div>
      <div class="row dialog-buttons">
        <button type="button" data-close>Close</button>
        <button type="submit" id="add-image-submit">Upload and ingest</button>
      </div>
    </form>`;
  const form = /** @type {HTMLFormElement} */ (must(dialog, '#add-image-form'));
  const rows = must(dialog, '#add-image-bands');
  const result = must(dialog, '#add-image-result');
  const progress = must(dialog, '#add-image-progress');
  const bar = /** @type {HTMLElement} */ (progress.querySelector('span'));
  const stage = /** @type {HTMLElement} */ (progress.querySelector('small'));
  const submit = /** @type {HTMLButtonElement} */ (must(dialog, '#add-image-submit'));
  bindDialogToStore(dialog, 'add-image', store, result);

  function addRow() {
    const row = document.createElement('div');
    row.className = 'row band-row';
    row.innerHTML = '<input type="text" class="band-name" placeholder="band" size="7" required>'
      + '<input type="file" class="band-file" accept=".fits,.fit,.fts,.gz" required>'
      + '<input type="text" class="band-hdu" placeholder="HDU" size="4">'
      + '<button type="button" class="band-remove" title="remove this band">×</button>';
    rows.append(row);
    const file = /** @type {HTMLInputElement} */ (row.querySelector('.band-file'));
    file.addEventListener('change', () => {
      const picked = file.files?.[0];
      if (!picked) return;
      const guess = guessBand(picked.name);
      const name = /** @type {HTMLInputElement} */ (row.querySelector('.band-name'));
      const hdu = /** @type {HTMLInputElement} */ (row.querySelector('.band-hdu'));
      if (!name.value) name.value = guess.band;
      if (!hdu.value && guess.hdu) hdu.value = guess.hdu;
    });
  }
  rows.addEventListener('click', (event) => {
    const button = /** @type {HTMLElement} */ (event.target).closest('.band-remove');
    if (button && rows.children.length > 1) button.closest('.band-row')?.remove();
  });
  must(dialog, '#add-image-add-band').addEventListener('click', addRow);
  addRow();

  function show(phase, fraction, text) {
    progress.hidden = false;
    progress.dataset.phase = phase;
    bar.style.width = `${Math.round(100 * Math.max(0, Math.min(1, fraction)))}%`;
    stage.textContent = text;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData();
    const key = `up-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    data.append('name', /** @type {HTMLInputElement} */ (must(dialog, '#add-image-name')).value.trim());
    for (const row of rows.querySelectorAll('.band-row')) {
      const file = /** @type {HTMLInputElement} */ (row.querySelector('.band-file')).files?.[0];
      if (!file) continue;
      data.append('files', file, file.name);
      data.append('bands', /** @type {HTMLInputElement} */ (row.querySelector('.band-name')).value.trim());
      data.append('hdu', /** @type {HTMLInputElement} */ (row.querySelector('.band-hdu')).value.trim());
    }
    const recipes = /** @type {HTMLTextAreaElement} */ (must(dialog, '#add-image-renditions')).value
      .split('\n').map((line) => line.trim()).filter(Boolean);
    for (const recipe of recipes) data.append('rendition', recipe);
    data.append('reproject', String(/** @type {HTMLInputElement} */ (must(dialog, '#add-image-reproject')).checked));
    data.append('upload_key', key);
    submit.disabled = true;
    result.dataset.state = 'busy';
    result.textContent = '';
    let ingesting = false;
    /** @type {ReturnType<typeof setInterval>|null} */
    let poll = null;
    try {
      const image = await uploadImage(data, (sent, total) => {
        const fraction = total ? sent / total : 0;
        show('upload', fraction, `uploading ${(sent / 2 ** 20).toFixed(1)} of ${(total / 2 ** 20).toFixed(1)} MB`);
        if (total && sent >= total && !ingesting) {
          ingesting = true;
          show('ingest', 0, 'ingesting…');
          poll = setInterval(async () => {
            try {
              const p = await uploadProgress(key);
              if (p.state === 'ingesting') show('ingest', p.fraction, `ingest: ${p.stage} ${(100 * p.fraction).toFixed(0)}%`);
            } catch {
              // the upload's own answer will say what happened
            }
          }, POLL_MS);
        }
      });
      show('done', 1, 'done');
      result.dataset.state = 'done';
      result.innerHTML = `image <b>${escapeHtml(image.name)}</b> ingested: ${image.width}×${image.height}, `
        + `${image.bands.length} band(s)`;
      await actions.loadImageList();
      await actions.openImage(image.id);
    } catch (error) {
      progress.dataset.phase = 'error';
      result.dataset.state = 'error';
      result.textContent = error.message;
    } finally {
      if (poll) clearInterval(poll);
      submit.disabled = false;
    }
  });
}
