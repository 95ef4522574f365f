/**
 * `#progress` in the header: "12 of 234 labelled by me · 30 by the team" (GET /images/{id}/progress),
 * fetched when an image opens, after this browser's labels are saved, and when others' labels arrive.
 */
import { getProgress } from '../api/selection.js';

const REFRESH_MS = 400;

/**
 * @param {{sources: number, labelled: number, mine: number|null}|null} p
 * @returns {string}
 */
export function progressText(p) {
  if (!p) return '';
  const mine = p.mine === null || p.mine === undefined ? '' : `${p.mine.toLocaleString('en-US')} of ${p.sources.toLocaleString('en-US')} labelled by me · `;
  return `${mine}${p.labelled.toLocaleString('en-US')}${mine ? '' : ` of ${p.sources.toLocaleString('en-US')} labelled`} by the team`;
}

/**
 * @param {HTMLElement} brand the header
 * @param {import('../store.js').Store} store
 * @param {import('../labels/labelActions.js').LabelActions} labelling
 * @param {import('../api/events.js').ImageEventHub} events
 */
export function mountProgressBadge(brand, store, labelling, events) {
  const badge = document.createElement('div');
  badge.id = 'progress';
  badge.className = 'progress muted';
  badge.title = 'sources labelled on this image (picked copies not counted)';
  brand.after(badge);
  let seq = 0;
  /** @type {ReturnType<typeof setTimeout>|null} */
  let timer = null;

  async function load() {
    const s = store.get();
    if (s.imageId === null) return;
    seq += 1;
    const mine = seq;
    try {
      const p = await getProgress(s.imageId, s.annotator);
      if (mine === seq && store.get().imageId === s.imageId) store.set({ progress: p });
    } catch {
      // the header says nothing rather than something stale
    }
  }
  const soon = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(async () => {
      timer = null;
      await labelling.whenSaved();
      load();
    }, REFRESH_MS);
  };
  store.watch((s) => s.imageId, () => {
    store.set({ progress: null });
    load();
  });
  store.watch((s) => s.annotator, load);
  store.watch((s) => s.layers, load);
  labelling.onLabelled(soon);
  events.on('labels', soon);
  events.on('resync', soon);
  store.watch((s) => s.progress, (p) => {
    badge.textContent = progressText(p);
    badge.dataset.mine = String(p?.mine ?? '');
    badge.dataset.team = String(p?.labelled ?? '');
  });
}
