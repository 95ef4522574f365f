import assert from 'node:assert/strict';
import { test } from 'node:test';
import { columnsFor, matchesFilter, moveFocus, nextPageOffset } from '../../src/triage/gridNav.js';

const layout = { columns: 4, count: 10 }; // rows: 0-3, 4-7, 8-9

test('arrows move within the page', () => {
  assert.deepEqual(moveFocus(0, 'ArrowRight', layout), { index: 1, page: 0 });
  assert.deepEqual(moveFocus(5, 'ArrowLeft', layout), { index: 4, page: 0 });
  assert.deepEqual(moveFocus(1, 'ArrowDown', layout), { index: 5, page: 0 });
  assert.deepEqual(moveFocus(6, 'ArrowUp', layout), { index: 2, page: 0 });
  assert.deepEqual(moveFocus(6, 'Home', layout), { index: 0, page: 0 });
  assert.deepEqual(moveFocus(6, 'End', layout), { index: 9, page: 0 });
});

test('moving down into the short last row lands on the last cell', () => {
  assert.deepEqual(moveFocus(7, 'ArrowDown', layout), { index: 9, page: 0 });
});

test('walking off either end of the page asks for the neighbouring page', () => {
  assert.deepEqual(moveFocus(9, 'ArrowRight', layout), { index: 0, page: 1 });
  assert.deepEqual(moveFocus(9, 'advance', layout), { index: 0, page: 1 });
  assert.deepEqual(moveFocus(8, 'ArrowDown', layout), { index: 0, page: 1 });
  assert.deepEqual(moveFocus(0, 'ArrowLeft', layout), { index: -1, page: -1 });
  assert.deepEqual(moveFocus(2, 'ArrowUp', layout), { index: -1, page: -1 });
});

test('labelling advances one cell at a time through twenty sources', () => {
  let index = 0;
  const visited = [0];
  for (let n = 1; n < 20; n += 1) {
    const move = moveFocus(index, 'advance', { columns: 5, count: 50 });
    index = move.index;
    visited.push(index);
  }
  assert.deepEqual(visited, Array.from({ length: 20 }, (_, i) => i));
});

test('an empty page and unknown keys do nothing', () => {
  assert.equal(moveFocus(0, 'ArrowRight', { columns: 4, count: 0 }), null);
  assert.equal(moveFocus(0, 'x', layout), null);
});

test('sources that left the filter are not skipped by the next page', () => {
  assert.equal(nextPageOffset(0, 100, 0), 100);
  assert.equal(nextPageOffset(0, 100, 100), 0);
  assert.equal(nextPageOffset(200, 100, 30), 270);
});

test('filters as the server applies them', () => {
  assert.equal(matchesFilter({ label_class: null }, { state: 'unlabelled' }), true);
  assert.equal(matchesFilter({ label_class: '1' }, { state: 'unlabelled' }), false);
  assert.equal(matchesFilter({ label_class: null }, { state: 'labelled' }), false);
  assert.equal(matchesFilter({ label_class: '2' }, { classes: ['1', '2'] }), true);
  assert.equal(matchesFilter({ label_class: '3' }, { classes: ['1', '2'] }), false);
  assert.equal(columnsFor(530, 130), 4);
  assert.equal(columnsFor(50, 130), 1);
});

test('"not voted by me": a source I have just labelled leaves the list, one labelled by others stays', () => {
  assert.equal(matchesFilter({ label_class: '1', votedByMe: false }, { state: 'unvoted' }), true);
  assert.equal(matchesFilter({ label_class: '2', votedByMe: true }, { state: 'unvoted' }), false);
  assert.equal(matchesFilter({ label_class: null }, { state: 'unvoted' }), true);
});
