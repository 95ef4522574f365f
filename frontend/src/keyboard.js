/**
 * Keyboard first: annotators look at thousands of sources, so every action has a key. This table is
 * the one list of keys; the help overlay (`?`) is generated from it. Keys are ignored while typing in a
 * field (Escape leaves the field). Arrow keys pan and +/- zoom through OpenLayers' own interactions.
 */

/**
 * @typedef {{keys: string[], label: string, run?: (event: KeyboardEvent) => void}} Binding
 *   keys are KeyboardEvent.key values; bindings without `run` are documentation only
 */

/**
 * @param {object} deps
 * @param {import('./store.js').Store} deps.store
 * @param {import('./actions.js').Actions} deps.actions
 * @param {{toggle: () => void}} deps.blinker
 * @param {{focus: () => void}} deps.gotoBox
 * @param {{fitImage: () => void, zoomTo: (res: number) => void}} deps.imageMap
 * @param {{stretches: string[], limits: string[]}} deps.choices
 * @returns {Binding[]}
 */
export function keyBindings({ store, actions, blinker, gotoBox, imageMap, choices }) {
  const cycle = (list, current, delta) => list[(list.indexOf(current) + delta + list.length) % list.length];
  const stretch = () => store.get().stretch;
  return [
    { keys: ['?'], label: 'show / hide this help', run: () => store.set({ helpOpen: !store.get().helpOpen }) },
    { keys: ['g'], label: 'go to RA Dec or pixel (type, then Enter)', run: () => gotoBox.focus() },
    { keys: ['b'], label: 'blink: back to the previous rendition', run: () => actions.blinkPrevious() },
    { keys: ['B'], label: 'start / stop cycling the blink set (~1 Hz)', run: () => blinker.toggle() },
    { keys: ['[', ']'], label: 'previous / next rendition', run: (e) => actions.stepRendition(e.key === ']' ? 1 : -1) },
    {
      keys: ['1', '2', '3', '4', '5', '6', '7', '8', '9'],
      label: 'pick rendition 1–9',
      run: (e) => {
        const r = store.get().image?.renditions[Number(e.key) - 1];
        if (r) actions.setRendition(r.name);
      },
    },
    {
      keys: ['s', 'S'],
      label: 'next / previous stretch function',
      run: (e) => actions.setStretch({ stretch: cycle(choices.stretches, stretch().stretch, e.key === 's' ? 1 : -1) }),
    },
    {
      keys: ['l'],
      label: 'next limits mode (zscale, percentile, explicit)',
      run: () => actions.setStretch({ limits: cycle(choices.limits, stretch().limits, 1) }),
    },
    { keys: ['f'], label: 'fit the whole image', run: () => imageMap.fitImage() },
    { keys: ['n'], label: 'native resolution (1 image pixel : 1 screen pixel)', run: () => imageMap.zoomTo(1) },
    { keys: ['m'], label: 'remove the go-to marker', run: () => store.set({ marker: null }) },
    { keys: ['p'], label: 'hide / show the panels', run: () => store.set({ panelsHidden: !store.get().panelsHidden }) },
    { keys: ['Escape'], label: 'close help, leave a text field', run: () => store.set({ helpOpen: false }) },
    { keys: ['←', '→', '↑', '↓'], label: 'pan' },
    { keys: ['+', '-'], label: 'zoom in / out (also the mouse wheel)' },
  ];
}

/**
 * @param {EventTarget|null} target
 * @returns {boolean} whether keys typed there are text, not commands
 */
function isEditable(target) {
  const el = /** @type {HTMLElement|null} */ (target);
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

/**
 * @param {Binding[]} bindings
 * @param {Document} doc
 */
export function listenForKeys(bindings, doc) {
  /** @type {Map<string, Binding>} */
  const byKey = new Map();
  for (const b of bindings) for (const k of b.keys) if (b.run) byKey.set(k, b);
  doc.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (isEditable(event.target)) {
      if (event.key === 'Escape') /** @type {HTMLElement} */ (event.target).blur();
      return;
    }
    const binding = byKey.get(event.key);
    if (!binding?.run) return;
    event.preventDefault();
    binding.run(event);
  });
}
