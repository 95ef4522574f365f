/**
 * What the progress bar shows, from the image's `task` events (pure: no DOM, no network).
 *
 * The model's work is a chain the worker runs by itself: `pretrain` (BYOL) is always followed by `embed`,
 * and `embed` by `fit_probe` when anything is labelled; each label later triggers a `fit_probe` of its own
 * (backend/worker/tasks.py FOLLOW_UPS, live.py). The bar follows the chain as one piece of work: it stays
 * "running" from the first queued task until the last one of the chain is done, so "done" means the
 * predictions are in, not that the first of three steps finished. `sample` runs (label next) are instant
 * and not shown.
 */

export const SHOWN_TASKS = ['pretrain', 'embed', 'fit_probe', 'predict'];
/** How long a finished task's expected follow-up is waited for before the chain counts as done. */
export const FOLLOW_UP_GRACE_MS = 5000;
const KEPT = 20;

/**
 * @typedef {import('../api/learning.js').Task & {seenAt?: number}} TrackedTask
 * @typedef {{id: number, name: string, status: string, progress: number, message: string,
 *            step: number|null, steps: number|null, loss: number|null, imagesPerS: number|null,
 *            chain: 'idle'|'queued'|'running'|'done'|'failed', waitingFor: string|null}} TaskView
 */

/**
 * @param {Record<number, TrackedTask>} tasks by id
 * @param {TrackedTask} event a `task` event or a task run from the API
 * @param {number} now ms, when the event arrived
 * @returns {Record<number, TrackedTask>} a new map with the event merged (the newest KEPT tasks)
 */
export function applyTaskEvent(tasks, event, now) {
  if (!event || !Number.isFinite(event.id) || !SHOWN_TASKS.includes(event.name)) return tasks;
  const prev = tasks[event.id];
  const merged = { ...prev, ...event, seenAt: now };
  if (!event.detail && prev?.detail && event.status === 'running') merged.detail = prev.detail;
  const next = { ...tasks, [event.id]: merged };
  const ids = Object.keys(next).map(Number).sort((a, b) => b - a);
  for (const id of ids.slice(KEPT)) delete next[id];
  return next;
}

/**
 * Step, loss and images/s of a pretraining task, from its `detail` or else its message
 * ("step 18/40, loss 1.4518, 13.5 images/s").
 * @param {import('../api/learning.js').Task} task
 */
export function taskNumbers(task) {
  const d = task.detail ?? {};
  const msg = String(task.message ?? '');
  const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const match = (re, i = 1) => {
    const m = re.exec(msg);
    return m ? Number(m[i]) : null;
  };
  return {
    step: num(d.step) ?? match(/step (\d+)\/\d+/),
    steps: num(d.steps) ?? match(/step \d+\/(\d+)/),
    loss: num(d.loss) ?? match(/loss (-?[\d.]+(?:e-?\d+)?)/),
    imagesPerS: num(d.images_per_s) ?? match(/([\d.]+) images\/s/),
  };
}

/**
 * @param {TrackedTask} task a finished task
 * @param {TrackedTask[]} all
 * @param {number} nLabels labelled sources on the image
 * @returns {string|null} the task the worker starts after `task`, if it has not shown up yet
 */
function expectedFollowUp(task, all, nLabels) {
  const next = task.name === 'pretrain' ? 'embed' : task.name === 'embed' && nLabels > 0 ? 'fit_probe' : null;
  if (!next || all.some((t) => t.id > task.id && t.name === next)) return null;
  return next;
}

/**
 * @param {Record<number, TrackedTask>} tasks
 * @param {{nLabels?: number, now: number}} context
 * @returns {TaskView|null} the task to show and the state of its chain; null before any task
 */
export function shownTask(tasks, { nLabels = 0, now }) {
  const all = Object.values(tasks).sort((a, b) => a.id - b.id);
  if (!all.length) return null;
  const running = all.find((t) => t.status === 'running');
  const queued = all.find((t) => t.status === 'queued');
  const task = running ?? queued ?? all[all.length - 1];
  /** @type {TaskView['chain']} */
  let chain = running ? 'running' : queued ? 'queued' : task.status === 'failed' ? 'failed' : 'done';
  let waitingFor = null;
  if (!running && !queued && task.status === 'done') {
    const next = expectedFollowUp(task, all, nLabels);
    if (next && now - (task.seenAt ?? 0) < FOLLOW_UP_GRACE_MS) {
      chain = 'running';
      waitingFor = next;
    }
  }
  if (chain === 'queued' && all.some((t) => t.status === 'done' && t.id < task.id && now - (t.seenAt ?? 0) < FOLLOW_UP_GRACE_MS)) {
    chain = 'running'; // a follow-up waiting for a worker: the chain is under way
  }
  return {
    id: task.id, name: task.name, status: task.status, progress: Number(task.progress ?? 0),
    message: String(task.message ?? ''), ...taskNumbers(task), chain, waitingFor,
  };
}

/** Names as an annotator reads them. */
export const TASK_TITLES = {
  pretrain: 'pretraining (BYOL)', embed: 'embedding sources', fit_probe: 'fitting the probe', predict: 'predicting',
};

/**
 * @param {TaskView} view
 * @returns {string} "pretraining (BYOL) 45% · step 18/40 · loss 1.452 · 13.5 images/s"
 */
export function describeTask(view) {
  const title = TASK_TITLES[view.name] ?? view.name;
  if (view.status === 'failed') return `${title} failed: ${view.message.replace(/^failed: /, '')}`;
  if (view.waitingFor) return `${title} done; ${TASK_TITLES[view.waitingFor] ?? view.waitingFor} next…`;
  if (view.status === 'done') return view.message || `${title} done`;
  if (view.status === 'queued') return `${title}: waiting for a worker`;
  const parts = [`${title} ${Math.round(view.progress * 100)}%`];
  if (view.step !== null && view.steps !== null) parts.push(`step ${view.step}/${view.steps}`);
  if (view.loss !== null) parts.push(`loss ${view.loss.toFixed(3)}`);
  if (view.imagesPerS !== null) parts.push(`${view.imagesPerS.toFixed(1)} images/s`);
  if (parts.length === 1 && view.message) parts.push(view.message);
  return parts.join(' · ');
}
