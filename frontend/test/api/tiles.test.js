import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiUrl } from '../../src/api/client.js';
import { stretchParams, tileUrl } from '../../src/api/tiles.js';

const BASE = { stretch: 'asinh', limits: 'percentile', pmin: 0.5, pmax: 99.8, vmin: '1', vmax: '2', softening: '', q: '3' };

test('only the parameters that apply are sent', () => {
  assert.deepEqual(stretchParams(BASE), { stretch: 'asinh', limits: 'percentile', pmin: 0.5, pmax: 99.8 });
  assert.deepEqual(stretchParams({ ...BASE, limits: 'explicit', stretch: 'lupton' }),
    { stretch: 'lupton', limits: 'explicit', vmin: '1', vmax: '2', q: '3' });
  assert.deepEqual(stretchParams({ ...BASE, limits: 'zscale', softening: '0.05' }),
    { stretch: 'asinh', limits: 'zscale', softening: '0.05' });
});

test('tile URL follows the API: rendition, z/x/y, format, stretch query', () => {
  const url = tileUrl(4, 'color', 2, 1, 0, stretchParams(BASE));
  assert.equal(url, '/api/images/4/tiles/color/2/1/0.webp?stretch=asinh&limits=percentile&pmin=0.5&pmax=99.8');
  assert.match(tileUrl(4, 'NUV+U', 0, 0, 0, {}, 'png'), /tiles\/NUV%2BU\/0\/0\/0\.png$/);
  assert.equal(apiUrl('/images/1/values', { x: [1.5, 2], y: [3, 4], z: null }),
    '/api/images/1/values?x=1.5%2C2&y=3%2C4');
});
