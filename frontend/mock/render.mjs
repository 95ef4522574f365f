// Stretch and render mock band data into RGBA PNGs: tiles on the server's grid and cutouts around a
// FITS 0-based position (y up). Errors are HttpErrors carrying the API's `{"detail": ...}` text.
import { encodePng } from './png.mjs';

export class HttpError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

function percentile(data, p) {
  if (!data.sorted) data.sorted = Float32Array.from(data.filter((_, i) => i % 7 === 0)).sort();
  const s = data.sorted;
  return s[Math.min(s.length - 1, Math.max(0, Math.round((p / 100) * (s.length - 1))))];
}

function limitsFor(image, bandName, q, channel) {
  const data = image.data[bandName];
  if (q.limits === 'zscale') return [percentile(data, 20), percentile(data, 99.5)];
  if (q.limits === 'explicit') {
    if (!q.vmin || !q.vmax) throw new HttpError(422, 'limits=explicit needs vmin and vmax (one value, or one per channel)');
    const pick = (s) => { const parts = s.split(',').map(Number); return parts[Math.min(channel, parts.length - 1)]; };
    return [pick(q.vmin), pick(q.vmax)];
  }
  return [percentile(data, Number(q.pmin ?? 0.5)), percentile(data, Number(q.pmax ?? 99.8))];
}

const STRETCH = {
  linear: (t) => t,
  sqrt: (t) => Math.sqrt(t),
  log: (t) => Math.log10(1 + 1000 * t) / 3,
  asinh: (t, q) => { const a = Number(q.softening || 0.1); return Math.asinh(t / a) / Math.asinh(1 / a); },
  lupton: (t, q) => { const Q = Number(q.q || 8); return Math.asinh(Q * t) / Math.asinh(Q); },
};

/**
 * @param {object} image mock image
 * @param {string} renditionName a rendition or band name
 * @param {object} q stretch query
 * @param {number} w output width
 * @param {number} h output height
 * @param {(i: number, j: number) => [number, number]} pixelAt output pixel (i right, j down) -> FITS (col, row)
 */
export function renderPng(image, renditionName, q, w, h, pixelAt) {
  const rendition = image.renditions.find((r) => r.name === renditionName);
  if (!rendition) throw new HttpError(404, `image ${image.id} has no rendition "${renditionName}"`);
  const stretch = STRETCH[q.stretch ?? 'asinh'];
  if (!stretch) throw new HttpError(422, `unknown stretch "${q.stretch}": use linear, log, sqrt, asinh or lupton`);
  const channels = rendition.kind === 'composite' ? rendition.channels.map((c) => Object.keys(c)[0])
    : [Object.keys(rendition.channels[0])[0]];
  const lims = channels.map((b, i) => limitsFor(image, b, q, i));
  const { width: W, height: H } = image;
  const out = new Uint8Array(w * h * 4);
  for (let j = 0; j < h; j += 1) {
    for (let i = 0; i < w; i += 1) {
      const [col, row] = pixelAt(i, j);
      const o = (j * w + i) * 4;
      if (col < 0 || col >= W || row < 0 || row >= H) continue;
      const rgb = channels.map((b, c) => {
        const [lo, hi] = lims[c];
        const t = Math.min(1, Math.max(0, (image.data[b][row * W + col] - lo) / (hi - lo || 1)));
        return Math.round(255 * Math.min(1, Math.max(0, stretch(t, q))));
      });
      out[o] = rgb[0];
      out[o + 1] = rgb[1 % rgb.length];
      out[o + 2] = rgb[2 % rgb.length];
      out[o + 3] = 255;
    }
  }
  return encodePng(out, w, h);
}

export function renderTile(image, renditionName, z, x, y, q) {
  const res = image.tile_grid.resolutions[z];
  if (res === undefined) throw new HttpError(404, `zoom ${z} is outside 0..${image.tile_grid.maxzoom}`);
  const H = image.height;
  return renderPng(image, renditionName, q, 256, 256, (i, j) => [
    Math.floor((x * 256 + i + 0.5) * res), Math.floor(H - (y * 256 + j + 0.5) * res),
  ]);
}

/** Cutout of `size` pixels centred on the pixel nearest FITS 0-based (x, y), each pixel `scale` times, y up. */
export function renderCutout(image, q) {
  const size = Number(q.size ?? 64);
  const scale = Number(q.scale ?? 1);
  if (!(size >= 1 && size <= 1024)) throw new HttpError(422, `cutout size ${q.size} is out of range: use 1 to 1024 pixels`);
  if (!(scale >= 1 && scale <= 8)) throw new HttpError(422, `scale ${q.scale} is out of range: use 1 to 8`);
  const x = Number(q.x);
  const y = Number(q.y);
  if (!Number.isFinite(x) || !Number.isFinite(y)) throw new HttpError(422, 'x and y must be numbers (FITS 0-based pixels)');
  const x0 = Math.floor(x + 0.5) - Math.floor(size / 2);
  const y0 = Math.floor(y + 0.5) - Math.floor(size / 2);
  const n = size * scale;
  return renderPng(image, q.rendition, q, n, n, (i, j) => [
    x0 + Math.floor(i / scale), y0 + size - 1 - Math.floor(j / scale),
  ]);
}
