// The schemas and their derived types: a type-level check (this file must compile) and the
// runtime shape a validator and an OpenAPI document read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ERROR_CODES,
  ERROR_STATUS,
  type LoginBody,
  loginBody,
  newPasswordProblem,
  type RefreshAnswer,
  refreshAnswer,
  TOKEN_MAX_LENGTH,
  usernameProblem,
} from '../src/index.js';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const typeIs = <T extends true>(_proof?: T) => {};

test('types derived from the schemas', () => {
  typeIs<Equals<LoginBody, { username: string; password: string }>>();
  typeIs<Equals<RefreshAnswer, { access: string; refresh?: string }>>();
  assert.deepEqual([...loginBody.required].sort(), ['password', 'username']);
  assert.deepEqual(refreshAnswer.required, ['access']);
});

test('every error code has a status, and 5xx codes are the server-side ones', () => {
  assert.ok(ERROR_CODES.length >= 15);
  for (const code of ERROR_CODES) assert.ok(ERROR_STATUS[code] >= 400 && ERROR_STATUS[code] < 600, code);
  assert.deepEqual(
    ERROR_CODES.filter((c) => ERROR_STATUS[c] >= 500),
    ['internal_error', 'method_not_implemented', 'overloaded', 'service_unavailable', 'too_many_subscribers'],
  );
});

test('input rules', () => {
  assert.equal(usernameProblem('alice'), null);
  assert.match(String(usernameProblem(' alice')), /white space/);
  assert.match(String(usernameProblem('a\u0000b')), /control characters/);
  assert.match(String(usernameProblem('\ud800')), /invalid Unicode/);
  assert.match(String(newPasswordProblem('short')), /at least 8/);
  assert.match(String(newPasswordProblem('long enough\u0000')), /NUL/);
  assert.equal(newPasswordProblem('x'.repeat(1024)), null);
  assert.ok(TOKEN_MAX_LENGTH >= 1024);
});
