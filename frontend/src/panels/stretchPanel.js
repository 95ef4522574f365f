/**
 * Stretch controls: the stretch function, how limits are found (zscale, percentiles pmin/pmax, or
 * explicit vmin/vmax, one value or one per channel comma-separated), and the asinh softening or Lupton Q.
 * Only the fields that apply are shown. Values apply on change (Enter or leaving the field), not per
 * keystroke, so typing "99.5" does not request three sets of tiles.
 */
import { LIMIT_MODES, STRETCHES } from '../api/tiles.js';
import { must } from './dom.js';

const TEMPLATE = `
  <h2>Stretch</h2>
  <div class="row">
    <select id="stretch-select" title="stretch function (s / S cycle)">
      ${STRETCHES.map((s) => `<option value="${s}">${s}</option>`).join('')}
    </select>
    <select id="limits-select" title="limits (l cycles)">
      ${LIMIT_MODES.map((m) => `<option value="${m}">${m}</option>`).join('')}
    </select>
  </div>
  <div class="row fields">
    <label data-for="percentile">pmin <input id="pmin" type="number" step="0.1" min="0" max="100"></label>
    <label data-for="percentile">pmax <input id="pmax" type="number" step="0.1" min="0" max="100"></label>
    <label data-for="explicit" title="one value, or one per channel: 0,0,0">vmin <input id="vmin" type="text"
      inputmode="decimal" placeholder="e.g. 0 or 0,0,0"></label>
    <label data-for="explicit" title="one value, or one per channel">vmax <input id="vmax" type="text"
      inputmode="decimal" placeholder="e.g. 1.5"></label>
    <label data-for="asinh" title="asinh softening (blank: server default)">softening
      <input id="softening" type="number" step="any" min="0" placeholder="auto"></label>
    <label data-for="lupton" title="Lupton et al. (2004) Q (blank: server default)">Q
      <input id="q" type="number" step="any" min="0" placeholder="auto"></label>
  </div>`;

const FIELDS = ['pmin', 'pmax', 'vmin', 'vmax', 'softening', 'q'];

/**
 * @param {HTMLElement} container
 * @param {import('../store.js').Store} store
 * @param {import('../actions.js').Actions} actions
 */
export function mountStretchPanel(container, store, actions) {
  container.innerHTML = TEMPLATE;
  const stretchSelect = /** @type {HTMLSelectElement} */ (must(container, '#stretch-select'));
  const limitsSelect = /** @type {HTMLSelectElement} */ (must(container, '#limits-select'));
  const inputs = Object.fromEntries(FIELDS.map((f) => [f, /** @type {HTMLInputElement} */ (must(container, `#${f}`))]));

  store.watch((s) => s.stretch, (st) => {
    stretchSelect.value = st.stretch;
    limitsSelect.value = st.limits;
    for (const f of FIELDS) {
      if (document.activeElement !== inputs[f]) inputs[f].value = st[f] === undefined ? '' : String(st[f]);
    }
    for (const label of container.querySelectorAll('label[data-for]')) {
      const on = label.getAttribute('data-for');
      /** @type {HTMLElement} */ (label).hidden = on !== st.limits && on !== st.stretch;
    }
  });

  stretchSelect.addEventListener('change', () => actions.setStretch({ stretch: stretchSelect.value }));
  limitsSelect.addEventListener('change', () => {
    actions.setStretch({ limits: limitsSelect.value });
    const st = store.get().stretch;
    if (st.limits === 'explicit' && !st.vmin) setTimeout(() => inputs.vmin.focus(), 0);
  });
  for (const f of FIELDS) {
    inputs[f].addEventListener('change', () => {
      const raw = inputs[f].value.trim();
      const error = validate(f, raw);
      if (error) {
        actions.showStatus(error, 'error');
        return;
      }
      actions.setStretch({ [f]: f === 'pmin' || f === 'pmax' ? Number(raw) : raw });
    });
  }
}

/**
 * Catch what the server would reject before asking it for a screenful of tiles.
 * @param {string} field
 * @param {string} raw
 * @returns {string|null} a message to show, or null when the value is acceptable
 */
export function validate(field, raw) {
  if (field === 'pmin' || field === 'pmax') {
    const v = Number(raw);
    if (raw === '' || !(v >= 0 && v <= 100)) return `${field} must be a percentile between 0 and 100`;
    return null;
  }
  if (field === 'vmin' || field === 'vmax') {
    if (raw === '') return null;
    const parts = raw.split(',').map((p) => p.trim());
    if (parts.some((p) => p === '' || !Number.isFinite(Number(p)))) {
      return `${field} "${raw}" must be a number, or comma-separated numbers, one per channel`;
    }
    return null;
  }
  if (raw !== '' && !(Number(raw) > 0)) return `${field} must be a positive number (or blank for the default)`;
  return null;
}
