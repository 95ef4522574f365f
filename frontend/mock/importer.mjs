// Catalogue upload parsing for the mock: a multipart form (file, format, name, kind) and a rough reading of
// each format (positions only, 1-based where the format is), with "line N: ..." errors like the server's.
import { HttpError } from './render.mjs';

export const LAYER_KINDS_MOCK = ['detections', 'reference', 'picked', 'annotation'];
const FORMATS = ['sextractor', 'legus', 'geojson', 'ds9', 'csv'];

function multipart(body) {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/.exec(body.type);
  if (!m) throw new HttpError(422, 'send the catalogue as multipart/form-data (file, format, name)');
  const boundary = `--${m[1] ?? m[2]}`;
  const fields = {};
  for (const part of body.buffer.toString('utf8').split(boundary).slice(1, -1)) {
    const [head, ...rest] = part.split('\r\n\r\n');
    const value = rest.join('\r\n\r\n').replace(/\r\n$/, '');
    const name = /name="([^"]+)"/.exec(head)?.[1];
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    if (!name) continue;
    fields[name] = value;
    if (filename !== undefined) fields.filename = filename;
  }
  return fields;
}

export function parseImport(body) {
  const fields = multipart(body);
  if (!fields.file) throw new HttpError(422, 'no file: choose a catalogue file to import');
  if (!FORMATS.includes(fields.format)) throw new HttpError(422, `format "${fields.format}" is not one of ${FORMATS.join(', ')}`);
  const rows = [];
  const notes = [];
  if (fields.format === 'geojson') {
    let doc;
    try {
      doc = JSON.parse(fields.file);
    } catch (e) {
      throw new HttpError(422, `${fields.filename}: not valid JSON (${e.message})`);
    }
    for (const f of doc.features ?? []) {
      const c = f.geometry?.type === 'Point' ? f.geometry.coordinates : f.geometry?.coordinates?.[0]?.[0];
      if (c) rows.push({ x: c[0], y: c[1], id: f.id ?? null, class: f.properties?.class ?? null, columns: {} });
    }
    return { fields, rows, notes };
  }
  const lines = fields.file.split(/\r?\n/);
  let header = null;
  lines.forEach((line, i) => {
    const text = line.trim();
    if (!text || text.startsWith('#')) return;
    if (fields.format === 'ds9') {
      const c = /circle\(([^,]+),([^,]+),/.exec(text);
      if (c) rows.push({ x: Number(c[1]) - 1, y: Number(c[2]) - 1, columns: {} });
      return;
    }
    const parts = fields.format === 'csv' ? text.split(',') : text.split(/\s+/);
    if (fields.format === 'csv' && !header) {
      header = parts.map((p) => p.trim().toLowerCase());
      return;
    }
    const nums = parts.map(Number);
    const x = fields.format === 'csv' ? nums[header.indexOf('x')] : nums[1] - 1;
    const y = fields.format === 'csv' ? nums[header.indexOf('y')] : nums[2] - 1;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw new HttpError(422, `${fields.filename} line ${i + 1}: x, y are not numbers ("${text.slice(0, 40)}")`);
    }
    const cls = fields.format === 'legus' && parts.length >= 34 ? parts[33] : null;
    rows.push({ x, y, id: parts[0], class: cls && cls !== '0' ? cls : null, columns: {} });
  });
  if (!rows.length) notes.push('no sources found in the file');
  return { fields, rows, notes };
}
