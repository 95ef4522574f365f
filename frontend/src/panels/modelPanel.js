/**
 * `#model-panel`: the AI loop for an annotator. Which model is in use (`#model-version`: encoder and
 * probe versions, labels, validation accuracy), "Pretrain (BYOL)" with its steps, batch size and encoder
 * (`#pretrain-button`, `#pretrain-steps`, `#pretrain-batch`, `#pretrain-encoder`), the progress of the
 * running chain of tasks (`#task-progress` with `data-status` = the chain's state: idle | queued | running |
 * done | failed, `data-progress` 0..1 of the task shown, `data-task` its name), "Retrain now", the accuracy
 * against labels plot (`#accuracy-plot`), the history of probe versions, the "colour by prediction" switch
 * (`#prediction-toggle`), label next (`#next-strategy`, `#label-next-button` with `aria-pressed`) and the
 * embedding view button (`#embedding-button`).
 */
import { ENCODERS, RECIPES, STRATEGIES } from '../api/learning.js';
import { PRETRAIN_DEFAULTS } from '../learning/modelActions.js';
import { describeStrategy } from '../learning/labelNext.js';
import { describeTask, shownTask } from '../learning/taskProgress.js';
import { accuracyPlotSvg, labelsSavedText } from './accuracyPlot.js';
import { must } from './dom.js';

const EVENTS_TITLE = { open: 'live: scores and labels arrive as they happen', connecting: 'connecting to live events…',
  down: 'live events are down: reconnecting (scores refresh when they are back)' };

/**
 * @param {object|null} learning GET /learning
 * @param {boolean} [pretraining] a pretraining chain is under way
 * @returns {string} "encoder v1 · probe v3: 12 labels, accuracy 0.81"
 */
export function modelSummary(learning, pretraining = false) {
  if (!learning) return 'reading the model…';
  if (!learning.encoder) return pretraining ? 'no model yet: pretraining the first encoder…' : 'no model yet: pretrain one (BYOL on this image\'s sources)';
  const enc = `encoder v${learning.encoder.version}${learning.encoder.steps ? ` (${learning.encoder.steps} steps)` : ''}`;
  if (!learning.embeddings) return `${enc}, embedding its sources…`;
  const p = learning.probe;
  if (!p) return `${enc} · no probe yet: label a few sources of two or more classes`;
  const known = p.validation_accuracy !== null && p.validation_accuracy !== undefined;
  const pending = !known && /pending/.test(String(p.validation ?? ''));
  // One statement about accuracy: while the newest probe is cross-validated, the last known figure is named
  // with its own version (it read "accuracy 0.49" beside "pending", as if both were of one probe).
  const before = pending ? [...(learning.history ?? [])].reverse().find((h) => h.version !== p.version
    && h.validation_accuracy !== null && h.validation_accuracy !== undefined) : undefined;
  const acc = known ? `accuracy ${Number(p.validation_accuracy).toFixed(2)}`
    : pending ? `accuracy: cross-validating…${before ? ` (v${before.version} had ${Number(before.validation_accuracy).toFixed(2)})` : ''}`
      : 'accuracy n/a (too few labels)';
  return `${enc} · probe v${p.version}: ${p.n_labels ?? '?'} labels, ${acc}${p.n_pseudo ? `, ${p.n_pseudo} pseudo-labels` : ''}`;
}

/**
 * @param {HTMLElement} panel
 * @param {import('../store.js').Store} store
 * @param {{model: import('../learning/modelActions.js').ModelActions, labelNext: import('../learning/labelNext.js').LabelNext}} deps
 */
export function mountModelPanel(panel, store, { model, labelNext }) {
  const d = PRETRAIN_DEFAULTS;
  panel.innerHTML = `
    <h2>Model <span id="events-state" class="live-dot" data-state="connecting" title=""></span></h2>
    <div id="model-version" class="model-version" data-model-version="" data-version="" data-encoder-version=""></div>
    <div class="row">
      <button type="button" id="label-next-button" aria-pressed="false" title="walk through the sources the model wants labelled (l)">Label next <kbd>l</kbd></button>
      <select id="next-strategy" title="how label next picks sources: entropy (most uncertain), margin, diverse (k-center in embedding space), random">
        ${STRATEGIES.map((s) => `<option>${s}</option>`).join('')}</select>
    </div>
    <p id="label-next-info" class="note" hidden></p>
    <div class="row"><button type="button" id="embedding-button" aria-pressed="false" title="2-D map of the embeddings (e)">Embedding view <kbd>e</kbd></button>
      <label class="toggle"><input type="checkbox" id="prediction-toggle"> colour by prediction <kbd>c</kbd></label></div>
    <form id="pretrain-form" class="row fields pretrain" autocomplete="off">
      <label title="BYOL optimiser steps (the paper: 170,000 on a GPU; a CPU manages 20 or so a minute)">steps
        <input id="pretrain-steps" type="number" min="1" max="1000000" step="1" value="${d.steps}"></label>
      <label title="cutouts per step">batch <input id="pretrain-batch" type="number" min="2" max="4096" step="1" value="${d.batch_size}"></label>
      <select id="pretrain-encoder" title="encoder: auto = StarcNet on a GPU, the small ResNet on a CPU">
        ${ENCODERS.map((e) => `<option${e === d.encoder ? ' selected' : ''}>${e}</option>`).join('')}</select>
      <select id="pretrain-recipe" title="measured: each source stretched to its own peak, an embedding that also holds the network's intermediate features, views that keep its size, a decorrelation term (the best BYOL of the label-efficiency benchmark); paper: the paper's settings (Table C.1 views, Adam 3e-4)">
        ${RECIPES.map((r) => `<option${r === d.recipe ? ' selected' : ''}>${r}</option>`).join('')}</select>
      <button type="submit" id="pretrain-button">Pretrain (BYOL)</button>
      <button type="button" id="retrain-button" title="refit the probe on the current labels now (labels also refit it by themselves)">Retrain now</button>
    </form>
    <div id="task-progress" data-status="idle" data-progress="0" data-task="">
      <div class="bar"><span></span></div><div class="task-text muted">no task yet</div></div>
    <div id="accuracy-plot-box"></div>
    <p id="labels-saved" class="note" title="learning curves on random subsets of the labels so far: the labels a probe on photometric features alone (magnitudes, CI) needs to reach an accuracy both reach, minus the labels this probe needs"></p>
    <details class="model-history"><summary>probe versions</summary><table id="model-history"></table></details>`;
  const q = (sel) => must(panel, sel);
  const version = q('#model-version');
  const progress = q('#task-progress');
  const bar = /** @type {HTMLElement} */ (progress.querySelector('.bar span'));
  const taskText = /** @type {HTMLElement} */ (progress.querySelector('.task-text'));
  const plotBox = q('#accuracy-plot-box');
  const savedText = q('#labels-saved');
  const historyTable = q('#model-history');
  const toggle = /** @type {HTMLInputElement} */ (q('#prediction-toggle'));
  const strategy = /** @type {HTMLSelectElement} */ (q('#next-strategy'));
  const nextButton = q('#label-next-button');
  const nextInfo = q('#label-next-info');
  const embeddingButton = q('#embedding-button');
  const pretrainButton = /** @type {HTMLButtonElement} */ (q('#pretrain-button'));
  const retrainButton = /** @type {HTMLButtonElement} */ (q('#retrain-button'));
  const live = q('#events-state');

  function renderModel(learning) {
    version.dataset.modelVersion = String(learning?.probe?.model_version ?? '');
    version.dataset.version = String(learning?.probe?.version ?? '');
    version.dataset.encoderVersion = String(learning?.encoder?.version ?? '');
    retrainButton.disabled = !learning?.embeddings;
    plotBox.innerHTML = accuracyPlotSvg(learning?.history ?? []);
    savedText.textContent = labelsSavedText(learning?.probe);
    const fixed = (v) => (v === null || v === undefined ? '–' : Number(v).toFixed(3));
    historyTable.innerHTML = '<tr><th>probe</th><th>labels</th><th>accuracy</th><th title="a probe on photometric features alone, the same labels and folds">features alone</th></tr>'
      + [...(learning?.history ?? [])].reverse().map((h) => `<tr data-model-version="${h.model_version}"><td>v${h.version}</td>`
        + `<td>${h.n_labels ?? '–'}</td><td>${fixed(h.validation_accuracy)}</td><td>${fixed(h.features_only_accuracy)}</td></tr>`).join('');
  }

  function renderTask(s) {
    const view = shownTask(s.tasks, { nLabels: s.learning?.n_labels ?? 0, now: Date.now() });
    progress.dataset.status = view?.chain ?? 'idle';
    progress.dataset.progress = String(view ? (view.status === 'done' ? 1 : view.progress) : 0);
    progress.dataset.task = view?.name ?? '';
    bar.style.width = `${Math.round(100 * Number(progress.dataset.progress))}%`;
    taskText.textContent = view ? describeTask(view) : 'no task yet';
    taskText.classList.toggle('error', view?.chain === 'failed');
    const pretraining = !!view && ['pretrain', 'embed'].includes(view.name) && ['running', 'queued'].includes(view.chain);
    pretrainButton.disabled = pretraining;
    version.textContent = modelSummary(s.learning, pretraining);
  }

  function renderNext(s) {
    const ln = s.labelNext;
    nextButton.setAttribute('aria-pressed', String(ln.active));
    nextButton.classList.toggle('active', ln.active);
    if (strategy.value !== ln.strategy) strategy.value = ln.strategy;
    nextInfo.hidden = !ln.active && !ln.error;
    const at = ln.items.findIndex((it) => it.id === s.selectedId);
    nextInfo.classList.toggle('error', !!ln.error);
    nextInfo.textContent = ln.error ? ln.error : ln.loading ? 'asking the model what to label next…'
      : `${at >= 0 ? `proposal ${at + 1} of ${ln.items.length}` : `${ln.items.length} proposals`}`
        + ` · ${describeStrategy(ln.strategy, ln.question, s.scheme)}`
        + ` · ${ln.labelled} labelled here`;
  }

  store.watch((s) => s.learning, renderModel);
  store.watch((s) => s.tasks, (_, s) => renderTask(s));
  store.watch((s) => s.learning, (_, s) => renderTask(s));
  store.watch((s) => s.colourByPrediction, (on) => {
    toggle.checked = on;
  });
  store.watch((s) => s.labelNext, (_, s) => renderNext(s));
  store.watch((s) => s.selectedId, (_, s) => renderNext(s));
  store.watch((s) => s.embeddingOpen, (open) => {
    embeddingButton.setAttribute('aria-pressed', String(open));
    embeddingButton.classList.toggle('active', open);
  });
  store.watch((s) => s.eventsState, (state) => {
    live.dataset.state = state;
    live.title = EVENTS_TITLE[state] ?? state;
  });

  const numberOf = (id, fallback) => {
    const input = /** @type {HTMLInputElement} */ (q(id));
    const v = Math.round(Number(input.value));
    input.classList.toggle('invalid', !(v >= Number(input.min)));
    return v >= Number(input.min) ? v : fallback;
  };
  q('#pretrain-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const encoder = /** @type {HTMLSelectElement} */ (q('#pretrain-encoder')).value;
    const recipe = /** @type {HTMLSelectElement} */ (q('#pretrain-recipe')).value;
    model.pretrain({ steps: numberOf('#pretrain-steps', d.steps), batch_size: numberOf('#pretrain-batch', d.batch_size), encoder, recipe });
    pretrainButton.blur();
  });
  retrainButton.addEventListener('click', () => {
    model.retrain();
    retrainButton.blur();
  });
  toggle.addEventListener('change', () => store.set({ colourByPrediction: toggle.checked }));
  strategy.addEventListener('change', () => {
    labelNext.setStrategy(strategy.value);
    strategy.blur();
  });
  nextButton.addEventListener('click', () => {
    labelNext.toggle();
    nextButton.blur();
  });
  embeddingButton.addEventListener('click', () => {
    store.set({ embeddingOpen: !store.get().embeddingOpen });
    embeddingButton.blur();
  });
}
