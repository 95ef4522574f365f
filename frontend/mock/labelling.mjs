// The labelling API of the mock server, as the backend contract defines it: scheme, annotators, layers
// (list, import, patch, delete), viewport sources, the triage list, next/previous, one source, annotations,
// detection and export. Returns null for paths it does not serve.
import { LAYER_KINDS_MOCK, parseImport } from './importer.mjs';
import { LEGUS_SCHEME, createCatalog } from './catalog.mjs';
import { HttpError } from './render.mjs';

const summary = (s) => ({
  id: s.id, layer_id: s.layer_id, x: s.x, y: s.y, label_class: s.label_class, n_votes: s.n_votes, shape: s.shape,
});
const list = (v) => (v ? String(v).split(',').filter(Boolean) : []);

function filterSources(all, image, q) {
  const layers = list(q.layers).map(Number);
  const classes = list(q.classes);
  const state = q.state ?? 'all';
  if (!['all', 'labelled', 'unlabelled'].includes(state)) {
    throw new HttpError(422, `state "${state}" is not one of all, labelled, unlabelled`);
  }
  return [...all.values()].filter((s) => s.image_id === image.id
    && (!layers.length || layers.includes(s.layer_id))
    && (!classes.length || classes.includes(s.label_class))
    && (state === 'all' || (state === 'labelled') === (s.label_class !== null)));
}

function json(body) {
  if (!body.buffer.length) return {};
  try {
    return JSON.parse(body.buffer.toString('utf8'));
  } catch {
    throw new HttpError(422, 'the request body is not valid JSON');
  }
}

export function labellingRoute(images, { failRate = 0, extraSources = 0, onLabel = () => {} } = {}) {
  const byId = new Map(images.map((im) => [im.id, im]));
  const cat = createCatalog(images, { extraSources });

  const imageOf = (id) => {
    const image = byId.get(Number(id));
    if (!image) throw new HttpError(404, `no image with id ${id}: open one from the image list`);
    return image;
  };
  const layerOf = (id) => {
    const layer = cat.layers.find((l) => l.id === Number(id));
    if (!layer) throw new HttpError(404, `no layer with id ${id}`);
    return layer;
  };

  function imageRoute(method, image, rest, q, body) {
    if (rest === '/scheme') return { json: LEGUS_SCHEME };
    if (rest === '/layers' && method === 'GET') return { json: cat.layers.filter((l) => l.image_id === image.id) };
    if (rest === '/layers/import' && method === 'POST') {
      const { fields, rows, notes } = parseImport(body);
      const kind = fields.kind || 'reference';
      if (!LAYER_KINDS_MOCK.includes(kind)) throw new HttpError(422, `kind "${kind}" is not one of ${LAYER_KINDS_MOCK.join(', ')}`);
      const layer = cat.addLayer(image, fields.name || fields.filename || `${fields.format} import`, kind, { source_file: fields.filename });
      const outside = [];
      let labels = 0;
      rows.forEach((r, i) => {
        if (r.x < -0.5 || r.y < -0.5 || r.x > image.width - 0.5 || r.y > image.height - 0.5) {
          outside.push(r.id ?? String(i + 1));
          return;
        }
        const s = cat.addSource(layer, r.x, r.y, r.columns ?? {}, r.id ?? null);
        if (r.class) {
          cat.annotate(image, { source_id: s.id, class: r.class, annotator: fields.format.toUpperCase(), client_key: `imp-${s.id}` });
          labels += 1;
        }
      });
      return { json: { layer, imported: layer.n_sources, outside: { count: outside.length, ids: outside.slice(0, 100) }, labels, notes } };
    }
    if (rest === '/sources') {
      const bbox = list(q.bbox).map(Number);
      if (bbox.length !== 4 || bbox.some((v) => !Number.isFinite(v))) throw new HttpError(422, 'bbox must be xmin,ymin,xmax,ymax (0-based pixels)');
      const limit = Number(q.limit ?? 5000);
      const inside = filterSources(cat.sources, image, q)
        .filter((s) => s.x >= bbox[0] && s.x <= bbox[2] && s.y >= bbox[1] && s.y <= bbox[3]);
      return { json: { count: Math.min(inside.length, limit), truncated: inside.length > limit, sources: inside.slice(0, limit).map(summary) } };
    }
    if (rest === '/sources/list') {
      const sort = q.sort ?? 'id';
      const sign = q.order === 'desc' ? -1 : 1;
      const key = (s) => (['id', 'x', 'y'].includes(sort) ? s[sort] : s.columns[sort] ?? null);
      const all = filterSources(cat.sources, image, q).sort((a, b) => {
        const ka = key(a);
        const kb = key(b);
        if (ka === null || kb === null) return ka === kb ? a.id - b.id : ka === null ? 1 : -1;
        return sign * (ka - kb) || a.id - b.id;
      });
      const offset = Number(q.offset ?? 0);
      const limit = Number(q.limit ?? 100);
      const wanted = list(q.columns);
      const pick = (s) => (wanted.length ? { columns: Object.fromEntries(wanted.map((c) => [c, s.columns[c] ?? null])) } : {});
      return { json: { count: all.length, items: all.slice(offset, offset + limit).map((s) => ({ ...summary(s), ...pick(s) })) } };
    }
    if (rest === '/sources/next') {
      const all = filterSources(cat.sources, image, { ...q, state: q.state ?? 'unlabelled' })
        .sort((a, b) => a.layer_id - b.layer_id || a.id - b.id);
      const ref = q.after ? cat.sources.get(Number(q.after)) : null;
      const after = (s) => !ref || s.layer_id > ref.layer_id || (s.layer_id === ref.layer_id && s.id > ref.id);
      const before = (s) => ref && (s.layer_id < ref.layer_id || (s.layer_id === ref.layer_id && s.id < ref.id));
      const found = q.direction === 'prev' ? (ref ? all.filter(before).pop() : all[all.length - 1]) : all.find(after);
      if (!found) throw new HttpError(404, 'no more unlabelled sources');
      return { json: summary(found) };
    }
    if (rest === '/annotations' && method === 'POST') {
      if (failRate > 0 && Math.random() < failRate) throw new HttpError(503, 'mock: the database is busy, try again');
      const { status, annotation, source } = cat.annotate(image, json(body));
      if (status === 201) onLabel(image.id, 'labels', { source_id: source.id, label_class: source.label_class });
      return { status, json: { annotation, source: summary(source) } };
    }
    if (rest === '/annotations') {
      const afterId = Number(q.after_id ?? 0);
      const items = cat.annotations.filter((a) => a.image_id === image.id && a.id > afterId);
      return { json: { count: items.length, items } };
    }
    if (rest === '/detect' && method === 'POST') {
      const p = json(body);
      const threshold = Number(p.threshold ?? 3);
      if (!(threshold > 0)) throw new HttpError(422, 'threshold must be a positive number of sigma');
      const layer = cat.addLayer(image, p.name || `sep detections (${threshold} sigma)`, 'detections', { meta: p });
      for (const s of image.stars) if (s.flux * 10 > threshold) cat.addSource(layer, s.x, s.y, { FLUX: +s.flux.toFixed(3) });
      return { json: { layer, detected: layer.n_sources } };
    }
    if (rest === '/export') {
      const fmt = q.format ?? 'ecsv';
      const rows = filterSources(cat.sources, image, { layers: q.layers });
      const text = ['id,layer_id,x,y,class', ...rows.map((s) => `${s.id},${s.layer_id},${s.x},${s.y},${s.label_class ?? ''}`)].join('\n');
      return { file: { name: `image${image.id}.${fmt}`, type: 'text/plain', body: text } };
    }
    return null;
  }

  function route(method, path, q, body) {
    let m;
    if (path === '/api/annotators') {
      if (method === 'POST') return { json: cat.annotator(json(body).name) };
      return { json: [...cat.annotators.values()] };
    }
    if ((m = /^\/api\/layers\/(\d+)$/.exec(path))) {
      const layer = layerOf(m[1]);
      if (method === 'PATCH') {
        const p = json(body);
        if (p.name) layer.name = String(p.name);
        if (p.style) layer.style = { ...layer.style, ...p.style };
        return { json: layer };
      }
      if (method === 'DELETE') {
        cat.layers.splice(cat.layers.indexOf(layer), 1);
        for (const [id, s] of cat.sources) if (s.layer_id === layer.id) cat.sources.delete(id);
        return { status: 204, json: null };
      }
    }
    if ((m = /^\/api\/sources\/(\d+)$/.exec(path))) {
      const s = cat.sources.get(Number(m[1]));
      if (!s) throw new HttpError(404, `no source with id ${m[1]}`);
      return { json: cat.detail(s) };
    }
    if ((m = /^\/api\/images\/(\d+)(\/.*)$/.exec(path))) return imageRoute(method, imageOf(m[1]), m[2], q, body);
    return null;
  }
  route.cat = cat; // the learning mock reads and rebuilds the same sources and layers
  return route;
}
