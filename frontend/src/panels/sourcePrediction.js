/**
 * The model's view of the selected source, inside the source panel: `#source-prediction` (predicted class,
 * its probability, the answer to the scheme's binary question with its entropy in nats, as label next's
 * uncertainty ranks by, the classes' entropy, the probability of every class; `data-model-version` the probe
 * that made it, `data-class`, `data-score`), a
 * pseudo-label marked as the model's (never shown like a human label), and "more like this"
 * (`#similar-button`): the sources nearest in embedding space (`#similar-list`, items `data-source-id`),
 * with cutouts, a click selecting one.
 */
import { getPredictions, getSimilar } from '../api/learning.js';
import { cutoutUrl } from '../api/sources.js';
import { stretchParams } from '../api/tiles.js';
import { binaryQuestion, classColour, classLabel } from '../labels/classKeys.js';
import { boxContains } from '../learning/predictionsLoader.js';
import { escapeHtml, must } from './dom.js';

const SIMILAR_K = 12;
const SIMILAR_CUTOUT = 24;

/**
 * The prediction in words. With the scheme's binary question (LEGUS: cluster or not) it leads with that
 * answer's entropy, which is what label next's uncertainty ranks by, and gives the classes' entropy after it.
 * @param {import('../api/learning.js').Prediction|null|undefined} p
 * @param {import('../labels/classKeys.js').Scheme|null} scheme
 * @returns {string} "predicted 1 compact symmetric cluster, p = 0.82 · cluster, p = 0.95 · entropy 0.20 nats
 *   on cluster / non-cluster, 0.61 on the classes"; without a binary answer "... · entropy 0.61 nats"
 */
export function predictionText(p, scheme) {
  if (!p) return '';
  const head = `predicted ${classLabel(scheme, p.class)}, p = ${Number(p.score).toFixed(2)}`;
  if (!p.binary) return `${head} · entropy ${Number(p.entropy).toFixed(2)} nats`;
  return `${head} · ${p.binary.group}, p = ${Number(p.binary.p).toFixed(2)} · entropy `
    + `${Number(p.binary.entropy).toFixed(2)} nats on ${binaryQuestion(scheme)}, ${Number(p.entropy).toFixed(2)} on the classes`;
}

/**
 * Whether a "more like this" list still belongs on screen for the selection: the source it was asked for
 * or one of its neighbours (a click on one walks the list); anything else clears it.
 * @param {{sourceId: number, items: {source_id: number}[]}|null} sim
 * @param {number|null} selectedId
 * @returns {boolean}
 */
export function similarStillShown(sim, selectedId) {
  if (!sim || selectedId === null) return false;
  return sim.sourceId === selectedId || sim.items.some((it) => it.source_id === selectedId);
}

/**
 * @param {{rank?: number, distance?: number, farther?: number, similarity: number}} it
 * @returns {string} "#1 · d 0.12 · closer than 99.8%"
 */
export function similarText(it) {
  const parts = [];
  if (it.rank !== undefined) parts.push(`#${it.rank}`);
  if (it.distance !== undefined) parts.push(`d ${Number(it.distance).toFixed(2)}`);
  if (it.farther !== undefined) parts.push(`closer than ${(100 * it.farther).toFixed(1)}%`);
  return parts.length ? parts.join(' · ') : Number(it.similarity).toFixed(3);
}

/**
 * @param {HTMLElement} box the source panel's `.source-ai` element
 * @param {import('../store.js').Store} store
 * @param {{select: (id: number, summary?: {x: number, y: number}) => void}} deps
 */
export function mountSourcePrediction(box, store, { select }) {
  box.innerHTML = `<div id="source-prediction" data-model-version="" data-class="" data-score=""></div>
    <div class="row similar-bar"><button type="button" id="similar-button" title="sources the encoder finds most alike">more like this</button>
      <small class="similar-note muted"></small></div>
    <ul id="similar-list" class="similar-list" hidden></ul>`;
  const pred = must(box, '#source-prediction');
  const note = must(box, '.similar-note');
  const list = must(box, '#similar-list');
  /** @type {Map<string, import('../api/learning.js').Prediction|null>} fetched for sources outside the view's box */
  const single = new Map();
  let similarSeq = 0;

  /** @returns {import('../api/learning.js').Prediction|null|undefined} undefined while unknown */
  function predictionOf(s) {
    const p = s.predictions;
    if (s.selectedId === null) return undefined;
    if (!p) return s.learning && !s.learning.probe ? null : undefined;
    const found = p.bySource[s.selectedId];
    if (found) return found;
    const doc = s.selected;
    if (!doc || doc.id !== s.selectedId || boxContains(p.bbox, doc)) return doc ? null : undefined;
    const key = `${doc.id}:${p.modelVersion}`;
    if (!single.has(key)) fetchOne(doc, key);
    return single.get(key);
  }

  async function fetchOne(doc, key) {
    single.set(key, undefined);
    const e = 0.01;
    try {
      const answer = await getPredictions(doc.image_id, { bbox: [doc.x - e, doc.y - e, doc.x + e, doc.y + e], limit: 20 });
      single.set(key, answer.items.find((it) => it.source_id === doc.id) ?? null);
      render();
    } catch {
      single.set(key, null);
    }
  }

  function render() {
    const s = store.get();
    const p = predictionOf(s);
    pred.dataset.modelVersion = p ? String(s.predictions?.modelVersion ?? '') : '';
    pred.dataset.class = p ? String(p.class) : '';
    pred.dataset.score = p ? String(p.score) : '';
    if (p === undefined) {
      pred.innerHTML = '<span class="muted">prediction: …</span>';
      return;
    }
    if (p === null) {
      pred.innerHTML = `<span class="muted">${s.learning?.probe ? 'no prediction for this source (not embedded yet)'
        : 'no prediction yet: pretrain, then label a few sources'}</span>`;
      return;
    }
    const probs = Object.entries(p.probs ?? {}).sort((a, b) => b[1] - a[1]).map(([c, v]) => `<li title="${escapeHtml(classLabel(s.scheme, c))}">`
      + `<span class="cls">${escapeHtml(c)}</span><span class="pbar"><span style="width:${(100 * v).toFixed(0)}%;background:${escapeHtml(classColour(s.scheme, c) ?? '#888')}"></span></span>`
      + `<span class="num">${Number(v).toFixed(2)}</span></li>`).join('');
    const pseudo = p.pseudo_label !== null && p.pseudo_label !== undefined
      ? `<div class="pseudo" title="the probe trained on this as if labelled; it is the model's guess, not an annotator's">pseudo-label `
        + `${escapeHtml(classLabel(s.scheme, p.pseudo_label))} <small>(model, not human)</small></div>` : '';
    pred.innerHTML = `<span class="swatch predicted" style="border-color:${escapeHtml(classColour(s.scheme, p.class) ?? 'transparent')}"></span>`
      + `<span class="pred-text">${escapeHtml(predictionText(p, s.scheme))}</span> <small class="muted">probe v${escapeHtml(s.predictions?.version ?? '?')}</small>`
      + `<ul class="probs">${probs}</ul>${pseudo}`;
  }

  function renderSimilar() {
    const s = store.get();
    const sim = s.similar;
    list.hidden = !sim;
    if (!sim) {
      note.textContent = '';
      return;
    }
    note.textContent = sim.loading ? 'looking…' : sim.error ? '' : `like source ${sim.sourceId}`
      + ' (distance: 1 - cosine of the centred embeddings)';
    if (sim.error) {
      list.innerHTML = `<li class="error">${escapeHtml(sim.error)}</li>`;
      return;
    }
    if (sim.note) {
      list.innerHTML = `<li class="similar-young muted">${escapeHtml(sim.note)}</li>`;
      return;
    }
    const stretch = stretchParams(s.stretch);
    list.innerHTML = sim.items.map((it) => {
      const o = s.overrides[it.source_id];
      const label = o && 'label_class' in o ? o.label_class : it.label_class;
      const colour = classColour(s.scheme, label ?? it.class) ?? 'transparent';
      const what = label != null ? classLabel(s.scheme, label) : it.class ? `predicted ${classLabel(s.scheme, it.class)}` : 'unlabelled';
      const src = s.image ? cutoutUrl(s.image.id, { x: it.x, y: it.y, rendition: /** @type {string} */ (s.rendition), size: SIMILAR_CUTOUT, scale: 2 }, stretch) : '';
      return `<li><button type="button" data-source-id="${it.source_id}"${it.source_id === s.selectedId ? ' class="active"' : ''}`
        + ` title="${escapeHtml(`source ${it.source_id}: ${what}, ${similarText(it)}`)}">`
        + `<img alt="" loading="lazy" width="${SIMILAR_CUTOUT * 2}" height="${SIMILAR_CUTOUT * 2}" src="${escapeHtml(src)}">`
        + `<span class="sim-id"><span class="swatch${label != null ? '' : ' predicted'}" style="border-color:${escapeHtml(colour)}"></span>${it.source_id}</span>`
        + `<small class="sim-rank">${escapeHtml(similarText(it))}</small></button></li>`;
    }).join('');
  }

  async function findSimilar() {
    const id = store.get().selectedId;
    if (id === null) return;
    similarSeq += 1;
    const mine = similarSeq;
    store.set({ similar: { sourceId: id, items: [], loading: true, error: null } });
    try {
      const answer = await getSimilar(id, SIMILAR_K);
      if (mine === similarSeq) {
        store.set({ similar: { sourceId: id, items: answer.items, loading: false, error: null, note: answer.note ?? null } });
      }
    } catch (error) {
      if (mine === similarSeq) store.set({ similar: { sourceId: id, items: [], loading: false, error: error.message } });
    }
  }

  let last = [];
  store.subscribe((s) => {
    const key = [s.selectedId, s.selected, s.predictions, s.scheme, s.learning];
    if (!key.every((v, i) => v === last[i])) {
      last = key;
      render();
    }
  });
  store.watch((s) => s.selectedId, (id, s) => {
    if (s.similar && !s.similar.loading && !similarStillShown(s.similar, id)) {
      similarSeq += 1;
      store.set({ similar: null });
    }
  });
  store.watch((s) => s.imageId, () => {
    single.clear();
    similarSeq += 1;
    store.set({ similar: null });
  });
  let lastSimilar = [];
  store.subscribe((s) => {
    const key = [s.similar, s.selectedId, s.overrides, s.rendition, s.stretch];
    if (!key.every((v, i) => v === lastSimilar[i])) {
      lastSimilar = key;
      renderSimilar();
    }
  });
  render();
  renderSimilar();

  must(box, '#similar-button').addEventListener('click', (event) => {
    findSimilar();
    /** @type {HTMLElement} */ (event.currentTarget).blur();
  });
  list.addEventListener('click', (event) => {
    const button = /** @type {HTMLElement|null} */ (/** @type {HTMLElement} */ (event.target).closest('button[data-source-id]'));
    if (!button) return;
    const id = Number(button.dataset.sourceId);
    const item = store.get().similar?.items.find((it) => it.source_id === id);
    select(id, item ? { x: item.x, y: item.y } : undefined);
  });
}
