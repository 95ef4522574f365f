// Development mock of the skylabel API (not shipped): fake images, PNG tiles on the server's tile grid,
// a linear TAN-like WCS, pixel values, cutouts, the labelling API (mock/labelling.mjs), the AI loop
// (mock/learning.mjs: pretrain, tasks, predictions, label next, embedding, similar) and `{"detail": ...}`
// errors. Optionally serves a built dist/. `--fail 0.3` fails that share of annotation POSTs with a 503
// (to watch the save queue retry); `--sources N` puts N extra detections on the galaxy (ring load test).
//   node mock/server.mjs [--port 8010] [--dist dist] [--delay 0] [--fail 0] [--sources 0]
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { makeImages } from './images.mjs';
import { labellingRoute } from './labelling.mjs';
import { learningRoute } from './learning.mjs';
import { HttpError, renderCutout, renderTile } from './render.mjs';

const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean)
  .map((a) => a.trim().split(/\s+/)));
const PORT = Number(args.port ?? 8010);
const DIST = args.dist ? resolve(args.dist) : null;
const DELAY = Number(args.delay ?? 0);

const images = makeImages();
const byId = new Map(images.map((im) => [im.id, im]));
const publicImage = ({ data, stars, ...rest }) => rest;
/** Open event streams (GET /api/images/{id}/events) by image id. */
const streams = new Map();
const publish = (imageId, kind, data) => {
  for (const res of streams.get(imageId) ?? []) res.write(`event: ${kind}\ndata: ${JSON.stringify(data)}\n\n`);
};
let learning = null;
const labelling = labellingRoute(images, {
  failRate: Number(args.fail ?? 0),
  extraSources: Number(args.sources ?? 0),
  onLabel: (imageId, kind, data) => {
    publish(imageId, kind, data);
    learning?.labelSaved(imageId);
  },
});
learning = learningRoute(images, labelling.cat, { publish });

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

function route(method, path, q, body) {
  const answer = labelling(method, path, q, body) ?? learning(method, path, q, () => JSON.parse(body.buffer.toString('utf8') || '{}'));
  if (answer) return answer;
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
    if (rest === '/cutout.png') return { png: renderCutout(image, q) };
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
  const events = /^\/api\/images\/(\d+)\/events$/.exec(url.pathname);
  if (events && byId.has(Number(events[1]))) {
    const id = Number(events[1]);
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write('retry: 2000\n: connected\n\n');
    if (!streams.has(id)) streams.set(id, new Set());
    streams.get(id).add(res);
    req.on('close', () => streams.get(id).delete(res));
    return;
  }
  if (url.pathname.startsWith('/api/')) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => setTimeout(() => {
      try {
        const body = { buffer: Buffer.concat(chunks), type: req.headers['content-type'] ?? '' };
        const out = route(req.method, url.pathname, Object.fromEntries(url.searchParams), body);
        if (out.png) {
          res.writeHead(200, { 'Content-Type': 'image/png', 'Cache-Control': 'max-age=3600' });
          res.end(out.png);
        } else if (out.file) {
          res.writeHead(200, { 'Content-Type': out.file.type, 'Content-Disposition': `attachment; filename="${out.file.name}"` });
          res.end(out.file.body);
        } else {
          res.writeHead(out.status ?? 200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(out.json));
        }
      } catch (err) {
        res.writeHead(err.status ?? 500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ detail: err.message }));
      }
    }, DELAY));
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
