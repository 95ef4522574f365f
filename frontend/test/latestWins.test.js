import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latestWins } from '../src/api/latestWins.js';

test('one call in flight; positions asked meanwhile collapse to the latest', async () => {
  const started = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const releases = [];
  const schedule = latestWins(async (pos) => {
    started.push(pos);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => releases.push(resolve));
    inFlight -= 1;
  });
  schedule(1);
  schedule(2);
  schedule(3);
  schedule(4);
  assert.deepEqual(started, [1]);
  releases.shift()();
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(started, [1, 4]);
  releases.shift()();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(maxInFlight, 1);
  schedule(5);
  assert.deepEqual(started, [1, 4, 5]);
  releases.shift()();
});

test('a failing call does not stop later ones', async () => {
  const seen = [];
  const schedule = latestWins(async (n) => {
    seen.push(n);
    if (n === 1) throw new Error('boom');
  });
  schedule(1);
  await new Promise((r) => setTimeout(r, 0));
  schedule(2);
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(seen, [1, 2]);
});
