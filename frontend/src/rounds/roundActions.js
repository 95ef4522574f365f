/**
 * Consensus rounds in the browser: the image's rounds I take part in (or made), my queue in the chosen one
 * ("12 of 40 done"), walking it with n / p (nearest not done first), labels that carry the round, and for
 * the round's creator: open, close, the report, adjudication of the disagreement queue.
 */
import { adjudicate, changeRound, createRound, getQueue, getReport, listRounds } from '../api/rounds.js';
import { itemFor, nearestUndone } from './roundQueue.js';

/**
 * @param {{get: Function, set: Function, watch: Function}} store
 * @param {{showStatus: Function, showError: Function}} actions
 * @param {{selectSource: Function, setRoundTagger: Function, onLabelled: Function, whenSaved: Function}} labelling
 */
export function createRoundActions(store, actions, labelling) {
  const patch = (part) => store.set({ round: { ...store.get().round, ...part } });

  /** Reload the image's rounds; keep the chosen one when it is still there. */
  async function load() {
    const { imageId, annotator } = store.get();
    if (imageId === null) return;
    try {
      const all = await listRounds(imageId);
      const mine = all.filter((r) => r.k !== null && (r.annotators.includes(annotator) || r.created_by === annotator));
      const keep = mine.find((r) => r.id === store.get().round.roundId) ?? null;
      patch({ rounds: mine, roundId: keep?.id ?? null, sources: keep?.sources ?? [] });
      if (keep) await refresh();
    } catch (error) {
      patch({ error: error.message });
    }
  }

  /** Re-read my queue (and, where I may see it, the report) of the chosen round. */
  async function refresh() {
    const { roundId } = store.get().round;
    if (roundId === null) return;
    const found = store.get().round.rounds.find((r) => r.id === roundId);
    try {
      const queue = await getQueue(roundId);
      let report = null;
      if (found && (found.state !== 'open' || !found.blind || found.created_by === store.get().annotator)) {
        report = await getReport(roundId).catch(() => null);
      }
      patch({ queue, report, error: null });
    } catch (error) {
      patch({ error: error.message });
    }
  }

  /** @param {number|null} roundId */
  async function choose(roundId) {
    const found = store.get().round.rounds.find((r) => r.id === roundId) ?? null;
    patch({ roundId: found?.id ?? null, sources: found?.sources ?? [], queue: null, report: null, active: false,
            visited: [] });
    await refresh();
  }

  /** Start (or stop) walking my queue: n / p go through it and labels carry the round. */
  function setActive(active) {
    patch({ active: Boolean(active) && store.get().round.queue !== null, visited: [] });
    if (active) step(1);
  }

  /** @param {1|-1} direction n: the nearest source not done; p: back along the walk */
  function step(direction) {
    const r = store.get().round;
    if (!r.queue) return;
    if (direction < 0) {
      const visited = [...r.visited];
      visited.pop();
      const back = visited[visited.length - 1];
      if (back === undefined) return actions.showStatus('the start of this walk through your queue');
      patch({ visited });
      return labelling.selectSource(back, { pan: true });
    }
    const s = store.get();
    const at = r.queue.items.find((i) => i.source_id === s.selectedId) ?? s.view ?? null;
    const next = nearestUndone(r.queue.items, at, { labelledHere: s.overrides, skip: [s.selectedId ?? -1] });
    if (!next) return actions.showStatus(`your queue is done: ${r.queue.total} of ${r.queue.total}`);
    patch({ visited: [...r.visited, next.source_id] });
    return labelling.selectSource(next.source_id, { pan: true });
  }

  async function setState(action) {
    const { roundId } = store.get().round;
    if (roundId === null) return;
    try {
      await changeRound(roundId, action);
      await load();
    } catch (error) {
      actions.showError(error);
    }
  }

  /** @param {object} body POST /images/{id}/rounds: the drawn polygon is `sample.regions[0]` */
  async function create(body) {
    const { imageId } = store.get();
    if (imageId === null) return;
    try {
      const made = await createRound(imageId, body);
      store.set({ draft: null });
      actions.showStatus(`round ${made.name}: ${made.sources.length} sources sampled (draft: open it to start)`);
      await load();
      await choose(made.id);
    } catch (error) {
      actions.showError(error);
    }
  }

  /** @param {number} sourceId @param {string} cls @param {string} note */
  async function decide(sourceId, cls, note) {
    const { roundId } = store.get().round;
    if (roundId === null) return;
    try {
      await adjudicate(roundId, { source_id: sourceId, class: cls, note });
      actions.showStatus(`source ${sourceId}: adjudicated as ${cls}`);
      await load();
    } catch (error) {
      actions.showError(error);
    }
  }

  labelling.setRoundTagger((sourceId) => {
    const r = store.get().round;
    const found = r.rounds.find((x) => x.id === r.roundId);
    if (!r.queue || !found || found.state !== 'open') return null;
    const item = itemFor(r.queue.items, sourceId, {});
    return item ? { round_id: found.id, repeat: item.repeat } : null;
  });
  labelling.onLabelled(() => {  // my progress, once the label is on the server
    if (store.get().round.queue) labelling.whenSaved().then(() => refresh());
  });
  store.watch((s) => s.imageId, () => {
    patch({ rounds: [], roundId: null, queue: null, report: null, sources: [], active: false });
    load();
  });
  store.watch((s) => s.annotator, () => load());

  return {
    load, refresh, choose, setActive, step, decide, create,
    open: () => setState('open'),
    close: () => setState('close'),
    /** @param {number} sourceId select and centre a source of the report */
    goto: (sourceId) => labelling.selectSource(sourceId, { pan: true }),
  };
}
