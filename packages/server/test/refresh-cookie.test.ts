// REFRESH_COOKIE: the refresh token in a Secure, HttpOnly, SameSite=Strict cookie scoped to
// /auth/. Login sets it; refresh and logout take it when the body has none (rotation writes the
// new token into it, logout clears it); relying on it needs X-Auth-CSRF: 1 and an allowed
// Origin, else 403 csrf_failed. And with the setting off, nothing of it shows. Both databases.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../src/config/config.js';
import { DRIVERS, useTestApp } from './helpers/app.js';
import { type Answer, expectCode, pairRefused, type TokenPair } from './helpers/endpoint.js';

const APP = 'https://app.example.test';
const NAME = '__Secure-auth-refresh';
const CSRF = { origin: APP, 'x-auth-csrf': '1' };
const jar = (token: string) => ({ cookie: `theme=dark; ${NAME}=${token}` });

function setCookies(res: Answer): string[] {
  const header = res.headers['set-cookie'];
  return header === undefined ? [] : Array.isArray(header) ? header : [String(header)];
}

/** The one Set-Cookie of an answer, parsed: its value and its attributes. */
function refreshCookieOf(res: Answer): { value: string; attributes: string } {
  const all = setCookies(res);
  assert.equal(all.length, 1, `one Set-Cookie: ${JSON.stringify(all)}`);
  const [pair = '', ...attributes] = (all[0] as string).split('; ');
  assert.ok(pair.startsWith(`${NAME}=`), pair);
  return { value: pair.slice(NAME.length + 1), attributes: attributes.join('; ') };
}

const ATTRIBUTES = (maxAge: number) => `Path=/auth/; Max-Age=${maxAge}; Secure; HttpOnly; SameSite=Strict`;

for (const driver of DRIVERS) {
  describe(`refresh cookie on (${driver})`, () => {
    const t = useTestApp(driver, { REFRESH_COOKIE: 'true', CORS_ORIGINS: APP, ROTATE_REFRESH_TOKENS: 'true' });
    const login = async (username: string) => {
      const res = await t.api.post('/auth/login/', { username, password: `${username}-password-1` });
      assert.equal(res.status, 200, res.raw);
      return { res, pair: res.body as unknown as TokenPair, cookie: refreshCookieOf(res).value };
    };
    const refresh = (headers: Record<string, string>, body: unknown = {}) => t.api.post('/auth/token/refresh/', body, headers);
    const logout = (headers: Record<string, string>, body: unknown = {}) => t.api.post('/auth/logout/', body, headers);

    test('login sets the refresh token as a Secure, HttpOnly, SameSite=Strict cookie for /auth/; the body is the contract', async () => {
      await t.user('c-login');
      const { res, pair } = await login('c-login');
      assert.deepEqual(Object.keys(res.body).sort(), ['access', 'refresh']);
      const cookie = refreshCookieOf(res);
      assert.equal(cookie.value, pair.refresh);
      assert.equal(cookie.attributes, ATTRIBUTES(86400));
    });

    test('refresh from the cookie: the new access token in the body, the rotated refresh token only in the cookie', async () => {
      await t.user('c-refresh');
      const { cookie } = await login('c-refresh');
      const first = await refresh({ ...CSRF, ...jar(cookie) });
      assert.equal(first.status, 200, first.raw);
      assert.deepEqual(Object.keys(first.body), ['access'], 'no refresh token where scripts can read it');
      const rotated = refreshCookieOf(first);
      assert.equal(rotated.attributes, ATTRIBUTES(86400));
      assert.notEqual(rotated.value, cookie, 'rotation: a new token');
      const second = await refresh({ ...CSRF, ...jar(rotated.value) });
      assert.equal(second.status, 200, second.raw);
      assert.notEqual(refreshCookieOf(second).value, rotated.value);
    });

    test('a request with no body at all takes the cookie too', async () => {
      await t.user('c-nobody');
      const { cookie } = await login('c-nobody');
      const res = await t.app.inject({ method: 'POST', url: '/auth/token/refresh/', headers: { ...CSRF, ...jar(cookie) } });
      assert.equal(res.statusCode, 200, res.body);
    });

    test('CSRF: without the header, without or with a foreign Origin, the cookie is refused with 403', async () => {
      await t.user('c-csrf');
      const { cookie } = await login('c-csrf');
      const forged: { what: string; headers: Record<string, string> }[] = [
        { what: 'no header, no Origin (a form or a script elsewhere)', headers: {} },
        { what: 'allowed Origin but no header', headers: { origin: APP } },
        { what: 'header but no Origin', headers: { 'x-auth-csrf': '1' } },
        { what: 'header, foreign Origin', headers: { 'x-auth-csrf': '1', origin: 'https://evil.example' } },
        { what: 'header, sibling Origin', headers: { 'x-auth-csrf': '1', origin: 'https://other.example.test' } },
        { what: 'header, Origin null', headers: { 'x-auth-csrf': '1', origin: 'null' } },
        { what: 'header with another value', headers: { 'x-auth-csrf': 'true', origin: APP } },
      ];
      for (const { what, headers } of forged) {
        const r = await refresh({ ...headers, ...jar(cookie) });
        expectCode(r, 403, 'csrf_failed', `refresh: ${what}`);
        assert.deepEqual(setCookies(r), [], `${what}: the cookie is left alone`);
        expectCode(await logout({ ...headers, ...jar(cookie) }), 403, 'csrf_failed', `logout: ${what}`);
      }
      assert.equal((await refresh({ ...CSRF, ...jar(cookie) })).status, 200, 'nothing forged touched the session');
    });

    test('a body token wins over the cookie and needs no CSRF header (it is no ambient credential)', async () => {
      await t.user('c-body');
      const { pair, cookie } = await login('c-body');
      const other = (await login('c-body')).pair;
      const res = await refresh(jar(cookie), { refresh: other.refresh });
      assert.equal(res.status, 200, res.raw);
      assert.deepEqual(Object.keys(res.body).sort(), ['access', 'refresh'], 'the contract answer for a body token');
      assert.deepEqual(setCookies(res), [], 'the cookie is not touched');
      assert.notEqual(pair.refresh, other.refresh);
    });

    test('neither body token nor cookie: the contract 400 for the missing field', async () => {
      const res = await refresh(CSRF);
      expectCode(res, 400, 'validation_error');
      assert.deepEqual(res.body.refresh, ['This field is required.']);
      const out = await logout(CSRF);
      assert.equal(out.status, 400);
      assert.equal(out.body.error, 'Token is invalid or already blacklisted');
      assert.deepEqual(out.body.refresh_token, ['This field is required.']);
    });

    test('logout from the cookie ends the session and clears the cookie; a refused cookie is cleared', async () => {
      await t.user('c-logout');
      const { pair, cookie } = await login('c-logout');
      const res = await logout({ ...CSRF, ...jar(cookie) });
      assert.equal(res.status, 200, res.raw);
      assert.deepEqual(res.body, { message: 'Logged out successfully' });
      assert.deepEqual(refreshCookieOf(res), { value: '', attributes: ATTRIBUTES(0) });
      await pairRefused(t.api, pair, 'logged out through the cookie');
      const again = await refresh({ ...CSRF, ...jar(cookie) });
      expectCode(again, 401, 'token_not_valid', 'the cookie of an ended session');
      assert.equal(refreshCookieOf(again).attributes, ATTRIBUTES(0), 'and it is cleared');
    });

    test('the attacker: a second cookie of our name (planted from a sibling host) is refused, and ours cleared', async () => {
      await t.user('c-toss');
      await t.user('c-mallory');
      const { cookie } = await login('c-toss');
      const planted = (await login('c-mallory')).cookie;
      const res = await refresh({ ...CSRF, cookie: `${NAME}=${cookie}; ${NAME}=${planted}` });
      expectCode(res, 403, 'csrf_failed', 'two cookies');
      assert.equal(refreshCookieOf(res).attributes, ATTRIBUTES(0));
    });

    test('the attacker: an access token or garbage in the cookie is refused', async () => {
      await t.user('c-garbage');
      const { pair } = await login('c-garbage');
      for (const value of [pair.access, 'garbage', 'a.b.c']) {
        expectCode(await refresh({ ...CSRF, ...jar(value) }), 401, 'token_not_valid', value.slice(0, 10));
        expectCode(await logout({ ...CSRF, ...jar(value) }), 400, 'logout_failed', value.slice(0, 10));
      }
    });

    test('CORS: allowed origins may send credentials and X-Auth-CSRF; others get nothing', async () => {
      const preflight = (origin: string) =>
        t.api.request('OPTIONS', '/auth/token/refresh/', undefined, {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'x-auth-csrf',
        });
      const ok = await preflight(APP);
      assert.equal(ok.headers['access-control-allow-origin'], APP);
      assert.equal(ok.headers['access-control-allow-credentials'], 'true');
      assert.match(String(ok.headers['access-control-allow-headers']), /X-Auth-CSRF/);
      const evil = await preflight('https://evil.example');
      assert.equal(evil.headers['access-control-allow-origin'], undefined);
      assert.equal(evil.headers['access-control-allow-credentials'], undefined);
    });
  });

  describe(`refresh cookie on, rotation off (${driver})`, () => {
    const t = useTestApp(driver, { REFRESH_COOKIE: 'true', CORS_ORIGINS: APP });

    test('refresh from the cookie answers the access token and leaves the cookie as it is', async () => {
      await t.user('c-plain');
      const login = await t.api.post('/auth/login/', { username: 'c-plain', password: 'c-plain-password-1' });
      const cookie = refreshCookieOf(login).value;
      const res = await t.api.post('/auth/token/refresh/', {}, { ...CSRF, ...jar(cookie) });
      assert.equal(res.status, 200, res.raw);
      assert.deepEqual(Object.keys(res.body), ['access']);
      assert.deepEqual(setCookies(res), []);
    });
  });

  describe(`refresh cookie off: the contract, exactly (${driver})`, () => {
    const t = useTestApp(driver, { CORS_ORIGINS: APP, ROTATE_REFRESH_TOKENS: 'true' });

    test('no Set-Cookie anywhere; a cookie is ignored; the body fields stay required', async () => {
      await t.user('c-off');
      const login = await t.api.post('/auth/login/', { username: 'c-off', password: 'c-off-password-1' }, CSRF);
      assert.equal(login.status, 200);
      assert.deepEqual(setCookies(login), []);
      const pair = login.body as unknown as TokenPair;

      const fromCookie = await t.api.post('/auth/token/refresh/', {}, { ...CSRF, ...jar(pair.refresh) });
      expectCode(fromCookie, 400, 'validation_error', 'refresh from a cookie');
      assert.deepEqual(fromCookie.body.refresh, ['This field is required.']);
      const noBody = await t.app.inject({
        method: 'POST',
        url: '/auth/token/refresh/',
        headers: { ...CSRF, ...jar(pair.refresh) },
      });
      assert.equal(noBody.statusCode, 400, 'no body is not an object, as before');

      const refreshed = await t.api.post('/auth/token/refresh/', { refresh: pair.refresh }, jar(pair.refresh));
      assert.equal(refreshed.status, 200);
      assert.deepEqual(Object.keys(refreshed.body).sort(), ['access', 'refresh']);
      assert.deepEqual(setCookies(refreshed), []);

      const out = await t.api.post('/auth/logout/', {}, { ...CSRF, ...jar(String(refreshed.body.refresh)) });
      assert.equal(out.status, 400);
      assert.equal(out.body.code, 'validation_error');
      assert.deepEqual(setCookies(out), []);
      const done = await t.api.post('/auth/logout/', { refresh_token: refreshed.body.refresh });
      assert.deepEqual([done.status, done.body], [200, { message: 'Logged out successfully' }]);
      assert.deepEqual(setCookies(done), []);
    });

    test('CORS: no credentials, no X-Auth-CSRF', async () => {
      const res = await t.api.request('OPTIONS', '/auth/token/refresh/', undefined, {
        origin: APP,
        'access-control-request-method': 'POST',
      });
      assert.equal(res.headers['access-control-allow-origin'], APP);
      assert.equal(res.headers['access-control-allow-credentials'], undefined);
      assert.equal(res.headers['access-control-allow-headers'], 'Authorization, Content-Type');
    });
  });
}

test('REFRESH_COOKIE needs CORS_ORIGINS (the cookie is only accepted from an origin named there)', () => {
  assert.throws(() => parseConfig({ REFRESH_COOKIE: 'true' }), /REFRESH_COOKIE: needs CORS_ORIGINS/);
  assert.equal(parseConfig({ REFRESH_COOKIE: 'true', CORS_ORIGINS: APP }).http.refreshCookie, true);
  assert.equal(parseConfig({}).http.refreshCookie, false);
});
