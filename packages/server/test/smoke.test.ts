import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { DRIVERS, useTestApp } from './helpers/app.js';

for (const driver of DRIVERS) {
  describe(`smoke (${driver})`, () => {
    const t = useTestApp(driver);
    before(async () => {
      await t.user('alice');
    });

    test('login, refresh, logout', async () => {
      const pair = await t.api.login('alice');
      assert.equal((await t.api.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 200);
      assert.equal((await t.api.post('/auth/logout/', { refresh_token: pair.refresh })).status, 200);
      assert.equal((await t.api.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 401);
    });
  });
}
