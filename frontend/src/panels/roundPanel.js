/**
 * The round panel (issue 9): my rounds on this image, my queue ("12 of 40 done"), start / stop walking it
 * (n / p), what the round shows of the selected source (prediction score, previous round's majority), and
 * for the round's creator: open, close, the agreement report (a table and the confusion matrices as heat
 * maps) and the disagreement queue with adjudication.
 */
import { progressText } from '../rounds/roundQueue.js';
import { escapeHtml, must } from './dom.js';

const fmt = (v) => (v === null || v === undefined ? 'n/a' : typeof v === 'number' ? v.toFixed(3) : String(v));

/**
 * A confusion matrix as an HTML heat map (rows: reference class, columns: given class).
 * @param {number[][]} matrix
 * @param {string[]} classes
 * @returns {string}
 */
export function heatMap(matrix, classes) {
  const top = Math.max(1, ...matrix.flat());
  const head = classes.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const rows = matrix.map((row, i) => `<tr><th>${escapeHtml(classes[i])}</th>${row.map((n) => {
    const alpha = (0.15 + 0.85 * (n / top)).toFixed(2);
    return `<td style="background: rgba(88, 166, 255, ${n ? alpha : 0})">${n}</td>`;
  }).join('')}</tr>`).join('');
  return `<table class="heatmap"><tr><th></th>${head}</tr>${rows}</table>`;
}

/**
 * The report's figures as table rows.
 * @param {any} report GET /rounds/{id}/report
 * @returns {string}
 */
export function reportTable(report) {
  const rows = [
    ['human-to-mode agreement', report.human_to_mode_agreement],
    ["Fleiss' kappa", report.fleiss_kappa],
    ["Krippendorff's alpha", report.krippendorff_alpha],
  ].map(([name, v]) => `<tr><th>${name}</th><td data-figure="${escapeHtml(String(name))}-4">${fmt(v?.['4class'])}</td>`
    + `<td data-figure="${escapeHtml(String(name))}-2">${fmt(v?.binary)}</td></tr>`).join('');
  return `<table class="report"><tr><th></th><th>4-class</th><th>binary</th></tr>${rows}`
    + `<tr><th>sources / votes</th><td colspan="2">${report.n_sources} / ${report.n_votes}</td></tr>`
    + `<tr><th>self-agreement</th><td colspan="2">${fmt(report.self_agreement?.value)} (n=${report.self_agreement?.n ?? 0})</td></tr></table>`;
}

/**
 * Agreement by magnitude or CI: the report's quantile bins of the round's own sources, with their counts.
 * @param {{column: string|null, bins: {lo: number, hi: number, n_sources?: number, n_items: number,
 *          agreement: number|null}[]}|undefined} binned the report's `by_magnitude` / `by_ci`
 * @param {string} what e.g. 'magnitude'
 * @returns {string} '' when the sources have no such column
 */
export function binsTable(binned, what) {
  if (!binned?.column || !binned.bins?.length) return '';
  const rows = binned.bins.map((b) => `<tr><td>${b.lo.toFixed(2)}–${b.hi.toFixed(2)}</td>`
    + `<td>${b.n_sources ?? b.n_items}</td><td>${fmt(b.agreement)}</td></tr>`).join('');
  return `<table class="report bins" data-bins="${escapeHtml(what)}"><tr><th>${escapeHtml(what)} `
    + `<small>${escapeHtml(binned.column)}</small></th><th>sources</th><th>agreement</th></tr>${rows}</table>`;
}

/**
 * The body of POST /images/{id}/rounds from the new-round form's fields: `sample.regions` is the drawn
 * polygon when there is one; `sample.strategy` random (needs the polygon), entropy or diverse.
 * @param {Record<string, any>} fields the form's entries (checkboxes: 'on' when ticked)
 * @param {any} draft the drawn shape (GeoJSON geometry, 0-based pixels) or null
 * @returns {object|null} null when the form cannot make a round (random without a region)
 */
export function roundBody(fields, draft) {
  const strategy = String(fields.strategy ?? 'random');
  const polygon = draft?.type === 'Polygon' ? draft : null;
  if (strategy === 'random' && !polygon) return null;
  return {
    name: String(fields.name ?? ''), k: Number(fields.k),
    annotators: String(fields.annotators ?? '').split(',').map((a) => a.trim()).filter(Boolean),
    blind: fields.blind === 'on', show_predictions: fields.show_predictions === 'on',
    show_previous_majority: fields.show_previous_majority === 'on',
    sample: { ...(polygon ? { regions: [polygon] } : {}), n: Number(fields.n), strategy },
  };
}

/**
 * @param {HTMLElement} root #round-panel
 * @param {{get: Function, watch: Function, subscribe: Function}} store
 * @param {ReturnType<import('../rounds/roundActions.js').createRoundActions>} rounds
 */
export function mountRoundPanel(root, store, rounds) {
  root.innerHTML = `<h2>Rounds</h2><div class="round-body"></div>`;
  const body = must(root, '.round-body');
  let last = null;

  function render() {
    const s = store.get();
    const r = s.round;
    const key = [r, s.selectedId, s.scheme, s.annotator, s.draft?.type === 'Polygon'];
    if (last && key.every((v, i) => v === last[i])) return;
    last = key;
    const form = newRoundForm(s.draft?.type === 'Polygon');
    if (!r.rounds.length) {
      body.innerHTML = `<p class="hint">No consensus rounds for ${escapeHtml(s.annotator || 'you')} on this image.</p>${form}`
        + (r.error ? `<p class="error">${escapeHtml(r.error)}</p>` : '');
      return;
    }
    const found = r.rounds.find((x) => x.id === r.roundId) ?? null;
    const options = r.rounds.map((x) => `<option value="${x.id}" ${x.id === r.roundId ? 'selected' : ''}>`
      + `${escapeHtml(x.name)} (${escapeHtml(x.state)})</option>`).join('');
    let html = `<label>my rounds <select id="round-select"><option value="">choose…</option>${options}</select></label>`;
    if (found) {
      const mineToLabel = found.annotators.includes(s.annotator);
      html += `<p>${escapeHtml(found.state)}, k = ${found.k}${found.blind ? ', blind' : ''}</p>`;
      if (mineToLabel && r.queue) {
        html += `<p>my queue: <strong id="round-progress">${escapeHtml(progressText(r.queue))}</strong></p>`;
        if (found.state === 'open') {
          html += r.active ? '<button id="round-stop">stop (n / p: unlabelled)</button>'
            : '<button id="round-start">start labelling my queue</button>';
        }
      }
      const item = r.queue?.items.find((i) => i.source_id === s.selectedId);
      if (item) {
        const bits = [];
        if (item.prediction) bits.push(`prediction ${escapeHtml(item.prediction.class)} (${fmt(item.prediction.score)})`);
        if ('previous_majority' in item) bits.push(`previous majority ${escapeHtml(item.previous_majority ?? 'none')}`);
        if (item.repeat) bits.push('shown again');
        html += `<p class="round-source">this source: ${bits.join(', ') || 'in your queue'}</p>`;
      }
      if (found.created_by === s.annotator) {
        if (found.state === 'draft') html += '<button id="round-open">open the round</button>';
        if (found.state === 'open') html += '<button id="round-close">close the round</button>';
      }
      if (r.report) html += reportHtml(r.report, s.scheme);
    }
    if (r.error) html += `<p class="error">${escapeHtml(r.error)}</p>`;
    const typed = keepTyped();
    body.innerHTML = html + form;
    typed();
  }

  function reportHtml(report, scheme) {
    const classes = report.classes;
    const people = report.per_annotator.map((p) => `<details><summary>${escapeHtml(p.annotator)}: `
      + `${fmt(p.agreement_with_consensus)} with the consensus</summary>${heatMap(p.confusion, classes)}</details>`).join('');
    const choices = (scheme?.classes ?? classes.map((c) => ({ id: c, name: c })))
      .map((c) => `<option value="${escapeHtml(c.id)}">${escapeHtml(c.id)} ${escapeHtml(c.name ?? '')}</option>`).join('');
    const bySource = new Map(report.sources.map((x) => [x.source_id, x]));
    const queue = report.disagreements.map((sid) => {
      const x = bySource.get(sid);
      const votes = Object.entries(x?.votes ?? {}).filter(([, n]) => n).map(([c, n]) => `${c}×${n}`).join(' ');
      return `<li data-source="${sid}"><a href="#" data-goto="${sid}">${sid}</a> ${escapeHtml(votes)}`
        + ` <em>${escapeHtml((x?.reasons ?? []).join(', '))}</em>`
        + (x?.class_adjudicated ? ` → <strong>${escapeHtml(x.class_adjudicated)}</strong>` : '')
        + `<select class="adj-class">${choices}</select><input class="adj-note" placeholder="note">`
        + '<button class="adj-go">adjudicate</button></li>';
    }).join('');
    return `<h3>Report</h3>${reportTable(report)}${binsTable(report.by_magnitude, 'magnitude')}`
      + `${binsTable(report.by_ci, 'CI')}<h3>Annotators</h3>${people}`
      + `<h3>Disagreements (${report.disagreements.length})</h3><ul class="disagreements">${queue}</ul>`;
  }

  /** What the user has typed or chosen in the panel's inputs, put back after a re-render (a queue refresh
   * must not reset a half-filled adjudication or new-round form). @returns {() => void} the restorer */
  function keepTyped() {
    const values = new Map();
    for (const el of body.querySelectorAll('input, select')) {
      const input = /** @type {HTMLInputElement} */ (el);
      if (input.id === 'round-select') continue;
      const li = input.closest('li');
      const key = `${li?.dataset.source ?? ''}|${input.className}|${input.name}`;
      values.set(key, input.type === 'checkbox' ? input.checked : input.value);
    }
    return () => {
      for (const el of body.querySelectorAll('input, select')) {
        const input = /** @type {HTMLInputElement} */ (el);
        const li = input.closest('li');
        const key = `${li?.dataset.source ?? ''}|${input.className}|${input.name}`;
        if (!values.has(key)) continue;
        if (input.type === 'checkbox') input.checked = Boolean(values.get(key));
        else input.value = String(values.get(key));
      }
    };
  }

  /** The new-round form: N sources at random inside the polygon drawn with the polygon tool (o), or the N
   * the acquisition function chooses (entropy, diverse), inside the polygon when there is one. */
  function newRoundForm(hasPolygon) {
    const where = hasPolygon ? 'in the drawn region' : 'on the whole image (or draw a region with o)';
    return `<form id="round-new"><h3>New round ${where}</h3>
      <label>name <input name="name" value="round"></label>
      <label>sources <input name="n" type="number" min="1" value="30"></label>
      <label>chosen <select name="strategy">
        <option value="random" ${hasPolygon ? 'selected' : 'disabled'}>at random in the region</option>
        <option value="entropy" ${hasPolygon ? '' : 'selected'}>most uncertain (entropy)</option>
        <option value="diverse">diverse (embedding k-center)</option></select></label>
      <label>k <input name="k" type="number" min="1" value="3"></label>
      <label>annotators <input name="annotators" placeholder="ann, bob, cyd"></label>
      <label><input name="blind" type="checkbox" checked> blind</label>
      <label><input name="show_predictions" type="checkbox"> show predictions</label>
      <label><input name="show_previous_majority" type="checkbox"> show previous majority</label>
      <button type="submit" id="round-create">create</button></form>`;
  }

  body.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(/** @type {HTMLFormElement} */ (event.target));
    const made = roundBody(Object.fromEntries(data.entries()), store.get().draft);
    if (made) rounds.create(made);
  });
  body.addEventListener('change', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (target.id === 'round-select') rounds.choose(Number(/** @type {HTMLSelectElement} */ (target).value) || null);
  });
  body.addEventListener('click', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (target.id === 'round-start') rounds.setActive(true);
    else if (target.id === 'round-stop') rounds.setActive(false);
    else if (target.id === 'round-open') rounds.open();
    else if (target.id === 'round-close') rounds.close();
    else if (target.classList.contains('adj-go')) {
      const li = /** @type {HTMLElement} */ (target.closest('li'));
      const cls = /** @type {HTMLSelectElement} */ (must(li, '.adj-class')).value;
      const note = /** @type {HTMLInputElement} */ (must(li, '.adj-note')).value;
      rounds.decide(Number(li.dataset.source), cls, note);
    } else if (target.dataset.goto) {
      event.preventDefault();
      rounds.goto?.(Number(target.dataset.goto));
    } else {
      return;
    }
    target.blur();
  });
  store.subscribe(render);
  render();
}
