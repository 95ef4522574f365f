import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createUndoStack } from '../../src/labels/undoStack.js';

test('undo gives back the earlier class, redo the undone one, in stack order', () => {
  const stack = createUndoStack();
  stack.record({ imageId: 1, sourceId: 5, before: null, after: '1' });
  stack.record({ imageId: 1, sourceId: 5, before: '1', after: '3' });
  assert.equal(stack.undo().before, '1');
  assert.equal(stack.undo().before, null);
  assert.equal(stack.undo(), null);
  assert.equal(stack.redo().after, '1');
  assert.equal(stack.redo().after, '3');
  assert.equal(stack.redo(), null);
});

test('a new label clears what could be redone', () => {
  const stack = createUndoStack();
  stack.record({ imageId: 1, sourceId: 5, before: null, after: '1' });
  stack.undo();
  assert.equal(stack.canRedo(), true);
  stack.record({ imageId: 1, sourceId: 6, before: null, after: '2' });
  assert.equal(stack.canRedo(), false);
  assert.equal(stack.undo().sourceId, 6);
});

test('the stack keeps only the latest changes', () => {
  const stack = createUndoStack(3);
  for (let i = 0; i < 5; i += 1) stack.record({ imageId: 1, sourceId: i, before: null, after: '1' });
  const undone = [];
  while (stack.canUndo()) undone.push(stack.undo().sourceId);
  assert.deepEqual(undone, [4, 3, 2]);
});
