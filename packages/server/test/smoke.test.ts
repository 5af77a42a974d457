import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, DRIVERS, type TestApp } from './helpers/app.js';
import { loginPair, post } from './helpers/http.js';

for (const driver of DRIVERS) {
  describe(`smoke (${driver})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(driver);
      await t.user('alice');
    });
    after(() => t.close());

    test('login, refresh, logout', async () => {
      const pair = await loginPair(t.app, 'alice');
      assert.equal((await post(t.app, '/auth/token/refresh/', { refresh: pair.refresh })).status, 200);
      assert.equal((await post(t.app, '/auth/logout/', { refresh_token: pair.refresh })).status, 200);
      assert.equal((await post(t.app, '/auth/token/refresh/', { refresh: pair.refresh })).status, 401);
    });
  });
}
