/**
 * Keyboard first: annotators look at thousands of sources, so every action has a key. This table is
 * the one list of keys; the help overlay (`?`) is generated from it. Keys are ignored while typing in a
 * field or working in a dialog (Escape leaves a field). Arrow keys pan and +/- zoom through OpenLayers'
 * own interactions, except in the triage grid, where the arrows move the focus.
 *
 * Key names: `KeyboardEvent.key`, with `Ctrl+` (Ctrl or Cmd) and `Shift+` prefixes where the key alone
 * does not say it: `Ctrl+z`, `Ctrl+Shift+z`, `Shift+1` (digits, whose shifted `key` depends on the layout).
 */
import { classForKey } from './labels/classKeys.js';
import { TOOL_KEYS } from './panels/toolbar.js';

/**
 * @typedef {{keys: string[], label: string, group?: string, fallback?: boolean,
 *            run?: (event: KeyboardEvent, name: string) => boolean|void}} Binding
 *   keys in `keyName` form; bindings without `run` are documentation only; `run` returning false means
 *   "not mine" (the event goes on to the browser and the map); a `fallback` binding sees unbound keys
 */

/**
 * @param {KeyboardEvent} event
 * @returns {string} the key's name in the table's form ('' for Alt combinations, left to the browser)
 */
export function keyName(event) {
  if (event.ctrlKey || event.metaKey) {
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    return `Ctrl+${event.shiftKey ? 'Shift+' : ''}${key}`;
  }
  if (event.altKey) return '';
  if (event.shiftKey && /^Digit\d$/.test(event.code)) return `Shift+${event.code.slice(5)}`;
  return event.key;
}

/**
 * @param {object} deps
 * @param {import('./store.js').Store} deps.store
 * @param {import('./actions.js').Actions} deps.actions
 * @param {import('./labels/labelActions.js').LabelActions} deps.labelling
 * @param {import('./learning/labelNext.js').LabelNext} deps.labelNext
 * @param {{step: (direction: 1|-1) => unknown}} [deps.rounds] walking my round queue (rounds/roundActions.js)
 * @param {import('./triage/triageController.js').Triage} deps.triage
 * @param {() => number} deps.gridColumns cells per row in the triage grid
 * @param {{cancel: () => boolean}} deps.drawTools
 * @param {{toggle: () => void}} deps.blinker
 * @param {{focus: () => void}} deps.gotoBox
 * @param {{fitImage: () => void, zoomTo: (res: number) => void}} deps.imageMap
 * @param {{stretches: string[], limits: string[]}} deps.choices
 * @param {{cancel: () => boolean}} [deps.selectionLayers] the regions' drawing (Escape cancels it)
 * @returns {Binding[]}
 */
export function keyBindings({ store, actions, labelling, labelNext, rounds, triage, gridColumns, drawTools, blinker, gotoBox, imageMap, choices, selectionLayers }) {
  const cycle = (list, current, delta) => list[(list.indexOf(current) + delta + list.length) % list.length];
  const stretch = () => store.get().stretch;
  const digits = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];
  /** @type {Binding[]} */
  const table = [
    { group: 'Labelling', keys: [...digits], fallback: true, label: 'class keys (Classes, above): label the selected source, the focused grid cell or the drawn shape', run: (e, name) => {
      const cls = classForKey(store.get().scheme, name, reserved);
      if (!cls) return false;
      if (store.get().triageOpen && !store.get().draft) triage.labelFocused(cls.id, gridColumns());
      else labelling.labelCurrent(cls.id);
      return true;
    } },
    { group: 'Labelling', keys: ['n', 'j'], label: 'next unlabelled source, nearest the view\'s centre (with "not voted by me" on, in the legend or the grid: the nearest I have not voted on; selects it, centres the map); in label next: skip to the next proposal; in my round queue: the nearest not done', run: () => {
      if (store.get().round?.active && rounds) rounds.step(1);
      else if (store.get().labelNext.active) labelNext.step(1);
      else labelling.stepUnlabelled('next');
    } },
    { group: 'Labelling', keys: ['p', 'k'], label: 'previous source of this walk (in label next: previous proposal)', run: () => {
      if (store.get().round?.active && rounds) rounds.step(-1);
      else if (store.get().labelNext.active) labelNext.step(-1);
      else labelling.stepUnlabelled('prev');
    } },
    { group: 'Labelling', keys: ['u', 'Ctrl+z'], label: 'undo the last label (posts the class it replaced)', run: () => labelling.undo() },
    { group: 'Labelling', keys: ['Ctrl+Shift+z', 'Ctrl+y'], label: 'redo', run: () => labelling.redo() },
    { group: 'Labelling', keys: ['Backspace', 'Delete'], label: 'retract your label of the selected source', run: () => {
      const id = store.get().selectedId;
      if (id === null) return false;
      labelling.labelSource(id, null);
      return true;
    } },
    { group: 'Labelling', keys: [TOOL_KEYS.select, TOOL_KEYS.point, TOOL_KEYS.box, TOOL_KEYS.polygon], label: 'tool: select, point, box, polygon', run: (e, name) => {
      const tool = Object.entries(TOOL_KEYS).find(([, k]) => k === name)?.[0];
      if (tool) store.set({ tool });
    } },
    { group: 'Labelling', keys: ['t'], label: 'triage grid: many sources as cutouts, labelled by keys', run: () => triage.toggle() },
    { group: 'Labelling', keys: ['←', '→', '↑', '↓'], label: 'in the grid: move the focus (on the map: pan)' },
    { group: 'Labelling', keys: ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End'], label: '', run: (e, name) => {
      if (!store.get().triageOpen) return false;
      triage.move(name, gridColumns());
      return true;
    } },
    { group: 'Labelling', keys: ['i'], label: 'import a catalogue as a layer', run: () => store.set({ dialog: 'import' }) },
    { group: 'Labelling', keys: ['d'], label: 'detect sources (sep)', run: () => store.set({ dialog: 'detect' }) },
    { group: 'Labelling', keys: ['Escape'], label: 'close help, cancel drawing, discard the drawn shape, deselect', run: () => {
      if (store.get().helpOpen) store.set({ helpOpen: false });
      else if (selectionLayers?.cancel()) actions.clearStatus('regions');
      else if (!drawTools.cancel()) labelling.selectSource(null);
    } },
    { group: 'Model', keys: ['l'], label: 'label next: walk through the sources the model picks (again: stop)', run: () => labelNext.toggle() },
    { group: 'Model', keys: ['c'], label: 'colour rings by prediction (dashed, fainter when unsure) on / off', run: () => store.set({ colourByPrediction: !store.get().colourByPrediction }) },
    { group: 'View', keys: ['C'], label: 'diagrams: colour-magnitude, colour-colour, CI vs V (click a point: go to it; drag: lasso)', run: () => store.set({ diagramOpen: !store.get().diagramOpen }) },
    { group: 'Model', keys: ['e'], label: 'embedding view: click a point to go to its source', run: () => store.set({ embeddingOpen: !store.get().embeddingOpen }) },
    { group: 'View', keys: ['?'], label: 'show / hide this help', run: () => store.set({ helpOpen: !store.get().helpOpen }) },
    { group: 'View', keys: ['g'], label: 'go to RA Dec or pixel (type, then Enter)', run: () => gotoBox.focus() },
    { group: 'View', keys: ['b'], label: 'blink: back to the previous rendition', run: () => actions.blinkPrevious() },
    { group: 'View', keys: ['B'], label: 'start / stop cycling the blink set (~1 Hz)', run: () => blinker.toggle() },
    { group: 'View', keys: ['[', ']'], label: 'previous / next rendition', run: (e) => actions.stepRendition(e.key === ']' ? 1 : -1) },
    {
      group: 'View',
      keys: digits.map((d) => `Shift+${d}`),
      label: 'pick rendition 1–9',
      run: (e, name) => {
        const r = store.get().image?.renditions[Number(name.slice(-1)) - 1];
        if (r) actions.setRendition(r.name);
      },
    },
    {
      group: 'View',
      keys: ['s', 'S'],
      label: 'next / previous stretch function',
      run: (e) => actions.setStretch({ stretch: cycle(choices.stretches, stretch().stretch, e.key === 's' ? 1 : -1) }),
    },
    {
      group: 'View',
      keys: ['L'],
      label: 'next limits mode (zscale, percentile, explicit)',
      run: () => actions.setStretch({ limits: cycle(choices.limits, stretch().limits, 1) }),
    },
    { group: 'View', keys: ['f'], label: 'fit the whole image', run: () => imageMap.fitImage() },
    { group: 'View', keys: ['0'], label: 'native resolution (1 image pixel : 1 screen pixel)', run: () => imageMap.zoomTo(1) },
    { group: 'View', keys: ['m'], label: 'remove the go-to marker', run: () => store.set({ marker: null }) },
    { group: 'View', keys: ['h'], label: 'hide / show the panels', run: () => store.set({ panelsHidden: !store.get().panelsHidden }) },
    { group: 'View', keys: ['+', '-'], label: 'zoom in / out (also the mouse wheel)' },
  ];
  /** keys a scheme's class hotkeys may not take */
  const reserved = table.filter((b) => !b.fallback).flatMap((b) => b.keys);
  return table;
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
  const fallback = bindings.find((b) => b.fallback && b.run);
  doc.addEventListener('keydown', (event) => {
    if (doc.querySelector('dialog[open]')) return; // a modal dialog has the keys (Escape closes it)
    if (isEditable(event.target)) {
      if (event.key === 'Escape') /** @type {HTMLElement} */ (event.target).blur();
      return;
    }
    const name = keyName(event);
    if (!name) return;
    const binding = byKey.get(name) ?? (name.length === 1 ? fallback : undefined);
    if (!binding?.run) return;
    if (binding.run(event, name) === false) return;
    event.preventDefault();
    event.stopPropagation();
  });
}
