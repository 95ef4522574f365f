/**
 * Go-to box (`g` focuses it): a sky position (sexagesimal or degrees) or a pixel; Enter centres the view
 * there and drops a marker. The accepted forms are listed in coords/gotoQuery.js and the help overlay.
 */
import { must } from './dom.js';

/**
 * @param {HTMLElement} container
 * @param {import('../actions.js').Actions} actions
 * @returns {{focus: () => void}}
 */
export function mountGotoBox(container, actions) {
  container.innerHTML = `
    <h2>Go to <small>(g)</small></h2>
    <form id="goto-form" autocomplete="off">
      <input id="goto-input" type="text" spellcheck="false"
        placeholder="10:41:22.5 +41:16:07 · 160.34 +41.27 · 512 300"
        title="RA Dec (hh:mm:ss dd:mm:ss, or degrees with a signed Dec), or a pixel: x y (0-based), ds9 x y (1-based)">
    </form>`;
  const form = must(container, '#goto-form');
  const input = /** @type {HTMLInputElement} */ (must(container, '#goto-input'));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const ok = await actions.goTo(input.value);
    input.classList.toggle('invalid', !ok);
    if (ok) input.blur();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') input.blur();
  });

  return {
    focus() {
      input.focus();
      input.select();
    },
  };
}
