import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  UNKNOWN_CLASS_COLOUR, classColour, classForKey, classKeyMap, classLabel,
} from '../../src/labels/classKeys.js';

const LEGUS = {
  name: 'LEGUS',
  classes: [
    { id: '1', name: 'compact symmetric cluster', colour: '#3fb950', hotkey: '1' },
    { id: '2', name: 'compact asymmetric cluster', colour: '#58a6ff', hotkey: '2' },
    { id: '3', name: 'multi-peak association', colour: '#d29922', hotkey: '3' },
    { id: '4', name: 'not a cluster', colour: '#f85149', hotkey: '4' },
  ],
};

test('LEGUS classes sit on keys 1..4', () => {
  assert.deepEqual([...classKeyMap(LEGUS).keys()], ['1', '2', '3', '4']);
  assert.equal(classForKey(LEGUS, '3').name, 'multi-peak association');
  assert.equal(classForKey(LEGUS, '5'), null);
  assert.equal(classForKey(null, '1'), null);
});

test('a scheme cannot take over command keys or reuse a key', () => {
  const scheme = {
    name: 'custom',
    classes: [
      { id: 'star', name: 'star', colour: '#fff', hotkey: 'n' },
      { id: 'gal', name: 'galaxy', colour: '#f0f', hotkey: 'g' },
      { id: 'gal2', name: 'galaxy again', colour: '#0ff', hotkey: 'g' },
    ],
  };
  const keys = classKeyMap(scheme, ['n', 'p']);
  assert.deepEqual([...keys.keys()], ['g']);
  assert.equal(keys.get('g').id, 'gal');
});

test('colours and names of classes, unknown ones and no class', () => {
  assert.equal(classColour(LEGUS, '2'), '#58a6ff');
  assert.equal(classColour(LEGUS, 2), '#58a6ff');
  assert.equal(classColour(LEGUS, '0'), UNKNOWN_CLASS_COLOUR);
  assert.equal(classColour(LEGUS, null), null);
  assert.equal(classLabel(LEGUS, '4'), '4 not a cluster');
  assert.equal(classLabel(LEGUS, null), 'unlabelled');
  assert.equal(classLabel(LEGUS, 'x'), 'x');
});
