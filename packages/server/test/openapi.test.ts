// The OpenAPI document against the app: every registered route is in it (and nothing else),
// every real answer, success and error, fits the response schema it gives for its status,
// its examples fit their schemas, no 3.0-only keyword hides in it, and an independent
// validator (Redocly CLI, its recommended rules) finds nothing wrong.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { RouteOptions } from 'fastify';
import { buildApp } from '../src/http/app.js';
import { route } from '../src/http/route.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { bearer } from './helpers/endpoint.js';
import { claimsOf } from './helpers/http.js';
import {
  answerChecker,
  droppedKeywords,
  type OpenapiDocument,
  phantomOperations,
  undocumentedRoutes,
} from './helpers/openapi.js';

const SERVER_DIR = new URL('../..', import.meta.url).pathname;
const FEED_TOKEN = 'f'.repeat(40);

/** The app as the service builds it, with every route it registers recorded on the way. */
async function appWithRoutes(t: TestApp, extra?: RouteOptions) {
  const app = buildApp(t.deps);
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (r) => void routes.push(r));
  if (extra) app.register(async (scope) => void scope.route(extra));
  await app.ready();
  const doc = (await app.inject({ method: 'GET', url: '/auth/openapi.json' })).json() as OpenapiDocument;
  return { app, routes, doc };
}

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: OpenapiDocument;
  before(async () => {
    t = await createTestApp('pglite', { REVOCATION_FEED_TOKEN: FEED_TOKEN });
    doc = (await t.api.get('/auth/openapi.json')).body as unknown as OpenapiDocument;
  });
  after(() => t.close());

  test('is OpenAPI 3.1.0 with the bearer JWT scheme', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.components.securitySchemes.bearer, {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'An access token from /auth/login/.',
    });
    assert.deepEqual(doc.paths['/auth/me/']?.get?.security, [{ bearer: [] }]);
    assert.deepEqual(doc.paths['/auth/login/']?.post?.security, []);
  });

  test("the docs page's looser Content-Security-Policy stays on the docs page", async () => {
    const strict = "default-src 'none'; frame-ancestors 'none'";
    for (const path of ['/auth/health/live/', '/auth/openapi.json', '/auth/no-such-path/']) {
      assert.equal((await t.api.get(path)).headers['content-security-policy'], strict, path);
    }
    for (const path of ['/auth/docs/', '/auth/docs/static/swagger-ui-bundle.js']) {
      const res = await t.api.get(path);
      assert.equal(res.status, 200, path);
      assert.match(
        String(res.headers['content-security-policy']),
        /^default-src 'none'; script-src 'self';.*frame-ancestors 'none'$/,
      );
    }
  });

  test('lists every registered route, and only those', async () => {
    const { app, routes, doc: built } = await appWithRoutes(t);
    try {
      assert.ok(routes.length > 20, `routes seen: ${routes.length}`);
      assert.deepEqual(undocumentedRoutes(routes, built, '/auth/docs'), []);
      assert.deepEqual(phantomOperations(routes, built), []);
    } finally {
      await app.close();
    }
  });

  test('a route registered without docs is named as undocumented (the check can fail)', async () => {
    const bare: RouteOptions = { method: 'GET', url: '/auth/undocumented/', handler: async () => ({}) };
    const { app, routes, doc: built } = await appWithRoutes(t, bare);
    try {
      assert.deepEqual(undocumentedRoutes(routes, built, '/auth/docs'), ['get /auth/undocumented/']);
    } finally {
      await app.close();
    }
  });

  test('a documented route carries its summary, error codes and examples into the document', async () => {
    const documented = route({
      method: 'GET',
      url: '/auth/documented/',
      docs: { tag: 'health', summary: 'A test route', errors: ['not_found'], example: { status: 'ok' } },
      schema: { response: { 200: { type: 'object', required: ['status'], properties: { status: { type: 'string' } } } } },
      handler: async () => ({ status: 'ok' }),
    });
    const { app, routes, doc: built } = await appWithRoutes(t, documented);
    try {
      assert.deepEqual(undocumentedRoutes(routes, built, '/auth/docs'), []);
      const op = built.paths['/auth/documented/']?.get;
      assert.equal(op?.summary, 'A test route');
      assert.deepEqual(Object.keys(op?.responses ?? {}), ['200', '404', '500', '503']);
      assert.deepEqual(op?.responses['200']?.content?.['application/json']?.example, { status: 'ok' });
    } finally {
      await app.close();
    }
  });

  test('real answers, success and error, fit the response schema of their status', async () => {
    const check = answerChecker(doc);
    await t.user('alice');
    const pair = await t.api.login('alice');
    const other = await t.api.login('alice');
    const third = await t.api.login('alice');
    const calls: [string, string, unknown?, Record<string, string>?][] = [
      ['POST', '/auth/login/', { username: 'alice', password: 'alice-password-1' }],
      ['POST', '/auth/login/', { username: 'alice', password: 'wrong' }],
      ['POST', '/auth/login/', {}],
      ['POST', '/auth/login/', 'username=alice', { 'content-type': 'text/plain' }],
      ['POST', '/auth/login/', { username: 'a'.repeat(20_000), password: 'x' }],
      ['POST', '/auth/token/refresh/', { refresh: pair.refresh }],
      ['POST', '/auth/token/refresh/', { refresh: 'not-a-token' }],
      ['POST', '/auth/token/verify/', { token: pair.access }],
      ['POST', '/auth/token/verify/', { token: 'not-a-token' }],
      ['GET', '/auth/me/', undefined, bearer(pair.access)],
      ['GET', '/auth/me/'],
      ['GET', '/auth/sessions/', undefined, bearer(pair.access)],
      ['GET', '/auth/sessions/'],
      ['DELETE', '/auth/sessions/no-such-session/', undefined, bearer(pair.access)],
      ['DELETE', `/auth/sessions/${String(claimsOf(third.access).sid)}/`, undefined, bearer(pair.access)],
      ['POST', '/auth/password/change/', { old_password: 'wrong', new_password: 'a-new-password-2' }, bearer(pair.access)],
      ['POST', '/auth/password/change/', { old_password: 'alice-password-1' }, bearer(pair.access)],
      ['GET', '/auth/me/', undefined, { authorization: 'Bearer' }],
      ['GET', '/auth/me/', undefined, bearer('not-a-token')],
      ['GET', '/auth/forward-auth/', undefined, bearer(pair.access)],
      ['GET', '/auth/forward-auth/'],
      ['GET', '/auth/.well-known/jwks.json'],
      ['GET', '/.well-known/openid-configuration'],
      ['GET', '/.well-known/oauth-authorization-server'],
      ['GET', '/auth/revocations/'],
      ['GET', '/auth/revocations/?after=x', undefined, bearer(FEED_TOKEN)],
      ['GET', '/auth/health/live/'],
      ['GET', '/auth/health/ready/'],
      ['GET', '/auth/openapi.json'],
      ['POST', '/auth/logout/', { refresh_token: 'not-a-token' }],
      ['POST', '/auth/logout/', { refresh_token: pair.refresh }],
      ['POST', '/auth/logout/all/', undefined, bearer(other.access)],
      ['POST', '/auth/logout/all/'],
    ];
    const statuses = new Set<number>();
    for (const [method, path, body, headers] of calls) {
      const res = await t.api.request(method, path, body, headers);
      statuses.add(res.status);
      assert.equal(check.problem(method, path, res), null);
    }
    // The calls above reach the error statuses too, not only 200.
    assert.deepEqual([...statuses].sort(), [200, 400, 401, 404, 413, 415]);
  });

  test('an answer that breaks its schema is caught (the check can fail)', () => {
    const check = answerChecker(doc);
    const res = { status: 200, body: { id: 'one', username: 'alice' }, headers: {}, raw: '' };
    assert.match(String(check.problem('GET', '/auth/me/', res)), /must be integer/);
    assert.match(String(check.problem('GET', '/auth/me/', { ...res, status: 418 })), /not documented/);
  });

  test('every example fits its own schema', () => {
    assert.deepEqual(answerChecker(doc).badExamples(), []);
  });

  test('no keyword that OpenAPI 3.1 dropped (nullable, boolean exclusiveMinimum)', () => {
    assert.deepEqual(droppedKeywords(doc), []);
    assert.deepEqual(droppedKeywords({ a: { type: 'string', nullable: true } }), ['#/a/nullable']);
  });

  test('Redocly CLI lints it clean (recommended rules, redocly.yaml)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'openapi-')), 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const redocly = join(SERVER_DIR, '../../node_modules/.bin/redocly');
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
    const args = ['lint', '--config', join(SERVER_DIR, 'redocly.yaml'), '--format', 'json', file];
    const { stdout } = await promisify(execFile)(redocly, args, { env, maxBuffer: 1 << 24 }).catch((err) => err);
    const problems = (JSON.parse(stdout) as { problems: { ruleId: string; message: string }[] }).problems;
    assert.deepEqual(
      problems.map((p) => `${p.ruleId}: ${p.message}`),
      [],
    );
  });
});

describe('docs page setting', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('pglite', { DOCS_PAGE: 'false' });
  });
  after(() => t.close());

  test('DOCS_PAGE=false: no docs page, the document is still served', async () => {
    assert.equal((await t.api.get('/auth/docs/')).status, 404);
    assert.equal((await t.api.get('/auth/docs/static/swagger-ui-bundle.js')).status, 404);
    assert.equal((await t.api.get('/auth/openapi.json')).status, 200);
  });
});
