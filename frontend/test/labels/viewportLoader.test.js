import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestBox, splitLayers } from '../../src/labels/viewportLoader.js';

test('the box asked for is the view plus a margin, clipped to the image pixels (0-based edges at -0.5)', () => {
  const image = { width: 1000, height: 800 };
  assert.deepEqual(requestBox([100, 100, 300, 200], image, 0.25), [50, 75, 350, 225]);
  assert.deepEqual(requestBox([-200, -100, 1200, 900], image, 0.25), [-0.5, -0.5, 999.5, 799.5]);
});

test('small layers are fetched apart so a huge one cannot crowd them out of the capped answer', () => {
  const layers = [
    { id: 1, n_sources: 6000 }, { id: 2, n_sources: 25 }, { id: 3, n_sources: 9 }, { id: 4, n_sources: 2600 },
  ];
  assert.deepEqual(splitLayers(layers, 5000), { small: [3, 2], large: [4, 1] });
  assert.deepEqual(splitLayers([{ id: 1, n_sources: 10 }, { id: 2, n_sources: 20 }], 5000), { small: [], large: [1, 2] });
  assert.deepEqual(splitLayers([{ id: 1, n_sources: 9000 }], 5000), { small: [], large: [1] });
});
