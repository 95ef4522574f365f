/**
 * `#embedding-view`: every source as a point at its first two principal components of the encoder's
 * embeddings (`GET /embedding`), coloured by human label or by prediction (`#embedding-colour`), linked to
 * the image: a click on a point selects that source and centres the map on it; the selected source is
 * ringed in amber, label-next proposals in white. Sources that look alike to the encoder sit together,
 * so a cluster of one colour with a stray point is worth a look.
 *
 * Drawn on a canvas (15,000 points cost a few ms); `data-count` is the number of points, `data-selected`
 * the selected source when it is one of them. Fetched when opened, when a new encoder embedded the
 * sources, and (at most every 2 s) when new scores arrive.
 */
import { getEmbedding } from '../api/learning.js';
import { classLabel } from '../labels/classKeys.js';
import { SELECTED_COLOUR } from '../layers/sourceStyle.js';
import { nearestPoint, pointStyle, scatterTransform } from '../learning/embeddingScatter.js';
import { escapeHtml, must } from './dom.js';

const WIDTH = 340;
const HEIGHT = 260;
const CLICK_REACH = 8;
const RADIUS = 2.5;
const REFETCH_MS = 2000;
const ORDER = { none: 0, prediction: 1, label: 2 };

/**
 * @param {HTMLElement} panel
 * @param {import('../store.js').Store} store
 * @param {{select: (id: number) => void, events: import('../api/events.js').ImageEventHub}} deps
 * @returns {{pointToCanvas: (sourceId: number) => [number, number]|null}} a point's position in CSS pixels
 *   from the canvas's top-left corner (tests click there)
 */
export function mountEmbeddingView(panel, store, { select, events }) {
  panel.innerHTML = `<div class="row embedding-bar"><h2>Embedding <small class="embedding-note"></small></h2>
      <select id="embedding-colour" title="colour points by"><option value="label">by label</option>
        <option value="prediction" selected>by prediction</option></select>
      <button type="button" class="close" title="close (e)">×</button></div>
    <canvas id="embedding-canvas" width="${WIDTH}" height="${HEIGHT}" style="width:${WIDTH}px;height:${HEIGHT}px"></canvas>
    <div class="embedding-hover muted">click a point to select its source</div>`;
  const canvas = /** @type {HTMLCanvasElement} */ (must(panel, '#embedding-canvas'));
  const note = must(panel, '.embedding-note');
  const hover = must(panel, '.embedding-hover');
  const colourBy = /** @type {HTMLSelectElement} */ (must(panel, '#embedding-colour'));
  /** @type {{model_version: number, items: object[], explained_variance: number[]}|null} */
  let data = null;
  let loadedFor = '';
  let xy = new Float64Array(0);
  let lastFetch = 0;
  /** @type {ReturnType<typeof setTimeout>|null} */
  let refetchTimer = null;
  let seq = 0;

  async function load() {
    const s = store.get();
    if (!s.embeddingOpen || s.imageId === null) return;
    seq += 1;
    const mine = seq;
    lastFetch = Date.now();
    loadedFor = `${s.imageId}:${s.learning?.embeddings?.model_version ?? ''}`;
    note.textContent = 'loading…';
    try {
      const answer = await getEmbedding(s.imageId);
      if (mine !== seq || store.get().imageId !== s.imageId) return;
      data = answer;
      const toScreen = scatterTransform(answer.items, WIDTH, HEIGHT);
      xy = new Float64Array(answer.items.length * 2);
      answer.items.forEach((it, i) => {
        [xy[2 * i], xy[2 * i + 1]] = toScreen(it.pc);
      });
      const [v1, v2] = (answer.explained_variance ?? []).map((v) => Math.round(100 * v));
      note.textContent = `encoder v${answer.version} · ${answer.count} sources · PC1 ${v1}%, PC2 ${v2}% of variance`;
      draw();
    } catch (error) {
      if (mine !== seq) return;
      data = null;
      xy = new Float64Array(0);
      note.textContent = '';
      hover.textContent = error.status === 409 || error.status === 404 ? `no embeddings yet: ${error.message}` : error.message;
      draw();
    }
  }

  function draw() {
    const s = store.get();
    const pr = globalThis.devicePixelRatio || 1;
    if (canvas.width !== Math.round(WIDTH * pr)) {
      canvas.width = Math.round(WIDTH * pr);
      canvas.height = Math.round(HEIGHT * pr);
    }
    const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
    ctx.setTransform(pr, 0, 0, pr, 0, 0);
    ctx.clearRect(0, 0, WIDTH, HEIGHT);
    panel.dataset.count = String(data?.items.length ?? 0);
    panel.dataset.selected = '';
    if (!data) return;
    const mode = /** @type {'label'|'prediction'} */ (colourBy.value);
    const styled = data.items.map((it, i) => ({ i, st: pointStyle(it, mode, s.scheme, s.overrides) }))
      .sort((a, b) => ORDER[a.st.kind] - ORDER[b.st.kind]);
    for (const { i, st } of styled) {
      ctx.globalAlpha = st.alpha;
      ctx.beginPath();
      ctx.arc(xy[2 * i], xy[2 * i + 1], st.solid ? RADIUS : RADIUS + 0.5, 0, 2 * Math.PI);
      if (st.solid) {
        ctx.fillStyle = st.colour;
        ctx.fill();
      } else {
        ctx.strokeStyle = st.colour;
        ctx.lineWidth = 1.5;
        ctx.stroke();
      }
    }
    ctx.globalAlpha = 1;
    const ring = (id, colour, r) => {
      const i = data?.items.findIndex((it) => it.source_id === id) ?? -1;
      if (i < 0) return false;
      ctx.beginPath();
      ctx.arc(xy[2 * i], xy[2 * i + 1], r, 0, 2 * Math.PI);
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.stroke();
      return true;
    };
    if (s.labelNext.active) for (const it of s.labelNext.items) ring(it.id, '#ffffff', 5);
    if (s.selectedId !== null && ring(s.selectedId, SELECTED_COLOUR, 7)) panel.dataset.selected = String(s.selectedId);
  }

  /** @param {MouseEvent} event @returns {object|null} the item under the pointer */
  function itemAt(event) {
    const box = canvas.getBoundingClientRect();
    const i = nearestPoint(xy, event.clientX - box.left, event.clientY - box.top, CLICK_REACH);
    return i >= 0 && data ? data.items[i] : null;
  }

  canvas.addEventListener('click', (event) => {
    const item = itemAt(event);
    if (item) select(item.source_id);
  });
  canvas.addEventListener('mousemove', (event) => {
    const item = itemAt(event);
    canvas.style.cursor = item ? 'pointer' : 'default';
    if (!item) return;
    const s = store.get();
    const o = s.overrides[item.source_id];
    const label = o && 'label_class' in o ? o.label_class : item.label_class;
    hover.innerHTML = `source ${item.source_id}: ${escapeHtml(label == null ? 'unlabelled' : classLabel(s.scheme, label))}`
      + (item.class ? ` · predicted ${escapeHtml(classLabel(s.scheme, item.class))} (${Number(item.score).toFixed(2)})` : '');
  });
  colourBy.addEventListener('change', () => {
    draw();
    colourBy.blur();
  });
  must(panel, '.close').addEventListener('click', () => store.set({ embeddingOpen: false }));

  store.watch((s) => s.embeddingOpen, (open, s) => {
    panel.hidden = !open;
    if (open && loadedFor !== `${s.imageId}:${s.learning?.embeddings?.model_version ?? ''}`) load();
  });
  store.watch((s) => `${s.imageId}:${s.learning?.embeddings?.model_version ?? ''}`, (key, s) => {
    if (key !== loadedFor && s.embeddingOpen) load();
  });
  events.on('scores', () => {
    if (!store.get().embeddingOpen || refetchTimer) return;
    refetchTimer = setTimeout(() => {
      refetchTimer = null;
      load();
    }, Math.max(0, lastFetch + REFETCH_MS - Date.now()));
  });
  let last = [];
  store.subscribe((s) => {
    const key = [s.selectedId, s.overrides, s.scheme, s.labelNext];
    if (key.every((v, i) => v === last[i])) return;
    last = key;
    if (s.embeddingOpen) draw();
  });

  return {
    pointToCanvas(sourceId) {
      const i = data?.items.findIndex((it) => it.source_id === sourceId) ?? -1;
      return i >= 0 ? [xy[2 * i], xy[2 * i + 1]] : null;
    },
  };
}
