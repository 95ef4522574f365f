import assert from 'node:assert/strict';
import { test } from 'node:test';

import { requestHeaders, setCsrfToken } from '../../src/api/client.js';

test('unsafe requests carry the session CSRF token, safe ones do not', () => {
  setCsrfToken('tok');
  assert.equal(requestHeaders({ method: 'POST' })['X-CSRF-Token'], 'tok');
  assert.equal(requestHeaders({ method: 'delete' })['X-CSRF-Token'], 'tok');
  assert.equal(requestHeaders({})['X-CSRF-Token'], undefined);
  assert.equal(requestHeaders({ method: 'GET' })['X-CSRF-Token'], undefined);
  assert.equal(requestHeaders({ method: 'POST', headers: { 'Content-Type': 'application/json' } })['Content-Type'],
    'application/json');
  setCsrfToken(null);
  assert.equal(requestHeaders({ method: 'POST' })['X-CSRF-Token'], undefined);
});
