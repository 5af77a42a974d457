// nginx auth_request in front of an upstream, asking our /auth/forward-auth/: the upstream gets
// the identity of a live token, once and from us only; forged, expired and logged-out tokens,
// and a client's own copy of an identity header, never reach it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FORGERIES } from '@auth-service/verifier/testing';
import { serviceSigningKey } from '../helpers/app.js';
import { forgeryKit, headerSafe, type KitHandle } from '../helpers/forgery-kit.js';
import { claimsOf } from '../helpers/http.js';
import { createListeningApp, type ListeningApp } from '../helpers/listening.js';
import { type Gateway, NGINX, startGateway } from '../helpers/nginx.js';

const IDENTITY = ['x-auth-user-id', 'x-auth-username', 'x-auth-session-id'];
const skip = !NGINX && process.env.CI !== 'true' ? 'nginx is not installed (apt-get install nginx-light)' : false;

describe('nginx auth_request with /auth/forward-auth/ (real nginx)', { skip }, () => {
  let t: ListeningApp;
  let gateway: Gateway;
  let forging: KitHandle;
  before(async () => {
    t = await createListeningApp('pglite', { ACCESS_TOKEN_LIFETIME: '60s', TOKEN_LEEWAY: '5s' });
    await t.user('ng-alice');
    await t.user('ng-bob');
    gateway = await startGateway(t.url.replace('127.0.0.1', 'localhost'), t.ca);
    const jwks = await t.api.get('/auth/.well-known/jwks.json');
    forging = await forgeryKit(jwks.body as { keys: Record<string, unknown>[] }, serviceSigningKey(t));
  });
  after(async () => {
    await forging?.close();
    await gateway?.close();
    await t?.close();
  });

  const through = async (headers: Record<string, string> = {}) => {
    const before = gateway.seen.length;
    const res = await fetch(`${gateway.url}/orders/42`, { headers });
    return { status: res.status, challenge: res.headers.get('www-authenticate'), reached: gateway.seen.length > before };
  };

  test('a live token: the upstream sees the three identity headers, once each', async () => {
    const pair = await t.api.login('ng-alice');
    const res = await through({ authorization: `Bearer ${pair.access}` });
    assert.equal(res.status, 200, gateway.errorLog());
    const seen = gateway.seen.at(-1);
    const claims = claimsOf(pair.access);
    assert.equal(seen?.headers['x-auth-user-id'], String(claims.user_id));
    assert.equal(seen?.headers['x-auth-username'], 'ng-alice');
    assert.equal(seen?.headers['x-auth-session-id'], claims.sid);
    for (const name of IDENTITY) {
      assert.equal(seen?.rawHeaders.filter((h) => h.toLowerCase() === name).length, 1, `${name} once`);
    }
  });

  test("a client's own identity headers never pass: replaced with a token, refused without one", async () => {
    const bob = await t.api.login('ng-bob');
    const forged = { 'X-Auth-User-Id': '1', 'x-auth-username': 'ng-alice', 'X-AUTH-SESSION-ID': 'forged' };
    const res = await through({ ...forged, authorization: `Bearer ${bob.access}` });
    assert.equal(res.status, 200);
    const seen = gateway.seen.at(-1);
    assert.equal(seen?.headers['x-auth-user-id'], String(claimsOf(bob.access).user_id));
    assert.equal(seen?.headers['x-auth-username'], 'ng-bob');
    assert.equal(seen?.headers['x-auth-session-id'], claimsOf(bob.access).sid);
    for (const name of IDENTITY) assert.equal(seen?.rawHeaders.filter((h) => h.toLowerCase() === name).length, 1);
    const alone = await through(forged);
    assert.equal(alone.status, 401);
    assert.equal(alone.reached, false);
  });

  test('no token, garbage, a refresh token: 401 with our challenge, and the upstream is not reached', async () => {
    const pair = await t.api.login('ng-alice');
    const cases: Record<string, string>[] = [
      {},
      { authorization: 'Bearer garbage' },
      { authorization: `Bearer ${pair.refresh}` },
    ];
    for (const headers of cases) {
      const res = await through(headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.match(String(res.challenge), /^Bearer /);
      assert.equal(res.reached, false);
    }
  });

  test('every forgery of the table is stopped at the gateway', async () => {
    const pair = await t.api.login('ng-alice');
    let tried = 0;
    for (const [name, forge] of FORGERIES) {
      const token = forge(forging.kit, claimsOf(pair.access));
      if (!headerSafe(token)) continue;
      // A header value's trailing white space is not part of it (RFC 9110 5.5): that one is the genuine token.
      if (/\s$/.test(token)) continue;
      const res = await through({ authorization: `Bearer ${token}` });
      assert.equal(res.status, 401, `${name}: ${res.status}`);
      assert.equal(res.reached, false, name);
      tried++;
    }
    assert.ok(tried > 60);
  });

  test('logged out: refused from the next request on', async () => {
    const pair = await t.api.login('ng-alice');
    assert.equal((await through({ authorization: `Bearer ${pair.access}` })).status, 200);
    await t.api.post('/auth/logout/', { refresh_token: pair.refresh });
    const res = await through({ authorization: `Bearer ${pair.access}` });
    assert.equal(res.status, 401);
    assert.equal(res.reached, false);
  });

  test('expired: refused once exp plus the leeway has passed', async () => {
    const pair = await t.api.login('ng-alice');
    assert.equal((await through({ authorization: `Bearer ${pair.access}` })).status, 200);
    t.clock.advance(66_000);
    const res = await through({ authorization: `Bearer ${pair.access}` });
    assert.equal(res.status, 401);
    assert.equal(res.reached, false);
  });

  test('the auth service unreachable: nginx fails closed, the upstream is not reached', async () => {
    const pair = await t.api.login('ng-alice');
    await t.server.close();
    const res = await through({ authorization: `Bearer ${pair.access}` });
    assert.equal(res.status, 500);
    assert.equal(res.reached, false);
  });
});
