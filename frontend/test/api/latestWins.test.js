import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latestRequest, latestWins } from '../../src/api/latestWins.js';

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

test('latestRequest: debounced runs, each aborting the one before; only the newest is current', async () => {
  const runs = [];
  const { schedule, now } = latestRequest(async (signal, isCurrent) => {
    const run = { signal, isCurrent };
    runs.push(run);
    await new Promise((r) => setTimeout(r, 5));
  }, 20);
  schedule();
  schedule();
  schedule();
  assert.equal(runs.length, 0);
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(runs.length, 1);  // three schedules within the quiet time: one run
  const second = now();
  assert.equal(runs.length, 2);
  assert.equal(runs[0].signal.aborted, true);
  assert.equal(runs[0].isCurrent(), false);
  assert.equal(runs[1].isCurrent(), true);
  await second;
  schedule();
  now();  // at once, and the pending scheduled run is cancelled
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(runs.length, 3);
});
