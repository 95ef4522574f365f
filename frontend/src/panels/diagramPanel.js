/**
 * `#diagram-panel` (`C`): the photometric context of every source of the visible layers, linked to the map
 * and the triage grid. Diagrams as in the LEGUS papers (selection/expressions.js): V against V-I (a
 * colour-magnitude diagram, V bright-up), U-B against V-I (colour-colour), CI against V. Points are
 * coloured by consensus class, reference class (an imported catalogue's, crossmatched) or prediction;
 * points outside the cuts and regions are faint; the selected source is ringed amber, the hovered one white.
 *
 * A click on a point selects its source and pans the map to it; a drag draws a lasso whose population
 * becomes the working set (the triage grid, n / p and label next then work on it; the map rings it in
 * magenta). Sources without a value on an axis (missing, or a LEGUS 99.999 / 66.666 sentinel) are left
 * out and the legend (`#diagram-legend`) says how many and why.
 *
 * Drawn on a canvas; 50,000 points cost a few ms. Test hooks: `data-count` (points drawn), `data-total`,
 * `data-lasso` (sources in the lasso).
 */
import { getPhotometry } from '../api/selection.js';
import { classColour } from '../labels/classKeys.js';
import { SELECTED_COLOUR } from '../layers/sourceStyle.js';
import { diagramTransform, gridIndex, niceTicks, regionContains, robustRange } from '../selection/diagramGeometry.js';
import { diagramKinds, diagramPoints, evaluate, inPolygon, legendText } from '../selection/expressions.js';
import { escapeHtml, must } from './dom.js';

const WIDTH = 380;
const HEIGHT = 280;
const BOX = { width: WIDTH, height: HEIGHT, left: 40, right: 8, top: 8, bottom: 28 };
const GREY = '#5b6676';
const LASSO = '#ff4fd8';
const CLICK_REACH = 6;
const MAX_LASSO_POINTS = 64;

/**
 * @param {import('../api/selection.js').Photometry} phot
 * @param {number} row
 * @param {'consensus'|'reference'|'prediction'} mode
 * @param {Record<number, {label_class?: string|null}>} overrides
 * @returns {string|null} the class the point is coloured by
 */
export function pointClass(phot, row, mode, overrides) {
  if (mode === 'reference') return phot.reference_class[row];
  if (mode === 'prediction') return phot.predicted_class[row];
  const o = overrides[phot.id[row]];
  return o && 'label_class' in o ? o.label_class ?? null : phot.label_class[row];
}

/**
 * @param {HTMLElement} panel
 * @param {import('../store.js').Store} store
 * @param {{select: (id: number) => void, actions: import('../actions.js').Actions}} deps
 * @returns {{pointToCanvas: (id: number) => [number, number]|null, kinds: () => object[], reload: () => Promise<void>}}
 */
export function mountDiagramPanel(panel, store, { select, actions }) {
  panel.innerHTML = `<div class="row diagram-bar"><h2>Diagram <small>(C)</small></h2>
      <select id="diagram-kind" title="which diagram"></select>
      <select id="diagram-colour" title="colour points by"><option value="consensus">consensus class</option>
        <option value="reference">reference class</option><option value="prediction">prediction</option></select>
      <button type="button" class="close" title="close (C)">×</button></div>
    <canvas id="diagram-canvas" width="${WIDTH}" height="${HEIGHT}" style="width:${WIDTH}px;height:${HEIGHT}px"></canvas>
    <div id="diagram-legend" class="muted"></div>
    <div class="row diagram-lasso-bar"><small class="muted">drag: lasso a population · click: select</small>
      <button type="button" id="diagram-lasso-clear" hidden>clear lasso</button></div>`;
  const canvas = /** @type {HTMLCanvasElement} */ (must(panel, '#diagram-canvas'));
  const kindSelect = /** @type {HTMLSelectElement} */ (must(panel, '#diagram-kind'));
  const colourSelect = /** @type {HTMLSelectElement} */ (must(panel, '#diagram-colour'));
  const legend = must(panel, '#diagram-legend');
  const clearButton = /** @type {HTMLButtonElement} */ (must(panel, '#diagram-lasso-clear'));
  const ctx = canvas.getContext('2d');
  let seq = 0;
  let loadedFor = '';
  /** @type {ReturnType<typeof diagramPoints>|null} */
  let points = null;
  let px = new Float64Array(0);
  let index = gridIndex(px);
  /** @type {ReturnType<typeof diagramTransform>|null} */
  let transform = null;
  /** @type {[number, number][]|null} the lasso being drawn, canvas pixels */
  let drawing = null;
  /** @type {Set<number>|null} sources inside the lasso polygon, before the cuts and regions */
  let lassoRaw = null;

  const kinds = () => diagramKinds(store.get().photometry?.columns ?? []);
  const kind = () => kinds().find((k) => k.id === kindSelect.value) ?? kinds()[0] ?? null;

  async function load() {
    const s = store.get();
    if (!s.diagramOpen || s.imageId === null || !s.layers.length) return;
    const layers = s.layers.filter((l) => !s.hiddenLayers.includes(l.id) && l.kind !== 'picked').map((l) => l.id);
    const key = `${s.imageId}:${layers.join(',')}:${s.sourcesVersion}`;
    if (key === loadedFor) return;
    loadedFor = key;
    seq += 1;
    const mine = seq;
    legend.textContent = 'loading…';
    try {
      const phot = await getPhotometry(s.imageId, { layers });
      if (mine !== seq) return;
      store.set({ photometry: phot });
    } catch (error) {
      if (mine === seq) {
        loadedFor = '';
        legend.textContent = error.message;
      }
    }
  }

  function fillKinds() {
    const list = kinds();
    const want = kindSelect.value;
    kindSelect.innerHTML = list.map((k) => `<option value="${k.id}">${escapeHtml(k.name)}</option>`).join('');
    if (list.some((k) => k.id === want)) kindSelect.value = want;
  }

  /** @returns {Uint8Array} 1 where the row passes the cuts and regions (not the lasso: that is drawn itself) */
  function inWorkingSet(phot) {
    const { workingSet: ws, regions } = store.get();
    const keep = new Uint8Array(phot.count).fill(1);
    for (const cut of ws.cuts) {
      if (!Number.isFinite(cut.min) && !Number.isFinite(cut.max)) continue;
      let values;
      try {
        ({ values } = evaluate(phot, cut.expr));
      } catch {
        continue;
      }
      for (let i = 0; i < phot.count; i += 1) {
        const v = values[i];
        if (!(Number.isFinite(v) && (!Number.isFinite(cut.min) || v >= cut.min) && (!Number.isFinite(cut.max) || v <= cut.max))) keep[i] = 0;
      }
    }
    const active = regions.filter((r) => ws.regions.includes(r.id));
    if (active.length) {
      for (let i = 0; i < phot.count; i += 1) {
        if (keep[i] && !active.some((r) => regionContains(r, phot.x[i], phot.y[i]))) keep[i] = 0;
      }
    }
    return keep;
  }

  function compute() {
    const s = store.get();
    const k = kind();
    if (!s.photometry || !k) {
      points = null;
      panel.dataset.count = '0';
      legend.textContent = s.photometry ? 'no magnitudes to plot: these layers have no V and I (or CI) columns' : '';
      draw();
      return;
    }
    points = diagramPoints(s.photometry, k.x, k.y);
    const range = { x: robustRange(points.xs), y: robustRange(points.ys) };
    transform = diagramTransform(range, BOX, k.invertY);
    px = new Float64Array(points.rows.length * 2);
    for (let i = 0; i < points.rows.length; i += 1) {
      const [a, b] = transform.toPx(points.xs[i], points.ys[i]);
      px[2 * i] = a;
      px[2 * i + 1] = b;
    }
    index = gridIndex(px);
    panel.dataset.count = String(points.rows.length);
    panel.dataset.total = String(s.photometry.count);
    legend.textContent = legendText(points.rows.length, s.photometry.count, points.leftOut, { [k.x]: k.xLabel, [k.y]: k.yLabel });
    draw();
  }

  function draw() {
    if (!ctx) return;
    ctx.clearRect(0, 0, WIDTH, HEIGHT);
    const s = store.get();
    const k = kind();
    if (!points || !transform || !k || !s.photometry) return;
    drawAxes(k);
    const phot = s.photometry;
    const mode = /** @type {any} */ (colourSelect.value);
    const keep = inWorkingSet(phot);
    /** @type {Map<string, number[]>} */
    const byColour = new Map();
    for (let i = 0; i < points.rows.length; i += 1) {
      const row = points.rows[i];
      const cls = pointClass(phot, row, mode, s.overrides);
      const colour = cls === null || cls === undefined ? GREY : classColour(s.scheme, cls) ?? GREY;
      const key = `${colour}|${keep[row] ? 1 : 0}`;
      let list = byColour.get(key);
      if (!list) byColour.set(key, (list = []));
      list.push(i);
    }
    for (const [key, list] of byColour) {
      const [colour, inside] = key.split('|');
      ctx.fillStyle = colour;
      ctx.globalAlpha = inside === '1' ? (colour === GREY ? 0.75 : 1) : 0.18;
      for (const i of list) ctx.fillRect(px[2 * i] - 1.25, px[2 * i + 1] - 1.25, 2.5, 2.5);
    }
    ctx.globalAlpha = 1;
    const lasso = s.lassoIds;
    if (lasso && lasso.size) {
      ctx.strokeStyle = LASSO;
      ctx.lineWidth = 1;
      for (let i = 0; i < points.rows.length; i += 1) {
        if (!lasso.has(phot.id[points.rows[i]])) continue;
        ctx.strokeRect(px[2 * i] - 2.5, px[2 * i + 1] - 2.5, 5, 5);
      }
    }
    if (s.workingSet.lasso && s.workingSet.lasso.x === k.x && s.workingSet.lasso.y === k.y) {
      outline(s.workingSet.lasso.points.map(([a, b]) => transform.toPx(a, b)), LASSO, true);
    }
    if (drawing) outline(drawing, LASSO, false);
    ring(s.hoverId, '#ffffff');
    ring(s.selectedId, SELECTED_COLOUR);
  }

  function outline(path, colour, closed) {
    if (!ctx || path.length < 2) return;
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.2;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    path.forEach(([a, b], i) => (i ? ctx.lineTo(a, b) : ctx.moveTo(a, b)));
    if (closed) ctx.closePath();
    ctx.stroke();
    ctx.setLineDash([]);
  }

  function ring(id, colour) {
    const at = id === null || id === undefined ? null : pointToCanvas(id);
    if (!ctx || !at) return;
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(at[0], at[1], 5, 0, 2 * Math.PI);
    ctx.stroke();
  }

  function drawAxes(k) {
    if (!ctx || !transform) return;
    const [x0, y0] = transform.toData(BOX.left, BOX.height - BOX.bottom);
    const [x1, y1] = transform.toData(BOX.width - BOX.right, BOX.top);
    ctx.strokeStyle = '#3a4556';
    ctx.fillStyle = '#9aa7b8';
    ctx.font = '10px sans-serif';
    ctx.lineWidth = 1;
    ctx.strokeRect(BOX.left, BOX.top, WIDTH - BOX.left - BOX.right, HEIGHT - BOX.top - BOX.bottom);
    ctx.textAlign = 'center';
    for (const t of niceTicks(Math.min(x0, x1), Math.max(x0, x1))) {
      const [a] = transform.toPx(t, y0);
      ctx.fillText(String(t), a, HEIGHT - BOX.bottom + 11);
    }
    ctx.fillText(k.xLabel, (BOX.left + WIDTH - BOX.right) / 2, HEIGHT - 3);
    ctx.textAlign = 'right';
    for (const t of niceTicks(Math.min(y0, y1), Math.max(y0, y1))) {
      const [, b] = transform.toPx(x0, t);
      ctx.fillText(String(t), BOX.left - 3, b + 3);
    }
    ctx.save();
    ctx.translate(10, (BOX.top + HEIGHT - BOX.bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText(k.yLabel, 0, 0);
    ctx.restore();
  }

  /** @param {number} id @returns {[number, number]|null} the point's canvas CSS pixels */
  function pointToCanvas(id) {
    const phot = store.get().photometry;
    if (!points || !phot) return null;
    for (let i = 0; i < points.rows.length; i += 1) {
      if (phot.id[points.rows[i]] === id) return [px[2 * i], px[2 * i + 1]];
    }
    return null;
  }

  /** @param {[number, number][]} path canvas pixels */
  function finishLasso(path) {
    const s = store.get();
    const k = kind();
    if (!k || !transform || !points || !s.photometry || path.length < 3) return;
    // at most MAX_LASSO_POINTS vertices: the lasso travels in the URL of every grid page, n / p and label next
    const step = Math.max(1, path.length / MAX_LASSO_POINTS);
    const kept = Array.from({ length: Math.min(path.length, MAX_LASSO_POINTS) }, (_, i) => path[Math.floor(i * step)]);
    const data = kept.map(([a, b]) => transform.toData(a, b).map((v) => +v.toPrecision(6)));
    lassoRaw = new Set();
    for (let i = 0; i < points.rows.length; i += 1) {
      if (inPolygon(points.xs[i], points.ys[i], /** @type {any} */ (data))) lassoRaw.add(s.photometry.id[points.rows[i]]);
    }
    store.set({ workingSet: { ...s.workingSet, lasso: { x: k.x, y: k.y, points: /** @type {any} */ (data), name: k.name } } });
    publishLasso();
    const n = store.get().lassoIds?.size ?? 0;
    actions.showStatus(`lasso: ${n} sources in ${k.name} and the cuts and regions; the triage grid, n / p and label next now work on them`, 'info', 'lasso');
  }

  /** The lasso's population as the working set has it: inside the polygon, the cuts and the regions. */
  function publishLasso() {
    const s = store.get();
    if (!lassoRaw || !s.workingSet.lasso || !s.photometry) {
      if (s.lassoIds !== null && !s.workingSet.lasso) store.set({ lassoIds: null });
      return;
    }
    const keep = inWorkingSet(s.photometry);
    const ids = new Set();
    for (let i = 0; i < s.photometry.count; i += 1) {
      const id = s.photometry.id[i];
      if (keep[i] && lassoRaw.has(id)) ids.add(id);
    }
    store.set({ lassoIds: ids });
  }

  const canvasPoint = (event) => {
    const rect = canvas.getBoundingClientRect();
    return /** @type {[number, number]} */ ([event.clientX - rect.left, event.clientY - rect.top]);
  };
  canvas.addEventListener('pointerdown', (event) => {
    drawing = [canvasPoint(event)];
    canvas.setPointerCapture?.(event.pointerId);
  });
  canvas.addEventListener('pointermove', (event) => {
    const at = canvasPoint(event);
    if (drawing) {
      const last = drawing[drawing.length - 1];
      if (Math.hypot(at[0] - last[0], at[1] - last[1]) >= 2) drawing.push(at);
      draw();
      return;
    }
    const i = index.nearest(at[0], at[1], CLICK_REACH);
    const id = i >= 0 && points ? store.get().photometry?.id[points.rows[i]] ?? null : null;
    if (id !== store.get().hoverId) store.set({ hoverId: id });
  });
  canvas.addEventListener('pointerleave', () => {
    if (!drawing && store.get().hoverId !== null) store.set({ hoverId: null });
  });
  canvas.addEventListener('pointerup', (event) => {
    const path = drawing ?? [];
    drawing = null;
    const span = path.reduce((m, p) => Math.max(m, Math.hypot(p[0] - path[0][0], p[1] - path[0][1])), 0);
    if (path.length >= 3 && span > 6) {
      finishLasso(path);
    } else {
      const at = canvasPoint(event);
      const i = index.nearest(at[0], at[1], CLICK_REACH);
      if (i >= 0 && points) select(/** @type {number} */ (store.get().photometry?.id[points.rows[i]]));
    }
    draw();
  });
  clearButton.addEventListener('click', () => {
    store.set({ workingSet: { ...store.get().workingSet, lasso: null }, lassoIds: null });
    clearButton.blur();
  });
  kindSelect.addEventListener('change', () => {
    compute();
    kindSelect.blur();
  });
  colourSelect.addEventListener('change', () => {
    draw();
    colourSelect.blur();
  });
  must(panel, '.close').addEventListener('click', () => store.set({ diagramOpen: false }));

  store.watch((s) => s.triageOpen, (open) => document.body.classList.toggle('triage-open', open));
  store.watch((s) => s.diagramOpen, (open) => {
    panel.hidden = !open;
    document.body.classList.toggle('diagram-open', open);
    if (open) load();
  });
  store.watch((s) => s.imageId, () => {
    loadedFor = '';
    seq += 1;
    store.set({ photometry: null, lassoIds: null, workingSet: { cuts: [], regions: [], lasso: null } });
  });
  store.watch((s) => [s.layers.map((l) => l.id).join(','), s.hiddenLayers.join(','), s.sourcesVersion].join('|'), () => load());
  store.watch((s) => s.photometry, () => {
    fillKinds();
    compute();
  });
  let lastSet = [];
  store.subscribe((s) => {
    const key = [s.workingSet.cuts, s.workingSet.regions, s.regions, s.photometry];
    if (!key.every((v, i) => v === lastSet[i])) {
      lastSet = key;
      publishLasso();
    }
  });
  store.watch((s) => s.workingSet.lasso, (lasso) => {
    if (!lasso) lassoRaw = null;
    publishLasso();
    clearButton.hidden = !lasso;
    panel.dataset.lasso = String(store.get().lassoIds?.size ?? 0);
  });
  store.watch((s) => s.lassoIds, (ids) => {
    panel.dataset.lasso = String(ids?.size ?? 0);
  });
  let last = [];
  store.subscribe((s) => {
    const key = [s.selectedId, s.hoverId, s.overrides, s.scheme, s.workingSet, s.regions, s.lassoIds];
    if (!key.every((v, i) => v === last[i])) {
      last = key;
      draw();
    }
  });
  panel.hidden = true;
  return { pointToCanvas, kinds, reload: () => { loadedFor = ''; return load(); } };
}
