// In-memory labelling state for the mock API: layers, sources, annotators and append-only annotations with
// the server's consensus rule (mode of each annotator's latest non-null vote; ties go to the most recent).
// Positions are FITS 0-based pixels.
import { mulberry32 } from './images.mjs';
import { HttpError } from './render.mjs';

export const LEGUS_SCHEME = {
  name: 'LEGUS',
  classes: [
    { id: '1', name: 'compact symmetric cluster', colour: '#3fb950', hotkey: '1', binary: 'cluster' },
    { id: '2', name: 'compact asymmetric cluster', colour: '#58a6ff', hotkey: '2', binary: 'cluster' },
    { id: '3', name: 'multi-peak association', colour: '#d29922', hotkey: '3', binary: 'non-cluster' },
    { id: '4', name: 'not a cluster', colour: '#f85149', hotkey: '4', binary: 'non-cluster' },
  ],
  binary: ['cluster', 'non-cluster'],
};

export const DEFAULT_STYLES = {
  detections: { colour: '#ffd33d', radius_px: 6, width: 1.5, shape: 'ring' },
  reference: { colour: '#4aa3ff', radius_px: 8, width: 1.5, shape: 'ring' },
  picked: { colour: '#ffffff', radius_px: 14, width: 2, shape: 'ring' },
  annotation: { colour: '#3fb950', radius_px: 6, width: 1.5, shape: 'ring' },
};

export function createCatalog(images, { extraSources = 0 } = {}) {
  const layers = [];
  const sources = new Map();
  const annotations = [];
  const annotators = new Map();
  const byClientKey = new Map();
  let nextLayer = 1;
  let nextSource = 1;
  let nextAnnotation = 1;
  const now = () => new Date().toISOString();

  function addLayer(image, name, kind, extra = {}) {
    if (layers.some((l) => l.image_id === image.id && l.name === name)) {
      throw new HttpError(409, `image ${image.id} already has a layer named "${name}": pick another name`);
    }
    const layer = {
      id: nextLayer++, image_id: image.id, name, kind, style: { ...DEFAULT_STYLES[kind] }, n_sources: 0,
      source_file: null, meta: {}, created_at: now(), ...extra,
    };
    layers.push(layer);
    return layer;
  }

  function addSource(layer, x, y, columns = {}, catalogId = null) {
    for (const name of Object.keys(columns)) {
      layer.meta.columns = layer.meta.columns ?? {};
      layer.meta.columns[name] ??= { unit: null, description: '' };
    }
    const s = {
      id: nextSource++, image_id: layer.image_id, layer_id: layer.id, catalog_id: catalogId ?? String(layer.n_sources + 1),
      x, y, ra: null, dec: null, shape: null, geometry: null, columns, label_class: null, n_votes: 0,
    };
    sources.set(s.id, s);
    layer.n_sources += 1;
    return s;
  }

  function annotator(name) {
    if (!name || !String(name).trim()) throw new HttpError(422, 'annotator: give your name (it is stored with every label)');
    if (!annotators.has(name)) annotators.set(name, { id: annotators.size + 1, name, created_at: now() });
    return annotators.get(name);
  }

  function consensus(source) {
    const latest = new Map();
    for (const a of annotations) if (a.source_id === source.id) latest.set(a.annotator, a);
    const votes = [...latest.values()].filter((a) => a.class !== null);
    const counts = new Map();
    for (const a of votes) counts.set(a.class, (counts.get(a.class) ?? 0) + 1);
    const top = Math.max(0, ...counts.values());
    const tied = votes.filter((a) => counts.get(a.class) === top).sort((a, b) => b.id - a.id);
    source.label_class = tied[0]?.class ?? null;
    source.n_votes = votes.length;
    return Object.fromEntries([...latest.values()].map((a) => [a.annotator, a.class]));
  }

  function annotate(image, body) {
    if (body.client_key && byClientKey.has(body.client_key)) {
      const a = byClientKey.get(body.client_key);
      return { status: 200, annotation: a, source: sources.get(a.source_id) };
    }
    annotator(body.annotator);
    const cls = body.class === null || body.class === undefined ? null : String(body.class);
    if (cls !== null && !LEGUS_SCHEME.classes.some((c) => c.id === cls)) {
      throw new HttpError(422, `class "${cls}" is not in the scheme LEGUS: use 1, 2, 3, 4 or null`);
    }
    let source;
    if (body.source_id !== undefined && body.source_id !== null) {
      source = sources.get(Number(body.source_id));
      if (!source || source.image_id !== image.id) throw new HttpError(404, `no source ${body.source_id} on image ${image.id}`);
    } else {
      const g = body.geometry;
      if (!g || !['Point', 'Polygon'].includes(g.type)) {
        throw new HttpError(422, 'an annotation needs a source_id or a geometry (Point or Polygon, 0-based pixels)');
      }
      const pts = g.type === 'Point' ? [g.coordinates] : g.coordinates[0].slice(0, -1);
      const cx = pts.reduce((a, p) => a + p[0], 0) / pts.length;
      const cy = pts.reduce((a, p) => a + p[1], 0) / pts.length;
      const layer = layers.find((l) => l.image_id === image.id && l.name === 'annotations')
        ?? addLayer(image, 'annotations', 'annotation');
      source = addSource(layer, cx, cy, {}, `a${layer.n_sources + 1}`);
      source.geometry = g;
    }
    const previous = [...annotations].reverse().find((a) => a.source_id === source.id && a.annotator === body.annotator);
    const a = {
      id: nextAnnotation++, source_id: source.id, image_id: image.id, annotator: body.annotator, class: cls,
      geometry: body.geometry ?? null, round_id: body.round_id ?? null, created_at: now(),
      supersedes_id: previous?.id ?? null, client_key: body.client_key ?? null,
    };
    annotations.push(a);
    if (a.client_key) byClientKey.set(a.client_key, a);
    consensus(source);
    return { status: 201, annotation: a, source };
  }

  function detail(source) {
    const votes = consensus(source);
    const history = annotations.filter((a) => a.source_id === source.id).map((a) => ({
      id: a.id, annotator: a.annotator, class: a.class, geometry: a.geometry, round_id: a.round_id,
      created_at: a.created_at, supersedes_id: a.supersedes_id,
    }));
    return { ...source, votes, history };
  }

  // Starting layers from the mock images' true stars: detections (jittered, plus spurious ones), a
  // LEGUS-like reference subset with magnitudes, CI and some earlier labels, and sources picked for annotation.
  for (const image of images) {
    const rand = mulberry32(image.id * 101);
    const det = addLayer(image, 'SExtractor detections', 'detections', { source_file: 'mock.cat' });
    for (const s of image.stars) {
      const mag = 25 - 2.5 * Math.log10(s.flux * 100);
      addSource(det, s.x + (rand() - 0.5) * 0.6, s.y + (rand() - 0.5) * 0.6, {
        MAG_AUTO: +mag.toFixed(3), FLUX_AUTO: +(s.flux * 100).toFixed(2), CLASS_STAR: +rand().toFixed(2),
      });
    }
    if (image.id !== 1) continue;
    const ref = addLayer(image, 'LEGUS reference', 'reference', { source_file: 'hlsp_legus_mock.tab' });
    const bright = image.stars.filter((s) => s.flux > 2);
    bright.forEach((s, i) => {
      const v = 25 - 2.5 * Math.log10(s.flux * 100);
      const src = addSource(ref, s.x, s.y, {
        mag_F435W: +(v + 0.4 - s.colour).toFixed(3), mag_F555W: +v.toFixed(3), mag_F814W: +(v - 0.3 - s.colour).toFixed(3),
        ci: +(1.2 + rand()).toFixed(3),
      });
      if (i % 3 === 0) annotate(image, { source_id: src.id, class: String(1 + (i % 4)), annotator: 'LEGUS', client_key: `legus-${i}` });
    });
    const picked = addLayer(image, 'picked for round 1', 'picked');
    image.stars.filter(() => rand() < 0.08).forEach((s) => addSource(picked, s.x, s.y));
    if (extraSources > 0) {
      const many = addLayer(image, `${extraSources} random detections`, 'detections');
      for (let i = 0; i < extraSources; i += 1) {
        addSource(many, rand() * (image.width - 1), rand() * (image.height - 1), { MAG_AUTO: +(20 + 8 * rand()).toFixed(2) });
      }
    }
  }

  return { layers, sources, annotations, annotators, addLayer, addSource, annotator, annotate, detail, consensus };
}
