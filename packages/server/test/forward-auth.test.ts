// GET /auth/forward-auth/ through the app: the three identity headers, always together, for a
// live token; 401 with a challenge for everything else (every forgery of the table included),
// never a redirect or a 404; 503 when we fail ourselves.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FORGERIES, type Kit } from '@auth-service/verifier/testing';
import { CLI_CONTEXT } from '../src/auth/context.js';
import { disableUser } from '../src/auth/users.js';
import { headerValue } from '../src/http/forward-auth.js';
import { createTestApp, DRIVERS, serviceSigningKey, type TestApp } from './helpers/app.js';
import { type Answer, bearer, expectCode } from './helpers/endpoint.js';
import { forgeryKit, headerSafe, type KitHandle } from './helpers/forgery-kit.js';
import { claimsOf } from './helpers/http.js';

const PATH = '/auth/forward-auth/';

function refused(res: Answer, code: string, what: string): void {
  expectCode(res, 401, code, what);
  assert.match(String(res.headers['www-authenticate']), /^Bearer /, `${what}: challenge`);
  for (const name of ['x-auth-user-id', 'x-auth-username', 'x-auth-session-id']) {
    assert.equal(res.headers[name], undefined, `${what}: no ${name}`);
  }
}

for (const driver of DRIVERS) {
  describe(`forward auth (${driver})`, () => {
    let t: TestApp;
    let forging: KitHandle;
    let kit: Kit;
    before(async () => {
      t = await createTestApp(driver, { ROTATE_REFRESH_TOKENS: 'true' });
      await t.user('gw-alice');
      await t.user('gw the 100% ñame');
      await t.user('gw-disabled');
      const jwks = await t.api.get('/auth/.well-known/jwks.json');
      forging = await forgeryKit(jwks.body as { keys: Record<string, unknown>[] }, serviceSigningKey(t));
      kit = forging.kit;
    });
    after(async () => {
      await forging?.close();
      await t?.close();
    });

    test('a live access token: 200 with all three identity headers, and the same in the body', async () => {
      const pair = await t.api.login('gw-alice');
      const res = await t.api.get(PATH, bearer(pair.access));
      assert.equal(res.status, 200, res.raw);
      const claims = claimsOf(pair.access);
      assert.equal(res.headers['x-auth-user-id'], String(claims.user_id));
      assert.equal(res.headers['x-auth-username'], 'gw-alice');
      assert.equal(res.headers['x-auth-session-id'], claims.sid);
      assert.deepEqual(res.body, { user_id: claims.user_id, username: 'gw-alice', sid: claims.sid });
      assert.equal(res.headers['cache-control'], 'no-store');
      const head = await t.api.request('HEAD', PATH, undefined, bearer(pair.access));
      assert.equal(head.status, 200);
      assert.equal(head.headers['x-auth-username'], 'gw-alice');
    });

    test('a username outside header-safe characters is percent-encoded, and decodes back', async () => {
      const pair = await t.api.login('gw the 100% ñame');
      const res = await t.api.get(PATH, bearer(pair.access));
      assert.equal(res.headers['x-auth-username'], 'gw%20the%20100%25%20%C3%B1ame');
      assert.equal(decodeURIComponent(String(res.headers['x-auth-username'])), 'gw the 100% ñame');
      assert.equal(headerValue('a.b+c@d_e~f-g'), 'a.b+c@d_e~f-g', "Django's username characters pass as they are");
    });

    test('no token, another scheme, garbage, a refresh token: 401, never 3xx or 404', async () => {
      const pair = await t.api.login('gw-alice');
      refused(await t.api.get(PATH), 'not_authenticated', 'no header');
      refused(await t.api.get(PATH, { authorization: `Basic ${btoa('a:b')}` }), 'not_authenticated', 'Basic');
      refused(await t.api.get(PATH, { authorization: 'Bearer' }), 'bad_authorization_header', 'Bearer alone');
      refused(await t.api.get(PATH, bearer('garbage')), 'token_not_valid', 'garbage');
      refused(await t.api.get(PATH, bearer(pair.refresh)), 'token_not_valid', 'a refresh token');
    });

    test('logged out, logged out everywhere, disabled: 401 from the next request on', async () => {
      const one = await t.api.login('gw-alice');
      await t.api.post('/auth/logout/', { refresh_token: one.refresh });
      refused(await t.api.get(PATH, bearer(one.access)), 'token_not_valid', 'logged out');
      const all = await t.api.login('gw-alice');
      await t.api.post('/auth/logout/all/', {}, bearer(all.access));
      refused(await t.api.get(PATH, bearer(all.access)), 'token_not_valid', 'logout/all');
      const disabled = await t.api.login('gw-disabled');
      await disableUser(t.deps, 'gw-disabled', CLI_CONTEXT);
      refused(await t.api.get(PATH, bearer(disabled.access)), 'user_inactive', 'disabled user');
    });

    test('every forgery of the table: 401 (a line break cannot be in a header at all)', async () => {
      const live = await t.api.login('gw-alice');
      const claims = claimsOf(live.access);
      let tried = 0;
      for (const [name, forge] of FORGERIES) {
        const token = forge(kit, claims);
        if (!headerSafe(token)) continue;
        const res = await t.api.get(PATH, { authorization: `Bearer ${token}` });
        assert.equal(res.status, 401, `${name}: ${res.raw}`);
        tried++;
      }
      assert.ok(tried > 60, `${tried} forgeries tried`);
      assert.deepEqual(forging.listenerHits, [], 'no jku/x5u was fetched');
    });
  });
}

test('our own failure is a 503 with Retry-After, not a 500 that a gateway would turn into an error page', async () => {
  const t = await createTestApp('pglite');
  try {
    await t.user('gw-down');
    const pair = await t.api.login('gw-down');
    await t.db.close(); // the database is gone from under the running app
    const res = await t.api.get(PATH, bearer(pair.access));
    expectCode(res, 503, 'service_unavailable', 'database closed');
    assert.ok(Number(res.headers['retry-after']) > 0);
  } finally {
    await t.close().catch(() => {});
  }
});
