import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FOLLOW_UP_GRACE_MS, applyTaskEvent, describeTask, shownTask, taskNumbers } from '../../src/learning/taskProgress.js';

const ev = (id, name, status, progress = 0, message = '', detail) => ({ id, name, status, progress, message, ...(detail ? { detail } : {}) });

test('pretraining numbers come from the detail, else from the message', () => {
  const fromDetail = taskNumbers(ev(1, 'pretrain', 'running', 0.45, 'x', { step: 18, steps: 40, loss: 1.4518, images_per_s: 13.5 }));
  assert.deepEqual(fromDetail, { step: 18, steps: 40, loss: 1.4518, imagesPerS: 13.5 });
  const fromMessage = taskNumbers(ev(1, 'pretrain', 'running', 0.45, 'step 18/40, loss 1.4518, 13.5 images/s'));
  assert.deepEqual(fromMessage, { step: 18, steps: 40, loss: 1.4518, imagesPerS: 13.5 });
  assert.deepEqual(taskNumbers(ev(2, 'embed', 'running', 0.5, 'embedded 100/223 sources')), { step: null, steps: null, loss: null, imagesPerS: null });
});

test('the bar follows the chain pretrain -> embed -> fit_probe: done only once the last step is', () => {
  let tasks = {};
  tasks = applyTaskEvent(tasks, ev(1, 'pretrain', 'queued'), 0);
  assert.equal(shownTask(tasks, { now: 0 }).chain, 'queued');
  tasks = applyTaskEvent(tasks, ev(1, 'pretrain', 'running', 0.5, 'step 20/40, loss 1.2, 12.0 images/s'), 10);
  const running = shownTask(tasks, { now: 10 });
  assert.equal(running.chain, 'running');
  assert.match(describeTask(running), /pretraining \(BYOL\) 50% · step 20\/40 · loss 1\.200 · 12\.0 images\/s/);
  tasks = applyTaskEvent(tasks, ev(1, 'pretrain', 'done', 1, 'encoder v1'), 1000);
  const between = shownTask(tasks, { now: 1100 });
  assert.equal(between.chain, 'running', 'embed follows a pretrain: not done yet');
  assert.equal(between.waitingFor, 'embed');
  tasks = applyTaskEvent(tasks, ev(2, 'embed', 'queued'), 1200);
  tasks = applyTaskEvent(tasks, ev(2, 'embed', 'done', 1, 'embedded'), 2000);
  assert.equal(shownTask(tasks, { nLabels: 0, now: 2100 }).chain, 'done', 'nothing labelled: no probe follows');
  assert.equal(shownTask(tasks, { nLabels: 3, now: 2100 }).chain, 'running', 'labels: a probe fit follows');
  assert.equal(shownTask(tasks, { nLabels: 3, now: 2000 + FOLLOW_UP_GRACE_MS + 1 }).chain, 'done', 'a follow-up that never comes is not waited for forever');
  tasks = applyTaskEvent(tasks, ev(3, 'fit_probe', 'done', 1, 'probe v1'), 2300);
  assert.equal(shownTask(tasks, { nLabels: 3, now: 2400 }).chain, 'done');
});

test('a failure shows as failed with its message; sample runs and junk are ignored', () => {
  let tasks = applyTaskEvent({}, ev(4, 'fit_probe', 'failed', 0, 'failed: no labels of two classes'), 0);
  const view = shownTask(tasks, { now: 1 });
  assert.equal(view.chain, 'failed');
  assert.equal(describeTask(view), 'fitting the probe failed: no labels of two classes');
  assert.equal(applyTaskEvent(tasks, ev(5, 'sample', 'done'), 2), tasks);
  assert.equal(applyTaskEvent(tasks, /** @type {any} */ ({ name: 'embed' }), 2), tasks);
  assert.equal(shownTask({}, { now: 0 }), null);
});

test('a running task keeps its last numbers when an event comes without them; only the newest 20 are kept', () => {
  let tasks = applyTaskEvent({}, ev(1, 'pretrain', 'running', 0.1, 'step 4/40', { step: 4, steps: 40, loss: 3, images_per_s: 10 }), 0);
  tasks = applyTaskEvent(tasks, ev(1, 'pretrain', 'running', 0.1, 'checkpoint saved'), 1);
  assert.equal(shownTask(tasks, { now: 2 }).loss, 3);
  for (let id = 2; id <= 30; id += 1) tasks = applyTaskEvent(tasks, ev(id, 'fit_probe', 'done'), id);
  assert.equal(Object.keys(tasks).length, 20);
  assert.equal(tasks[1], undefined);
});
