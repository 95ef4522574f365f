import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestBox } from '../src/labels/viewportLoader.js';

test('the box asked for is the view plus a margin, clipped to the image pixels (0-based edges at -0.5)', () => {
  const image = { width: 1000, height: 800 };
  assert.deepEqual(requestBox([100, 100, 300, 200], image, 0.25), [50, 75, 350, 225]);
  assert.deepEqual(requestBox([-200, -100, 1200, 900], image, 0.25), [-0.5, -0.5, 999.5, 799.5]);
});
