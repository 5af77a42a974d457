// How long a JWKS answer may be used, from its Cache-Control (RFC 9111 5.2.2).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freshnessMs } from '../src/fetch-json.js';

test('max-age, whatever the other directives and the case; none: the fallback; no-store and no-cache: zero', () => {
  assert.equal(freshnessMs('public, max-age=300', 1), 300_000);
  assert.equal(freshnessMs('MAX-AGE=60, must-revalidate', 1), 60_000);
  assert.equal(freshnessMs(' max-age=0 ', 1), 0);
  assert.equal(freshnessMs(undefined, 5000), 5000);
  assert.equal(freshnessMs('public', 5000), 5000);
  assert.equal(freshnessMs('max-age=abc', 5000), 5000, 'a malformed max-age is no max-age');
  assert.equal(freshnessMs('max-age=-5', 5000), 5000);
  assert.equal(freshnessMs('no-store', 5000), 0);
  assert.equal(freshnessMs('public, max-age=600, no-cache', 5000), 0);
});
