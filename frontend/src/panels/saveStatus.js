/**
 * `#save-status`: how many labels are not saved yet and whether saving fails. Every label is sent at
 * once; while the server cannot be reached they wait, are retried, and survive a reload. The text always
 * contains the pending count ("all 12 labels saved", "3 unsaved: retrying…"); `data-pending` holds it as a
 * number. Clicking retries now; rejected labels (the server refused them) can be dropped from here.
 */
import { escapeHtml } from './dom.js';

/**
 * @param {HTMLElement} element the #save-status element
 * @param {import('../store.js').Store} store
 * @param {import('../labels/labelActions.js').LabelActions} labelling
 */
export function mountSaveStatus(element, store, labelling) {
  let savedThisSession = 0;
  let lastPending = 0;

  store.watch((s) => s.saves, (saves) => {
    if (saves.pending < lastPending) savedThisSession += lastPending - saves.pending;
    lastPending = saves.pending;
    element.dataset.pending = String(saves.pending);
    element.dataset.failed = String(saves.failed);
    element.dataset.level = saves.failed ? 'error' : saves.pending ? 'busy' : 'ok';
    if (!saves.pending) {
      element.innerHTML = `<span title="every label is on the server">✓ 0 unsaved · ${savedThisSession} saved</span>`;
      return;
    }
    const why = saves.error ? ` title="${escapeHtml(saves.error)}"` : '';
    const state = saves.rejected ? `${saves.rejected} refused` : saves.failed ? 'retrying…' : 'saving…';
    element.innerHTML = `<span${why}>${saves.pending} unsaved: ${state}</span>`
      + ' <button type="button" data-action="retry">retry now</button>'
      + (saves.rejected ? ' <button type="button" data-action="discard" title="drop the labels the server refused">drop refused</button>' : '');
  });

  element.addEventListener('click', (event) => {
    const action = /** @type {HTMLElement} */ (event.target).closest('[data-action]')?.getAttribute('data-action');
    if (action === 'retry') labelling.retryNow();
    if (action === 'discard') {
      const refused = labelling.unsaved().filter((e) => e.state === 'rejected');
      const list = refused.map((e) => `${e.body.source_id ?? 'new shape'}: ${e.error}`).join('\n');
      if (window.confirm(`Drop ${refused.length} label(s) the server refused?\n${list}`)) {
        for (const e of refused) labelling.discard(e.key);
      }
    }
  });
}
