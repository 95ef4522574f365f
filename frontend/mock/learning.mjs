// The AI loop of the mock server, as backend/api/routes/learning.py defines it: pretrain (a timer plays
// BYOL steps as `task` events, then embed, then a probe fit when anything is labelled), retrain, tasks,
// status with the probe history, predictions in a box, label next (rebuilding the "picked" layer),
// the 2-D embedding and "more like this". Each label refits the probe 300 ms later (`scores` event), as
// the live loop does. The "embedding" is made up from the source's position and columns, so neighbours
// in it are neighbours on the image; the probe is nearest-centroid over it. Returns null for other paths.
import { HttpError } from './render.mjs';

const STEP_MS = 150;
const REFIT_MS = 300;

export function learningRoute(images, cat, { publish, stepMs = STEP_MS }) {
  const state = new Map(images.map((im) => [im.id, { encoder: null, probes: [], predictions: new Map(), timer: null }]));
  const tasks = [];
  let nextTask = 1;
  let nextVersion = 1;

  const sourcesOf = (imageId) => [...cat.sources.values()].filter((s) => s.image_id === imageId
    && cat.layers.find((l) => l.id === s.layer_id)?.kind !== 'picked');
  const pc = (s) => [Math.sin(s.x / 97) * 3 + (s.columns.MAG_AUTO ?? 22) / 10, Math.cos(s.y / 83) * 3 + (s.columns.CLASS_STAR ?? 0.5)];
  const classes = ['1', '2', '3', '4'];

  function task(imageId, name, params = {}) {
    const t = { id: nextTask++, image_id: imageId, name, status: 'queued', progress: 0, message: 'queued', params, result: null, error: null };
    tasks.push(t);
    publish(imageId, 'task', event(t));
    return t;
  }
  const event = (t, detail) => ({ id: t.id, name: t.name, status: t.status, progress: t.progress, message: t.message, ...(detail ? { detail } : {}) });
  const update = (t, patch, detail) => {
    Object.assign(t, patch);
    publish(t.image_id, 'task', event(t, detail));
  };

  function fit(imageId) {
    const st = state.get(imageId);
    const t = task(imageId, 'fit_probe');
    update(t, { status: 'running', message: 'started' });
    const all = sourcesOf(imageId);
    const labelled = all.filter((s) => s.label_class !== null);
    const centroids = classes.map((c) => {
      const mine = labelled.filter((s) => s.label_class === c).map(pc);
      return mine.length ? [mine.reduce((a, p) => a + p[0], 0) / mine.length, mine.reduce((a, p) => a + p[1], 0) / mine.length] : null;
    });
    const version = { model_version: nextVersion++, version: st.probes.length + 1, n_labels: labelled.length,
      validation_accuracy: labelled.length >= 10 ? Math.min(0.95, 0.4 + 0.015 * labelled.length) : null, created_at: new Date().toISOString() };
    st.probes.push(version);
    st.predictions = new Map(all.map((s) => {
      const [x, y] = pc(s);
      const w = centroids.map((c) => (c ? Math.exp(-Math.hypot(x - c[0], y - c[1])) : 0.02));
      const total = w.reduce((a, b) => a + b, 0);
      const probs = Object.fromEntries(classes.map((c, i) => [c, +(w[i] / total).toFixed(4)]));
      const best = classes.reduce((a, c) => (probs[c] > probs[a] ? c : a), classes[0]);
      const entropy = -Object.values(probs).reduce((a, p) => a + (p > 0 ? p * Math.log(p) : 0), 0);
      return [s.id, { source_id: s.id, x: s.x, y: s.y, class: best, score: probs[best], entropy, probs, rank: null, pseudo_label: null }];
    }));
    publish(imageId, 'scores', { model_version: version.model_version, version: version.version, changed: 'all', n_changed: all.length });
    update(t, { status: 'done', progress: 1, message: `probe v${version.version} on ${labelled.length} labels` });
  }

  function pretrain(imageId, { steps = 20 }) {
    const st = state.get(imageId);
    const t = task(imageId, 'pretrain', { steps });
    let step = 0;
    update(t, { status: 'running', message: 'started' });
    const timer = setInterval(() => {
      step += 1;
      const loss = 4 * Math.exp(-step / steps) + 0.3;
      update(t, { progress: step / steps, message: `step ${step}/${steps}, loss ${loss.toFixed(4)}, 41.0 images/s` },
        { step, steps, loss, images_per_s: 41 });
      if (step < steps) return;
      clearInterval(timer);
      st.encoder = { model_version: nextVersion++, version: (st.encoder?.version ?? 0) + 1, kind: 'resnet', steps };
      update(t, { status: 'done', progress: 1, message: `encoder v${st.encoder.version}: ${steps} steps` });
      const e = task(imageId, 'embed');
      setTimeout(() => {
        st.embedded = st.encoder;
        update(e, { status: 'done', progress: 1, message: `embedded ${sourcesOf(imageId).length} sources` });
        if (sourcesOf(imageId).some((s) => s.label_class !== null)) fit(imageId);
      }, stepMs * 3);
    }, stepMs);
    return t;
  }

  function status(imageId) {
    const st = state.get(imageId);
    const probe = st.probes.at(-1) ?? null;
    return { image_id: imageId, has_encoder: !!st.encoder, encoder: st.encoder, embeddings: st.embedded ? { model_version: st.embedded.model_version } : null,
      probe: probe && { ...probe, validation: '5-fold cross-validation on the labels', n_pseudo: 0 },
      n_labels: sourcesOf(imageId).filter((s) => s.label_class !== null).length, validation_accuracy: probe?.validation_accuracy ?? null,
      history: st.probes, active_tasks: tasks.filter((t) => t.image_id === imageId && ['queued', 'running'].includes(t.status)).map((t) => event(t)) };
  }

  function next(image, strategy, k) {
    const st = state.get(image.id);
    if (!st.embedded && strategy !== 'random') {
      throw new HttpError(409, `strategy '${strategy}' needs a model and image ${image.id} has no embeddings yet: use strategy=random, or pretrain an encoder first`);
    }
    const free = sourcesOf(image.id).filter((s) => s.label_class === null);
    const score = (s) => (strategy === 'random' ? Math.sin(s.id * 12.9898) : st.predictions.get(s.id)?.entropy ?? 0);
    const picked = free.sort((a, b) => score(b) - score(a)).slice(0, k);
    let layer = cat.layers.find((l) => l.image_id === image.id && l.kind === 'picked');
    if (!layer) layer = cat.addLayer(image, 'picked', 'picked');
    for (const [id, s] of cat.sources) if (s.layer_id === layer.id) cat.sources.delete(id);
    layer.n_sources = 0;
    picked.forEach((s, i) => cat.addSource(layer, s.x, s.y, { source_id: s.id, rank: i + 1, strategy }, String(s.id)));
    return { task: nextTask++, strategy, layer_id: layer.id, model_version: st.embedded?.model_version ?? null, count: picked.length,
      items: picked.map((s, i) => ({ id: s.id, layer_id: s.layer_id, x: s.x, y: s.y, label_class: null, n_votes: s.n_votes, rank: i + 1 })) };
  }

  function similar(source, k) {
    const st = state.get(source.image_id);
    if (!st.embedded) throw new HttpError(409, `image ${source.image_id} has no encoder yet: pretrain one first`);
    const [x0, y0] = pc(source);
    return { source_id: source.id, model_version: st.embedded.model_version, items: sourcesOf(source.image_id).filter((s) => s.id !== source.id)
      .map((s) => ({ s, d: Math.hypot(pc(s)[0] - x0, pc(s)[1] - y0) })).sort((a, b) => a.d - b.d).slice(0, k)
      .map(({ s, d }) => ({ source_id: s.id, similarity: +(1 / (1 + d)).toFixed(5), x: s.x, y: s.y, label_class: s.label_class,
        class: st.predictions.get(s.id)?.class ?? null, score: st.predictions.get(s.id)?.score ?? null })) };
  }

  const route = (method, path, q, body) => {
    let m;
    if ((m = /^\/api\/tasks\/(\d+)$/.exec(path))) {
      const t = tasks.find((x) => x.id === Number(m[1]));
      if (!t) throw new HttpError(404, `no task with id ${m[1]}`);
      return { json: t };
    }
    if ((m = /^\/api\/sources\/(\d+)\/similar$/.exec(path))) {
      const s = cat.sources.get(Number(m[1]));
      if (!s) throw new HttpError(404, `no source with id ${m[1]}`);
      return { json: similar(s, Number(q.k ?? 12)) };
    }
    if (!(m = /^\/api\/images\/(\d+)(\/.*)$/.exec(path)) || !state.has(Number(m[1]))) return null;
    const image = images.find((im) => im.id === Number(m[1]));
    const st = state.get(image.id);
    const rest = m[2];
    if (rest === '/learning/pretrain' && method === 'POST') return { status: 202, json: { task: pretrain(image.id, body()) } };
    if (rest === '/learning/retrain' && method === 'POST') {
      if (!st.embedded) throw new HttpError(409, `image ${image.id} has no embeddings yet: pretrain an encoder first`);
      setTimeout(() => fit(image.id), 50);
      return { status: 202, json: { task: { id: nextTask, name: 'fit_probe', status: 'queued', progress: 0, message: 'queued' } } };
    }
    if (rest === '/learning') return { json: status(image.id) };
    if (rest === '/tasks') {
      const items = tasks.filter((t) => t.image_id === image.id).reverse().slice(0, Number(q.limit ?? 50));
      return { json: { count: items.length, items } };
    }
    if (rest === '/predictions') {
      const b = String(q.bbox ?? '').split(',').map(Number);
      const items = [...st.predictions.values()].filter((p) => b.length !== 4 || (p.x >= b[0] && p.x <= b[2] && p.y >= b[1] && p.y <= b[3]));
      const probe = st.probes.at(-1);
      return { json: { model_version: probe?.model_version ?? null, version: probe?.version ?? null, count: items.length, truncated: false, items } };
    }
    if (rest === '/learning/next') return { json: next(image, q.strategy ?? 'entropy', Number(q.k ?? 20)) };
    if (rest === '/embedding') {
      if (!st.embedded) throw new HttpError(409, `image ${image.id} has no encoder yet: pretrain one first`);
      const items = sourcesOf(image.id).map((s) => ({ source_id: s.id, pc: pc(s), label_class: s.label_class,
        class: st.predictions.get(s.id)?.class ?? null, score: st.predictions.get(s.id)?.score ?? null }));
      return { json: { model_version: st.embedded.model_version, version: st.embedded.version, explained_variance: [0.6, 0.3], count: items.length, items } };
    }
    return null;
  };

  /** A label was saved: refit shortly after (a burst of labels makes one refit). */
  route.labelSaved = (imageId) => {
    const st = state.get(imageId);
    if (!st?.embedded) return;
    clearTimeout(st.timer);
    st.timer = setTimeout(() => fit(imageId), REFIT_MS);
  };
  return route;
}
