// Synthetic images for the mock API: a "galaxy" with stars and three bands, and a frame without WCS.
// Fiducial single bright pixels sit at FITS 0-based (0, 0), (10, 20) and (W-1, H-1) so pixel alignment
// can be checked by eye at high zoom.

export function mulberry32(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function tileGrid(width, height) {
  const maxzoom = Math.max(0, Math.ceil(Math.log2(Math.max(width, height) / 256)));
  const resolutions = Array.from({ length: maxzoom + 1 }, (_, z) => 2 ** (maxzoom - z));
  return { tile_size: 256, minzoom: 0, maxzoom, resolutions, extent: [0, 0, width, height], origin: [0, height] };
}

/** Render band data: row-major Float32Array, index y*W + x with y the FITS row (0 = bottom). */
function makeBands(width, height, bandNames, seed, galaxy) {
  const rand = mulberry32(seed);
  const stars = Array.from({ length: Math.round((width * height) / 4000) }, () => ({
    x: rand() * width, y: rand() * height, flux: 20 * rand() ** 3 + 0.5, colour: rand(),
  }));
  const bands = {};
  bandNames.forEach((name, bi) => {
    const data = new Float32Array(width * height);
    const t = bandNames.length > 1 ? bi / (bandNames.length - 1) : 0.5;
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) {
        let v = 0.01 * (rand() - 0.5);
        if (galaxy) {
          const dx = (x - width * 0.55) / (width * 0.25);
          const dy = (y - height * 0.45) / (height * 0.18);
          const r = Math.hypot(dx * 0.8 + dy * 0.3, dy);
          v += (0.3 + 0.4 * t) * Math.exp(-3 * r) * (1 + 0.3 * Math.sin(4 * Math.atan2(dy, dx) + 6 * r));
        }
        data[y * width + x] = v;
      }
    }
    for (const s of stars) {
      const f = s.flux * (s.colour < 0.5 ? 1 - t * 0.8 : 0.2 + t * 0.8);
      const x0 = Math.floor(s.x);
      const y0 = Math.floor(s.y);
      for (let y = Math.max(0, y0 - 5); y <= Math.min(height - 1, y0 + 5); y += 1) {
        for (let x = Math.max(0, x0 - 5); x <= Math.min(width - 1, x0 + 5); x += 1) {
          data[y * width + x] += f * Math.exp(-((x - s.x) ** 2 + (y - s.y) ** 2) / (2 * 1.3 ** 2));
        }
      }
    }
    for (const [fx, fy] of [[0, 0], [10, 20], [width - 1, height - 1]]) data[fy * width + fx] = 50;
    bands[name] = data;
  });
  return { bands, stars };
}

function renditionsFor(bandNames, composite) {
  const list = [];
  if (composite) {
    list.push({
      name: 'color', title: 'B / V / I colour', kind: 'composite', n_channels: 3, calibrated: false,
      channels: [{ [bandNames[2]]: 1 }, { [bandNames[1]]: 1 }, { [bandNames[0]]: 1 }],
    });
  }
  for (const b of bandNames) {
    list.push({ name: b, title: b, kind: 'band', n_channels: 1, channels: [{ [b]: 1 }], calibrated: false });
  }
  return list;
}

/** Band data as `data`, and the true star positions (FITS 0-based) the mock's source layers start from. */
const unpack = ({ bands, stars }) => ({ data: bands, stars });

export function makeImages() {
  const galaxyBands = ['F435W', 'F555W', 'F814W'];
  const g = { id: 1, name: 'mock-ngc0628-field', width: 1500, height: 1000 };
  const f = { id: 2, name: 'mock-frame-no-wcs', width: 600, height: 400 };
  return [
    {
      ...g,
      created_at: '2025-01-01T00:00:00Z',
      bands: galaxyBands.map((name) => ({ name, bunit: 'ELECTRONS/S', photflam: 1e-19, filter: name, calibrated: true })),
      renditions: renditionsFor(galaxyBands, true),
      default_rendition: 'color',
      stretch_defaults: { stretch: 'asinh', limits: 'percentile', pmin: 0.5, pmax: 99.8 },
      wcs: {
        has_celestial: true, frame: 'icrs', projection: 'TAN', sip: false, pixel_scale_arcsec: 0.04,
        rotation_deg: 30, center: { ra: 24.174, dec: 15.784 }, east_left: true,
      },
      tile_grid: tileGrid(g.width, g.height),
      ...unpack(makeBands(g.width, g.height, galaxyBands, 7, true)),
    },
    {
      ...f,
      created_at: '2025-01-02T00:00:00Z',
      bands: [{ name: 'r', bunit: 'nanomaggy', photflam: null, filter: null, calibrated: false }],
      renditions: renditionsFor(['r'], false),
      default_rendition: 'r',
      stretch_defaults: { stretch: 'linear', limits: 'zscale', pmin: 0.5, pmax: 99.8 },
      wcs: { has_celestial: false },
      tile_grid: tileGrid(f.width, f.height),
      ...unpack(makeBands(f.width, f.height, ['r'], 11, false)),
    },
  ];
}
