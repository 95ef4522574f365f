// Development mock of the skylabel API (not shipped): fake images, PNG tiles on the server's tile grid,
// a linear TAN-like WCS, pixel values, and `{"detail": ...}` errors. Optionally serves a built dist/.
//   node mock/server.mjs [--port 8010] [--dist dist] [--delay 0]
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { makeImages } from './images.mjs';
import { encodePng } from './png.mjs';

const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean)
  .map((a) => a.trim().split(/\s+/)));
const PORT = Number(args.port ?? 8010);
const DIST = args.dist ? resolve(args.dist) : null;
const DELAY = Number(args.delay ?? 0);

const images = makeImages();
const byId = new Map(images.map((im) => [im.id, im]));
const publicImage = ({ data, ...rest }) => rest;

class HttpError extends Error {
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

function renderTile(image, renditionName, z, x, y, q) {
  const rendition = image.renditions.find((r) => r.name === renditionName);
  if (!rendition) throw new HttpError(404, `image ${image.id} has no rendition "${renditionName}"`);
  const res = image.tile_grid.resolutions[z];
  if (res === undefined) throw new HttpError(404, `zoom ${z} is outside 0..${image.tile_grid.maxzoom}`);
  const stretch = STRETCH[q.stretch ?? 'asinh'];
  if (!stretch) throw new HttpError(422, `unknown stretch "${q.stretch}": use linear, log, sqrt, asinh or lupton`);
  const channels = rendition.kind === 'composite' ? rendition.channels.map((c) => Object.keys(c)[0])
    : [Object.keys(rendition.channels[0])[0]];
  const lims = channels.map((b, i) => limitsFor(image, b, q, i));
  const { width: W, height: H } = image;
  const out = new Uint8Array(256 * 256 * 4);
  for (let j = 0; j < 256; j += 1) {
    const row = Math.floor(H - (y * 256 + j + 0.5) * res);
    for (let i = 0; i < 256; i += 1) {
      const col = Math.floor((x * 256 + i + 0.5) * res);
      const o = (j * 256 + i) * 4;
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
  return encodePng(out, 256, 256);
}

function wcsOf(image) {
  if (!image.wcs.has_celestial) throw new HttpError(409, `image ${image.name} has no celestial WCS`);
  const { rotation_deg: rot, pixel_scale_arcsec: scale, center } = image.wcs;
  const t = (rot * Math.PI) / 180;
  const n = [-Math.sin(t), Math.cos(t)];
  const e = [-n[1], n[0]];
  const cx = (image.width - 1) / 2;
  const cy = (image.height - 1) / 2;
  const cosd = Math.cos((center.dec * Math.PI) / 180);
  return {
    pix2world(x, y) {
      const a = (x - cx) * e[0] + (y - cy) * e[1];
      const b = (x - cx) * n[0] + (y - cy) * n[1];
      return [center.ra + (a * scale) / 3600 / cosd, center.dec + (b * scale) / 3600];
    },
    world2pix(ra, dec) {
      const a = ((ra - center.ra) * cosd * 3600) / scale;
      const b = ((dec - center.dec) * 3600) / scale;
      return [cx + a * e[0] + b * n[0], cy + a * e[1] + b * n[1]];
    },
  };
}

const numbers = (q, key) => {
  const list = String(q[key] ?? '').split(',').map(Number);
  if (!q[key] || list.some((v) => !Number.isFinite(v))) throw new HttpError(422, `${key} must be comma-separated numbers`);
  return list;
};

function route(path, q) {
  let m;
  if (path === '/api/images') return { json: { count: images.length, items: images.map(publicImage) } };
  if ((m = /^\/api\/images\/(\d+)(\/.*)?$/.exec(path))) {
    const image = byId.get(Number(m[1]));
    if (!image) throw new HttpError(404, `no image with id ${m[1]}: open one from the image list`);
    const rest = m[2] ?? '';
    if (rest === '') return { json: publicImage(image) };
    if ((m = /^\/tiles\/([^/]+)\/(\d+)\/(\d+)\/(\d+)\.(webp|png|jpg)$/.exec(rest))) {
      return { png: renderTile(image, decodeURIComponent(m[1]), +m[2], +m[3], +m[4], q) };
    }
    if (rest === '/pix2world') {
      const w = wcsOf(image);
      const xs = numbers(q, 'x');
      const ys = numbers(q, 'y');
      const sky = xs.map((x, i) => w.pix2world(x, ys[i]));
      return { json: { ra: sky.map((s) => s[0]), dec: sky.map((s) => s[1]) } };
    }
    if (rest === '/world2pix') {
      const w = wcsOf(image);
      const ras = numbers(q, 'ra');
      const decs = numbers(q, 'dec');
      const px = ras.map((ra, i) => w.world2pix(ra, decs[i]));
      return { json: { x: px.map((p) => p[0]), y: px.map((p) => p[1]) } };
    }
    if (rest === '/values') {
      const xs = numbers(q, 'x');
      const ys = numbers(q, 'y');
      const values = Object.fromEntries(Object.entries(image.data).map(([b, d]) => [b, xs.map((x, i) => {
        const c = Math.round(x);
        const r = Math.round(ys[i]);
        return c >= 0 && c < image.width && r >= 0 && r < image.height ? d[r * image.width + c] : null;
      })]));
      return { json: { x: xs, y: ys, values } };
    }
  }
  throw new HttpError(404, `no API route ${path}`);
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json',
  '.svg': 'image/svg+xml', '.png': 'image/png' };

createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname.startsWith('/api/')) {
    setTimeout(() => {
      try {
        const out = route(url.pathname, Object.fromEntries(url.searchParams));
        if (out.png) {
          res.writeHead(200, { 'Content-Type': 'image/png', 'Cache-Control': 'max-age=3600' });
          res.end(out.png);
        } else {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(out.json));
        }
      } catch (err) {
        res.writeHead(err.status ?? 500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ detail: err.message }));
      }
    }, DELAY);
    return;
  }
  if (!DIST) {
    res.writeHead(404).end();
    return;
  }
  const file = normalize(join(DIST, url.pathname === '/' ? 'index.html' : url.pathname));
  if (!file.startsWith(DIST) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
}).listen(PORT, '127.0.0.1', () => console.log(`mock skylabel API on http://127.0.0.1:${PORT}`));
