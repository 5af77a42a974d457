// What every answer carries whatever its status (security headers, JSON), how wrong methods
// and unknown paths are answered, both spellings of each path, and CORS only for the
// configured origins. Headers do not depend on the database, so PGlite alone is used.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, type TestApp } from './helpers/app.js';
import { loginPair } from './helpers/http.js';

const POST_ROUTES = ['/auth/login/', '/auth/token/refresh/', '/auth/token/verify/', '/auth/logout/', '/auth/logout/all/'];
const GET_ROUTES = ['/auth/me/', '/auth/.well-known/jwks.json', '/auth/health/live/', '/auth/health/ready/'];

function assertCommonHeaders(res: LightMyRequestResponse, what: string): void {
  const hsts = String(res.headers['strict-transport-security'] ?? '');
  const maxAge = Number(/max-age=(\d+)/.exec(hsts)?.[1] ?? 0);
  assert.ok(maxAge >= 31_536_000, `${what}: HSTS "${hsts}" lasts at least a year`);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(res.headers['x-powered-by'], undefined, what);
  assert.doesNotMatch(String(res.headers.server ?? ''), /\d/, `${what}: no server version`);
  if (res.statusCode !== 204) assert.match(String(res.headers['content-type']), /^application\/json/, what);
}

const json = (payload: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

describe('answers of every kind', () => {
  let t: TestApp;
  before(async () => {
    // One hashing slot and no queue: a second login while one hashes is a 503.
    t = await createTestApp('pglite', { LOGIN_FREE_FAILURES: '1', HASH_CONCURRENCY: '1', HASH_QUEUE_LIMIT: '0' });
    await t.user('alice');
    await t.user('bob');
  });
  after(() => t.close());

  test('security headers on 200, 400, 401, 404, 405, 413, 415, 429 and 503', async () => {
    const pair = await loginPair(t.app, 'alice');
    const login = (body: unknown) => t.app.inject({ method: 'POST', url: '/auth/login/', ...json(body) });
    const answers: Record<string, LightMyRequestResponse> = {
      'login 200': await login({ username: 'alice', password: 'alice-password-1' }),
      'refresh 200': await t.app.inject({ method: 'POST', url: '/auth/token/refresh/', ...json({ refresh: pair.refresh }) }),
      'me 200': await t.app.inject({ method: 'GET', url: '/auth/me/', headers: { authorization: `Bearer ${pair.access}` } }),
      'jwks 200': await t.app.inject({ method: 'GET', url: '/auth/.well-known/jwks.json' }),
      '400': await login({ username: 'alice' }),
      '401': await login({ username: 'bob', password: 'wrong' }),
      '404': await t.app.inject({ method: 'GET', url: '/nowhere' }),
      '405': await t.app.inject({ method: 'GET', url: '/auth/login/' }),
      '413': await t.app.inject({ method: 'POST', url: '/auth/login/', ...json({ username: 'x'.repeat(20_000) }) }),
      '415': await t.app.inject({
        method: 'POST',
        url: '/auth/login/',
        payload: 'a=b',
        headers: { 'content-type': 'text/plain' },
      }),
      '429': await login({ username: 'bob', password: 'bob-password-1' }),
    };
    // The hashing slot is taken, as by a login in progress.
    let release = () => {};
    const busy = t.deps.passwords.limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
    answers['503'] = await login({ username: 'nobody', password: 'whatever' });
    release();
    await busy;

    for (const [what, res] of Object.entries(answers)) {
      const expected = what.includes(' ') ? 200 : Number(what);
      assert.equal(res.statusCode, expected, `${what}: ${res.body}`);
      assertCommonHeaders(res, what);
      if (what === 'jwks 200') assert.equal(res.headers['cache-control'], 'public, max-age=300');
      // Token answers must never be stored (RFC 6749 5.1); nor is anything else of ours.
      else assert.equal(res.headers['cache-control'], 'no-store', what);
    }
    assert.equal(answers['401']?.headers['www-authenticate'], 'Bearer realm="api"');
    assert.match(String(answers['429']?.headers['retry-after']), /^\d+$/);
    assert.match(String(answers['503']?.headers['retry-after']), /^\d+$/);
    assert.equal(answers['503']?.json().code, 'overloaded');
  });

  test('a wrong method is a JSON 405 with Allow, on both spellings of every path', async () => {
    for (const [routes, allowed, wrong] of [
      [POST_ROUTES, 'POST', ['GET', 'PUT', 'PATCH', 'DELETE']],
      [GET_ROUTES, 'GET', ['POST', 'PUT', 'PATCH', 'DELETE']],
    ] as const) {
      for (const route of routes) {
        for (const url of [route, route.endsWith('/') ? route.slice(0, -1) : `${route}/`]) {
          for (const method of wrong) {
            const res = await t.app.inject({ method, url });
            assert.equal(res.statusCode, 405, `${method} ${url}`);
            assert.equal(res.json().code, 'method_not_allowed');
            const allow = String(res.headers.allow).split(/,\s*/);
            assert.ok(allow.includes(allowed) && !allow.includes(method), `${method} ${url}: Allow ${allow}`);
            assertCommonHeaders(res, `${method} ${url}`);
          }
        }
      }
    }
  });

  test('an unknown path is a JSON 404', async () => {
    for (const [method, url] of [
      ['GET', '/'],
      ['GET', '/auth/'],
      ['POST', '/auth/nothing/'],
      ['GET', '/admin/'],
      ['POST', '/auth/login/extra/'],
      ['GET', '/auth/me/../../etc/passwd'],
      ['GET', '/auth/%00'],
    ] as const) {
      const res = await t.app.inject({ method, url });
      assert.equal(res.statusCode, 404, `${method} ${url}`);
      assert.deepEqual(res.json(), { detail: 'Not found.', code: 'not_found' });
      assertCommonHeaders(res, `${method} ${url}`);
    }
  });

  test('every path is served with and without its trailing slash, never redirected', async () => {
    for (const url of ['/auth/login/', '/auth/login']) {
      const res = await t.app.inject({ method: 'POST', url, ...json({ username: 'alice', password: 'alice-password-1' }) });
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.headers.location, undefined);
    }
    const served = async (method: 'GET' | 'POST', path: string, init: object = {}) => {
      for (const url of [path, path.endsWith('/') ? path.slice(0, -1) : `${path}/`]) {
        const res = await t.app.inject({ method, url, ...init });
        assert.equal(res.statusCode, 200, `${method} ${url}: ${res.body}`);
      }
    };
    const pair = await loginPair(t.app, 'alice');
    const bearer = { headers: { authorization: `Bearer ${pair.access}` } };
    await served('POST', '/auth/token/refresh/', json({ refresh: pair.refresh }));
    await served('POST', '/auth/token/verify/', json({ token: pair.access }));
    await served('GET', '/auth/me/', bearer);
    await served('GET', '/auth/.well-known/jwks.json');
    await served('GET', '/auth/health/live/');
    await served('GET', '/auth/health/ready/');
    // Logouts end a session: a fresh one for each spelling.
    for (const url of ['/auth/logout/', '/auth/logout']) {
      const { refresh } = await loginPair(t.app, 'alice');
      const res = await t.app.inject({ method: 'POST', url, ...json({ refresh_token: refresh }) });
      assert.equal(res.statusCode, 200, url);
    }
    for (const url of ['/auth/logout/all/', '/auth/logout/all']) {
      const { access } = await loginPair(t.app, 'alice');
      const res = await t.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${access}` } });
      assert.equal(res.statusCode, 200, url);
    }
  });

  test('without CORS_ORIGINS there are no CORS headers', async () => {
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/auth/login/',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    const res = await t.app.inject({ method: 'GET', url: '/auth/health/live/', headers: { origin: 'https://app.example' } });
    for (const answer of [preflight, res]) {
      for (const name of Object.keys(answer.headers)) assert.doesNotMatch(name, /^access-control-/);
    }
  });
});

describe('CORS with CORS_ORIGINS', () => {
  const ORIGIN = 'https://app.example';
  let t: TestApp;
  before(async () => {
    t = await createTestApp('pglite', { CORS_ORIGINS: ORIGIN });
    await t.user('alice');
  });
  after(() => t.close());

  const preflight = (origin: string, url = '/auth/login/', requestHeaders = 'content-type') =>
    t.app.inject({
      method: 'OPTIONS',
      url,
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': requestHeaders },
    });

  test('a preflight from the configured origin is allowed', async () => {
    for (const [url, headers] of [
      ['/auth/login/', 'content-type'],
      ['/auth/logout/all/', 'authorization'],
    ] as const) {
      const res = await preflight(ORIGIN, url, headers);
      assert.ok(res.statusCode === 204 || res.statusCode === 200, `${url}: ${res.statusCode}`);
      assert.equal(res.headers['access-control-allow-origin'], ORIGIN);
      assert.ok(String(res.headers['access-control-allow-methods']).split(/,\s*/).includes('POST'));
      const allowedHeaders = String(res.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/);
      assert.ok(allowedHeaders.includes(headers), `${url}: ${allowedHeaders}`);
      // Tokens travel in bodies and headers, never cookies: no credentials mode.
      assert.equal(res.headers['access-control-allow-credentials'], undefined);
      assert.match(String(res.headers.vary), /origin/i, 'caches must key on Origin');
    }
  });

  test('answers to the configured origin carry its ACAO, errors included', async () => {
    for (const payload of [
      { username: 'alice', password: 'alice-password-1' },
      { username: 'alice', password: 'wrong' },
    ]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/auth/login/',
        ...json(payload),
        headers: { 'content-type': 'application/json', origin: ORIGIN },
      });
      assert.equal(res.headers['access-control-allow-origin'], ORIGIN, `${res.statusCode}`);
      // A frontend reads Retry-After (a throttled login's retryAfter) only if it is exposed.
      assert.equal(res.headers['access-control-expose-headers'], 'Retry-After');
    }
  });

  test('other origins get no CORS headers', async () => {
    for (const origin of [
      'https://evil.example',
      'http://app.example',
      'https://app.example.evil',
      'null',
      'https://app.example:8443',
    ]) {
      const res = await preflight(origin);
      const answer = await t.app.inject({
        method: 'POST',
        url: '/auth/login/',
        ...json({ username: 'alice', password: 'alice-password-1' }),
        headers: { 'content-type': 'application/json', origin },
      });
      for (const r of [res, answer]) {
        assert.equal(r.headers['access-control-allow-origin'], undefined, origin);
        assert.equal(r.headers['access-control-allow-methods'], undefined, origin);
      }
    }
  });
});

describe('a URL the router cannot decode', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('pglite');
  });
  after(() => t.close());

  test('is a JSON 400 validation_error with the security headers', async () => {
    for (const url of ['/auth/me/%', '/auth/login/%zz', '/%E0%A4%A']) {
      const res = await t.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.json().code, 'validation_error', url);
      assert.match(String(res.headers['strict-transport-security']), /max-age=31536000/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['cache-control'], 'no-store');
    }
  });
});
