/**
 * The model's side of the loop: where it stands (`GET /learning`: encoder, probe, accuracy history), its
 * tasks (seeded from `GET /tasks`, then followed through `task` events), and the two things an annotator
 * starts by hand: BYOL pretraining and a probe refit ("retrain now"; labels also refit it by themselves,
 * shortly after each one is saved). The status is read again whenever a task ends or new scores arrive: the
 * probe's cross-validated accuracy is its own task (`probe_accuracy`), so its `task` event says when the
 * accuracy is known (nothing polls for it).
 */
import { getLearningStatus, listTasks, startPretrain, startRetrain } from '../api/learning.js';
import { FOLLOW_UP_GRACE_MS, applyTaskEvent } from './taskProgress.js';

/**
 * Defaults for a CPU: 20 BYOL steps of 32 cutouts take about a minute on two busy cores (10-20 images/s
 * measured on the demo galaxy) and already give a usable embedding for the probe; the paper ran 170,000
 * steps on a GPU. Raise the steps for a better encoder.
 */
export const PRETRAIN_DEFAULTS = { steps: 20, batch_size: 32, encoder: 'auto', recipe: 'measured' };

/**
 * @param {import('../store.js').Store} store
 * @param {import('../actions.js').Actions} actions
 * @param {import('../api/events.js').ImageEventHub} events
 */
export function createModelActions(store, actions, events) {
  let statusSeq = 0;
  /** @type {ReturnType<typeof setTimeout>|null} */
  let graceTimer = null;

  /** @param {object} task a task run or `task` event */
  function track(task) {
    store.set({ tasks: applyTaskEvent(store.get().tasks, task, Date.now()) });
  }

  async function refreshStatus() {
    const imageId = store.get().imageId;
    if (imageId === null) return;
    statusSeq += 1;
    const mine = statusSeq;
    try {
      const status = await getLearningStatus(imageId);
      if (mine !== statusSeq || store.get().imageId !== imageId) return;
      store.set({ learning: status });
      for (const task of status.active_tasks ?? []) track(task);
      actions.clearStatus('learning');
    } catch (error) {
      if (mine === statusSeq) actions.showStatus(`model status: ${error.message}`, 'error', 'learning');
    }
  }

  async function refreshTasks() {
    const imageId = store.get().imageId;
    if (imageId === null) return;
    try {
      const { items } = await listTasks(imageId, 10);
      if (store.get().imageId !== imageId) return;
      let tasks = store.get().tasks;
      for (const task of [...items].reverse()) {
        const known = tasks[task.id];
        if (!known || known.status !== task.status || task.status !== 'running') {
          tasks = applyTaskEvent(tasks, { ...task, seenAt: known?.seenAt }, known?.seenAt ?? 0);
        }
      }
      store.set({ tasks });
    } catch {
      // the events keep the bar current; the status line shows the status errors
    }
  }

  /** @param {{steps: number, batch_size: number, encoder: string, recipe?: string}} params */
  async function pretrain(params) {
    const imageId = store.get().imageId;
    if (imageId === null) return null;
    try {
      const { task } = await startPretrain(imageId, params);
      if (store.get().imageId === imageId) track(task);
      actions.showStatus(task.status === 'done'
        ? `pretraining with these settings was done already (task ${task.id}): change the steps to train again`
        : `pretraining started (task ${task.id}, ${params.steps} steps)`);
      return task;
    } catch (error) {
      actions.showError(error);
      return null;
    }
  }

  async function retrain() {
    const imageId = store.get().imageId;
    if (imageId === null) return null;
    try {
      const { task } = await startRetrain(imageId);
      if (store.get().imageId === imageId) track(task);
      return task;
    } catch (error) {
      actions.showError(error);
      return null;
    }
  }

  events.on('task', (task) => {
    track(task);
    if (task.status === 'done' || task.status === 'failed') {
      refreshStatus();
      if (task.status === 'failed') actions.showStatus(`${task.name} failed: ${task.message}`, 'error', 'learning');
      // a follow-up task is expected: look again once the grace period is over (it may never come)
      if (graceTimer) clearTimeout(graceTimer);
      graceTimer = setTimeout(() => {
        graceTimer = null;
        refreshTasks().then(() => store.set({ tasks: { ...store.get().tasks } }));
      }, FOLLOW_UP_GRACE_MS + 100);
    }
  });
  events.on('scores', () => refreshStatus());
  events.on('resync', () => {
    refreshStatus();
    refreshTasks();
  });
  store.watch((s) => s.imageId, (imageId) => {
    statusSeq += 1;
    if (graceTimer) clearTimeout(graceTimer);
    graceTimer = null;
    store.set({ learning: null, tasks: {} });
    if (imageId !== null) {
      refreshStatus();
      refreshTasks();
    }
  });

  return { refreshStatus, refreshTasks, pretrain, retrain };
}

/** @typedef {ReturnType<typeof createModelActions>} ModelActions */
