// The purge's side jobs: successor refresh tokens (kept for rotation retries) are cleared once
// their grace period is over, and a cleared session behaves as before (a late retry is reuse).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CLI_CONTEXT } from '../src/auth/context.js';
import { flushExpired } from '../src/auth/maintenance.js';
import { createTestApp, DRIVERS, type TestApp } from './helpers/app.js';
import { claimsOf, loginPair, post } from './helpers/http.js';

for (const driver of DRIVERS) {
  describe(`purge of successor tokens (${driver})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(driver, { ROTATE_REFRESH_TOKENS: 'true', ROTATION_GRACE_PERIOD: '5s' });
      await t.user('alice');
    });
    after(() => t.close());

    const storedSuccessor = async (sid: unknown) =>
      (await t.db.query<{ s: string | null }>('SELECT successor_token AS s FROM sessions WHERE id = $1', [sid]))[0]?.s;

    test('kept within the grace period, cleared after it; a late retry still revokes the session', async () => {
      const pair = await loginPair(t.app, 'alice');
      const sid = claimsOf(pair.refresh).sid;
      const rotated = await post(t.app, '/auth/token/refresh/', { refresh: pair.refresh });
      assert.equal(rotated.status, 200);

      await flushExpired(t.deps, CLI_CONTEXT);
      assert.equal(await storedSuccessor(sid), rotated.body.refresh, 'still needed for a retry within the grace period');

      t.clock.advance(6_000);
      await flushExpired(t.deps, CLI_CONTEXT);
      assert.equal(await storedSuccessor(sid), null);

      const late = await post(t.app, '/auth/token/refresh/', { refresh: pair.refresh });
      assert.equal(late.status, 401);
      assert.equal((await post(t.app, '/auth/token/refresh/', { refresh: String(rotated.body.refresh) })).status, 401);
    });
  });
}
