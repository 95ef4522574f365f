/**
 * The linked cursor readout: the pixel under the cursor in FITS 0-based (astropy origin 0) and DS9
 * 1-based conventions, its RA/Dec (sexagesimal and degrees, from the server's full WCS) and every band's
 * value at the nearest pixel. Pixel positions update at once; the sky position and values come from the
 * API through `latestWins` (one request in flight, latest position wins). `data-readout-ready="1"` on
 * `#readout-radec-deg` says the whole readout reflects the latest cursor position.
 */
import { pixelToWorld, pixelValues } from '../api/images.js';
import { latestWins } from '../api/latestWins.js';
import { formatDec, formatRa } from '../coords/sexagesimal.js';
import { escapeHtml, must } from './dom.js';

/**
 * @param {number|null|undefined} v a pixel value
 * @returns {string} 5 significant digits, exponent form for very small or large magnitudes
 */
export function formatValue(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(+v.toPrecision(5));
}

const TEMPLATE = `
  <dl class="readout-grid">
    <dt title="FITS 0-based (astropy origin 0): the centre of the first pixel is (0, 0)">x y <small>0-based</small></dt>
    <dd id="readout-pixel">–</dd>
    <dt title="DS9 / FITS 1-based: the centre of the first pixel is (1, 1)">x y <small>DS9 1-based</small></dt>
    <dd id="readout-pixel1">–</dd>
    <dt>RA Dec</dt><dd id="readout-radec-sexa">–</dd>
    <dt>RA Dec <small>deg</small></dt><dd id="readout-radec-deg" data-readout-ready="0">–</dd>
  </dl>
  <table id="readout-values"><tbody></tbody></table>`;

/**
 * @param {HTMLElement} container
 * @param {import('../store.js').Store} store
 */
export function mountReadout(container, store) {
  container.innerHTML = TEMPLATE;
  const el = (id) => must(container, `#${id}`);
  const pixel0 = el('readout-pixel');
  const pixel1 = el('readout-pixel1');
  const sexa = el('readout-radec-sexa');
  const deg = el('readout-radec-deg');
  const values = must(container, '#readout-values tbody');

  const fetchReadout = latestWins(async (/** @type {any} */ image, /** @type {{x: number, y: number}} */ pos) => {
    const xs = [pos.x];
    const ys = [pos.y];
    try {
      const [vals, world] = await Promise.all([
        pixelValues(image.id, xs, ys),
        image.wcs?.has_celestial ? pixelToWorld(image.id, xs, ys) : Promise.resolve(null),
      ]);
      if (store.get().imageId !== image.id) return;
      store.set({ readout: { pos, ra: world?.ra[0] ?? null, dec: world?.dec[0] ?? null, values: vals } });
    } catch (error) {
      if (store.get().imageId === image.id) store.set({ readout: { pos, error: error.message } });
    }
  });

  store.watch((s) => s.cursor, (pos, s) => {
    deg.dataset.readoutReady = '0';
    if (!pos) {
      pixel0.textContent = '–';
      pixel1.textContent = '–';
      return;
    }
    pixel0.textContent = `${pos.x.toFixed(2)} ${pos.y.toFixed(2)}`;
    pixel0.dataset.x = String(pos.x);
    pixel0.dataset.y = String(pos.y);
    pixel1.textContent = `${(pos.x + 1).toFixed(2)} ${(pos.y + 1).toFixed(2)}`;
    if (s.image) fetchReadout(s.image, pos);
  });

  store.watch((s) => s.readout, (readout, s) => {
    if (!readout) {
      sexa.textContent = '–';
      deg.textContent = '–';
      values.innerHTML = '';
      deg.dataset.readoutReady = '0';
      return;
    }
    if (readout.error) {
      sexa.textContent = '–';
      deg.textContent = '–';
      values.innerHTML = `<tr class="error"><td colspan="3">${escapeHtml(readout.error)}</td></tr>`;
    } else {
      renderSky(readout, s.image);
      renderValues(readout, s.image);
    }
    deg.dataset.readoutReady = readout.pos === s.cursor ? '1' : '0';
  });

  function renderSky(readout, image) {
    if (readout.ra === null || readout.dec === null) {
      const why = image?.wcs?.has_celestial ? 'outside the sky projection' : 'no celestial WCS';
      sexa.textContent = why;
      deg.textContent = '–';
      delete deg.dataset.ra;
      delete deg.dataset.dec;
      return;
    }
    sexa.textContent = `${formatRa(readout.ra)} ${formatDec(readout.dec)}`;
    deg.textContent = `${readout.ra.toFixed(6)} ${readout.dec >= 0 ? '+' : ''}${readout.dec.toFixed(6)}`;
    deg.dataset.ra = String(readout.ra);
    deg.dataset.dec = String(readout.dec);
  }

  function renderValues(readout, image) {
    const units = Object.fromEntries((image?.bands ?? []).map((b) => [b.name, b.bunit ?? '']));
    const rows = Object.entries(readout.values.values).map(([band, list]) => {
      const v = list[0];
      return `<tr data-band="${escapeHtml(band)}" data-value="${v ?? ''}"><th>${escapeHtml(band)}</th>`
        + `<td class="num">${formatValue(v)}</td><td class="unit">${escapeHtml(units[band] ?? '')}</td></tr>`;
    });
    values.innerHTML = rows.join('');
  }
}

