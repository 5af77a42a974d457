// The purge's side jobs: successor refresh tokens (kept for rotation retries) are cleared once
// their grace period is over, and a cleared session behaves as before (a late retry is reuse).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { CLI_CONTEXT } from '../src/auth/context.js';
import { flushExpired } from '../src/auth/maintenance.js';
import { DRIVERS, useTestApp } from './helpers/app.js';
import { claimsOf } from './helpers/http.js';

for (const driver of DRIVERS) {
  describe(`purge of successor tokens (${driver})`, () => {
    const t = useTestApp(driver, { ROTATE_REFRESH_TOKENS: 'true', ROTATION_GRACE_PERIOD: '5s' });
    before(async () => {
      await t.user('alice');
    });

    const storedSuccessor = async (sid: unknown) =>
      (await t.db.query<{ s: string | null }>('SELECT successor_token AS s FROM sessions WHERE id = $1', [sid]))[0]?.s;

    test('kept within the grace period, cleared after it; a late retry still revokes the session', async () => {
      const pair = await t.api.login('alice');
      const sid = claimsOf(pair.refresh).sid;
      const rotated = await t.api.post('/auth/token/refresh/', { refresh: pair.refresh });
      assert.equal(rotated.status, 200);

      await flushExpired(t.deps, CLI_CONTEXT);
      assert.equal(await storedSuccessor(sid), rotated.body.refresh, 'still needed for a retry within the grace period');

      t.clock.advance(6_000);
      await flushExpired(t.deps, CLI_CONTEXT);
      assert.equal(await storedSuccessor(sid), null);

      const late = await t.api.post('/auth/token/refresh/', { refresh: pair.refresh });
      assert.equal(late.status, 401);
      assert.equal((await t.api.post('/auth/token/refresh/', { refresh: String(rotated.body.refresh) })).status, 401);
    });
  });
}
