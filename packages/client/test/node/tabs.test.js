// Clients of one url in one process share a BroadcastChannel, as the tabs of a browser do (the
// browser tests do the same in Chromium, with localStorage): a login and a logout reach the
// other tab, a refresh in flight when another tab logs out is dropped, and with rotation two
// tabs refreshing at once are not thrown out (the grace period; Node has no Web Locks).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAuthClient } from '../../dist/src/index.js';
import { authService, PASSWORD, protectedApi, watchRefreshes } from '../helpers.js';

const open = [];
const tab = (service) => {
  const auth = createAuthClient({ url: service.url, storage: 'memory' });
  open.push(auth);
  return auth;
};
const nextChange = (auth) => new Promise((resolve) => auth.onChange(resolve));
after(() => {
  for (const auth of open) auth.close();
});

for (const rotate of ['false', 'true']) {
  describe(`ROTATE_REFRESH_TOKENS=${rotate}`, () => {
    let service;
    let api;
    let watch;
    before(async () => {
      service = await authService({ ROTATE_REFRESH_TOKENS: rotate });
      api = await protectedApi();
      watch = watchRefreshes();
    });
    after(async () => {
      watch.restore();
      await api.close();
      await service.close();
    });

    test('a login is seen by the other tab, and a logout logs it out', async () => {
      const one = tab(service);
      const two = tab(service);
      const loggedIn = nextChange(two);
      const state = await one.login('alice', PASSWORD);
      assert.equal((await loggedIn).sessionId, state.sessionId);
      assert.deepEqual(await two.user(), { id: state.userId, username: 'alice' });
      const loggedOut = nextChange(two);
      await one.logout();
      assert.equal(await loggedOut, null);
      await assert.rejects(two.fetch(`${service.url}/auth/me/`), { code: 'not_authenticated' });
    });

    test('a refresh in flight when another tab logs out does not bring the session back', async () => {
      const one = tab(service);
      const two = tab(service);
      await loginBoth(one, two);
      api.refused.add(await two.getAccessToken());
      const release = watch.hold();
      const call = two.fetch(`${api.url}/orders`);
      await waitForCount(watch, 1);
      await one.logout();
      release();
      await assert.rejects(call, { code: 'not_authenticated' });
      assert.equal(two.state(), null);
      assert.equal(one.state(), null);
    });

    test('two tabs refreshing at once: both keep the session', async () => {
      const one = tab(service);
      const two = tab(service);
      await loginBoth(one, two);
      const token = await one.getAccessToken();
      api.refused.add(token);
      watch.count = 0;
      const answers = await Promise.all([one.fetch(`${api.url}/a`), two.fetch(`${api.url}/b`)]);
      assert.deepEqual(
        answers.map((r) => r.status),
        [200, 200],
      );
      assert.ok(watch.count >= 1 && watch.count <= 2);
      assert.notEqual(one.state(), null);
      assert.notEqual(two.state(), null);
      // The session lives on at the server: a later refresh works.
      api.refused.add(await one.getAccessToken());
      assert.equal((await one.fetch(`${api.url}/c`)).status, 200);
      assert.deepEqual((await two.user()).username, 'alice');
      await one.logout();
    });
  });
}

async function loginBoth(one, two) {
  const seen = nextChange(two);
  await one.login('alice', PASSWORD);
  await seen;
}

async function waitForCount(watch, n) {
  while (watch.count < n) await new Promise((resolve) => setTimeout(resolve, 5));
}
