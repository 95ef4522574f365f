/**
 * `#source-panel`: the selected source. Its ids and position (FITS 0-based and DS9 1-based pixels, RA/Dec
 * sexagesimal and degrees), its magnitudes and CI first, the consensus class (`#source-class`) with the
 * votes per annotator and buttons to label it, its history (`#source-history`: who, when, what), and
 * cutouts in every band and in the current rendition with ONE shared stretch (the map's), so the bands
 * can be compared as the paper's annotators did. The model's prediction and "more like this" live in its
 * `.source-ai` box (panels/sourcePrediction.js).
 *
 * `data-source-id` names the source shown; `data-saved="1"` says its latest label is on the server and
 * the panel shows the server's answer (what a test waits for after labelling).
 */
import { pixelToWorld } from '../api/images.js';
import { cutoutUrl } from '../api/sources.js';
import { stretchParams } from '../api/tiles.js';
import { formatDec, formatRa } from '../coords/sexagesimal.js';
import { classById, classColour, classLabel } from '../labels/classKeys.js';
import { escapeHtml } from './dom.js';
import { formatColumn, splitColumns } from './sourceColumns.js';

const CUTOUT_SIZE = 40;
const CUTOUT_SCALE = 2;

/**
 * `#source-memberships`: the layers a cross-matched object belongs to (GET /sources/{id} `memberships`,
 * this source first), each with its catalogue id and, for a reference catalogue, its reference class.
 * @param {object|null} scheme
 * @param {{source_id: number, layer: string, kind: string, catalog_id: string, reference_class: string|null}[]|undefined} memberships
 * @returns {string} '' for a source in one layer only
 */
export function membershipsList(scheme, memberships) {
  if (!memberships || memberships.length < 2) return '';
  const items = memberships.map((m) => `<li data-member="${m.source_id}" data-kind="${escapeHtml(m.kind)}">`
    + `${escapeHtml(m.layer)} <small>${escapeHtml(m.kind)}</small> ${escapeHtml(m.catalog_id)}`
    + (m.reference_class !== null && m.reference_class !== undefined
      ? ` · reference class ${escapeHtml(classLabel(scheme, m.reference_class))}` : '') + '</li>').join('');
  return `<div id="source-memberships"><small>one object in ${memberships.length} layers:</small><ul>${items}</ul></div>`;
}

/** @param {string} iso @returns {string} local date and time to the second */
function when(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/**
 * @param {HTMLElement} panel the #source-panel element
 * @param {import('../store.js').Store} store
 * @param {import('../labels/labelActions.js').LabelActions} labelling
 */
export function mountSourcePanel(panel, store, labelling) {
  let skySeq = 0;
  /** @type {Map<number, {ra: number, dec: number}>} */
  const skyCache = new Map();
  panel.innerHTML = '<div class="source-main"></div><div class="source-ai"></div><div class="source-cutouts"></div>'
    + '<div class="source-more"></div>';
  const main = /** @type {HTMLElement} */ (panel.querySelector('.source-main'));
  const cutouts = /** @type {HTMLElement} */ (panel.querySelector('.source-cutouts'));
  const more = /** @type {HTMLElement} */ (panel.querySelector('.source-more'));
  let cutoutKey = '';

  const classSwatch = (scheme, id) => `<span class="swatch" style="border-color:${escapeHtml(classColour(scheme, id) ?? 'transparent')}"></span>`;

  function positionHtml(doc) {
    const sky = doc.ra !== null && doc.ra !== undefined ? { ra: doc.ra, dec: doc.dec } : skyCache.get(doc.id);
    const radec = sky
      ? `<dd id="source-radec-sexa">${formatRa(sky.ra)} ${formatDec(sky.dec)}</dd>
         <dt>RA Dec <small>deg</small></dt><dd id="source-radec-deg" data-ra="${sky.ra}" data-dec="${sky.dec}">`
        + `${sky.ra.toFixed(6)} ${sky.dec >= 0 ? '+' : ''}${sky.dec.toFixed(6)}</dd>`
      : '<dd id="source-radec-sexa">–</dd>';
    return `<dl class="readout-grid">
      <dt>x y <small>0-based</small></dt><dd>${doc.x.toFixed(2)} ${doc.y.toFixed(2)}</dd>
      <dt>x y <small>DS9</small></dt><dd>${(doc.x + 1).toFixed(2)} ${(doc.y + 1).toFixed(2)}</dd>
      <dt>RA Dec</dt>${radec}</dl>`;
  }

  function labelHtml(s, doc) {
    const override = s.overrides[doc.id];
    const cls = override && 'label_class' in override ? override.label_class : doc.label_class;
    const mine = s.annotator ? doc.votes?.[s.annotator] : undefined;
    const votes = Object.entries(doc.votes ?? {}).map(([who, c]) => `<li>${classSwatch(s.scheme, c)}${escapeHtml(who)}: `
      + `${escapeHtml(c === null ? 'retracted' : classLabel(s.scheme, c))}</li>`).join('');
    const buttons = (s.scheme?.classes ?? []).map((c) => `<button type="button" data-class="${escapeHtml(c.id)}"`
      + `${String(mine) === c.id ? ' class="active"' : ''} title="${escapeHtml(`${c.name}${c.hotkey ? ` (key ${c.hotkey})` : ''}`)}">`
      + `${c.hotkey && c.hotkey !== c.id ? `<kbd>${escapeHtml(c.hotkey)}</kbd> ` : ''}${escapeHtml(c.id)}</button>`).join('');
    return `<div id="source-class" data-class="${escapeHtml(cls ?? '')}">${classSwatch(s.scheme, cls)}`
      + `<strong>${escapeHtml(classLabel(s.scheme, cls))}</strong> <small>${doc.n_votes} vote(s)</small></div>
      <div class="row class-buttons">${buttons}<button type="button" data-class="" title="retract your label (Backspace)">clear</button></div>
      <ul class="votes">${votes}</ul>`;
  }

  function historyHtml(s, doc) {
    const rows = [...(doc.history ?? [])].reverse().map((h) => `<li data-annotation-id="${h.id}">`
      + `<time datetime="${escapeHtml(h.created_at)}">${escapeHtml(when(h.created_at))}</time> ${escapeHtml(h.annotator)}: `
      + `${classSwatch(s.scheme, h.class)}${escapeHtml(h.class === null ? 'retracted' : classLabel(s.scheme, h.class))}`
      + `${h.geometry ? ` <small>(${escapeHtml(h.geometry.bbox ? 'box' : h.geometry.type)})</small>` : ''}</li>`).join('');
    return `<ol id="source-history">${rows || '<li class="empty">no labels yet</li>'}</ol>`;
  }

  function cutoutsHtml(s, doc) {
    if (!s.image) return '';
    const stretch = stretchParams(s.stretch);
    const names = [s.rendition, ...s.image.bands.map((b) => b.name).filter((b) => b !== s.rendition)];
    return `<div class="cutouts" title="${CUTOUT_SIZE}×${CUTOUT_SIZE} px around the source, one stretch for all bands">`
      + names.map((name) => `<figure><img alt="${escapeHtml(name)} cutout" loading="lazy" width="${CUTOUT_SIZE * CUTOUT_SCALE}"
        height="${CUTOUT_SIZE * CUTOUT_SCALE}" src="${escapeHtml(cutoutUrl(s.image.id, { x: doc.x, y: doc.y, rendition: name, size: CUTOUT_SIZE, scale: CUTOUT_SCALE }, stretch))}">`
        + `<figcaption>${escapeHtml(name)}</figcaption></figure>`).join('') + '</div>';
  }

  function columnsHtml(doc) {
    const { key, other } = splitColumns(doc.columns);
    const rows = (list) => list.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(formatColumn(v))}</td></tr>`).join('');
    return `<table class="columns">${rows(key)}</table>`
      + (other.length ? `<details><summary>${other.length} more columns</summary><table class="columns">${rows(other)}</table></details>` : '');
  }

  function render() {
    const s = store.get();
    panel.dataset.sourceId = s.selectedId === null ? '' : String(s.selectedId);
    const doc = s.selected;
    panel.dataset.saved = doc && doc.id === s.selectedId && !s.selectedStale && !s.saveStates[doc.id] ? '1' : '0';
    if (s.selectedId === null) {
      panel.hidden = true;
      return;
    }
    panel.hidden = false;
    if (!doc || doc.id !== s.selectedId) {
      if (main.dataset.sourceId !== String(s.selectedId)) {
        main.innerHTML = `<h2>Source ${s.selectedId}</h2><p class="note">loading…</p>`;
        main.dataset.sourceId = String(s.selectedId);
        more.innerHTML = '';
      }
      return;
    }
    const layer = s.layers.find((l) => l.id === doc.layer_id);
    const save = s.saveStates[doc.id];
    const firstShow = main.dataset.doc !== String(doc.id);
    main.innerHTML = `<h2>Source ${escapeHtml(doc.catalog_id ?? doc.id)} <small>#${doc.id} · ${escapeHtml(layer?.name ?? `layer ${doc.layer_id}`)}</small>`
      + `${save ? ` <span class="badge ${save}">${save === 'failed' ? 'not saved' : 'saving'}</span>` : ''}</h2>
      ${membershipsList(s.scheme, doc.memberships)}${positionHtml(doc)}${labelHtml(s, doc)}`;
    main.dataset.sourceId = String(doc.id);
    main.dataset.doc = String(doc.id);
    const key = JSON.stringify([doc.id, s.rendition, s.stretch]);
    if (key !== cutoutKey) {
      cutoutKey = key;
      cutouts.innerHTML = cutoutsHtml(s, doc);
    }
    const open = more.querySelector('details')?.open;
    more.innerHTML = `${columnsHtml(doc)}<h2>History</h2>${historyHtml(s, doc)}`;
    if (open) more.querySelector('details')?.setAttribute('open', '');
    if (firstShow && (doc.ra === null || doc.ra === undefined) && !skyCache.has(doc.id) && s.image?.wcs?.has_celestial) fillSky(doc, s.image.id);
  }

  /** Sky position from the image WCS for sources imported without RA/Dec (kept per source id). */
  async function fillSky(doc, imageId) {
    skySeq += 1;
    const seq = skySeq;
    try {
      const sky = await pixelToWorld(imageId, [doc.x], [doc.y]);
      if (sky.ra[0] === null || sky.ra[0] === undefined) return;
      skyCache.set(doc.id, { ra: sky.ra[0], dec: sky.dec[0] });
      if (seq === skySeq && store.get().selectedId === doc.id) render();
    } catch {
      // the position in pixels is shown; the readout reports WCS problems
    }
  }

  let last = [];
  store.subscribe((s) => {
    const key = [s.selectedId, s.selected, s.selectedStale, s.saveStates, s.overrides, s.scheme, s.rendition, s.stretch, s.layers];
    if (key.every((v, i) => v === last[i])) return;
    last = key;
    render();
  });
  render();

  panel.addEventListener('click', (event) => {
    const button = /** @type {HTMLElement|null} */ (/** @type {HTMLElement} */ (event.target).closest('button[data-class]'));
    const id = store.get().selectedId;
    if (!button || id === null) return;
    const cls = button.getAttribute('data-class');
    if (cls && !classById(store.get().scheme, cls)) return;
    labelling.labelSource(id, cls || null);
    button.blur();
  });
  return { aiBox: /** @type {HTMLElement} */ (panel.querySelector('.source-ai')) };
}
