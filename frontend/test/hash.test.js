import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatHash, parseHash } from '../src/hash.js';

test('a view survives formatting and parsing', () => {
  const hash = formatHash({ imageId: 3, rendition: 'F555W', view: { x: 10.123, y: 20.5, res: 0.25 } });
  assert.equal(hash, '#image=3&rendition=F555W&x=10.12&y=20.50&res=0.25');
  assert.deepEqual(parseHash(hash), { image: 3, rendition: 'F555W', x: 10.12, y: 20.5, res: 0.25 });
});

test('rendition names with spaces and symbols are escaped', () => {
  const hash = formatHash({ imageId: 1, rendition: 'NUV+U / B', view: null });
  assert.equal(parseHash(hash).rendition, 'NUV+U / B');
});

test('missing or nonsense fields read as null', () => {
  assert.deepEqual(parseHash(''), { image: null, rendition: null, x: null, y: null, res: null });
  assert.deepEqual(parseHash('#image=abc&x=&y=nan&res=-1'), {
    image: null, rendition: null, x: null, y: null, res: null,
  });
  assert.equal(parseHash('image=2.5').image, null);
  assert.equal(formatHash({ imageId: null, rendition: null, view: null }), '');
});
