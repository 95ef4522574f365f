/**
 * Who is labelling: `#annotator-name` in the header shows the name (click to change it); the name is asked
 * once in `#annotator-dialog` (input `#annotator-input`), kept in localStorage, and sent with every label
 * so each annotator's votes stay apart (the consensus is the mode of their latest votes).
 */
import { escapeHtml, must } from './dom.js';

/**
 * @param {HTMLElement} header where the badge goes
 * @param {HTMLDialogElement} dialog the #annotator-dialog element
 * @param {import('../store.js').Store} store
 * @param {import('../labels/labelActions.js').LabelActions} labelling
 */
export function mountAnnotatorBadge(header, dialog, store, labelling) {
  const badge = document.createElement('button');
  badge.type = 'button';
  badge.id = 'annotator-name';
  badge.title = 'who is labelling (click to change)';
  header.insertBefore(badge, header.lastElementChild);

  dialog.innerHTML = `
    <form method="dialog" id="annotator-form">
      <h2>Who is labelling?</h2>
      <p>Your name is saved with every label, so votes of different annotators stay apart.</p>
      <input id="annotator-input" type="text" autocomplete="username" spellcheck="false" required
        placeholder="your name or initials">
      <div class="row dialog-buttons"><button type="submit" id="annotator-save">Start labelling</button></div>
    </form>`;
  const input = /** @type {HTMLInputElement} */ (must(dialog, '#annotator-input'));
  const form = must(dialog, '#annotator-form');

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (labelling.setAnnotator(input.value)) dialog.close();
  });
  dialog.addEventListener('close', () => {
    if (store.get().dialog === 'annotator') store.set({ dialog: null });
  });
  badge.addEventListener('click', () => store.set({ dialog: 'annotator' }));

  store.watch((s) => s.annotator, (name) => {
    badge.innerHTML = name ? `✎ ${escapeHtml(name)}` : '✎ <em>who?</em>';
    badge.dataset.annotator = name;
  });
  store.watch((s) => s.dialog, (which) => {
    if (which === 'annotator' && !dialog.open) {
      input.value = store.get().annotator;
      dialog.showModal();
      input.focus();
    } else if (which !== 'annotator' && dialog.open) {
      dialog.close();
    }
  });
}
