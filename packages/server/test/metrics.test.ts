// Each outcome the use cases report reaches the Prometheus registry under its name: the app on
// a runtime whose metrics are prom-client's (as the service wires them with METRICS_PORT).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import client from 'prom-client';
import { parseConfig } from '../src/config/config.js';
import { PlainCounter, PlainHistogram } from '../src/metrics/plain.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { bearer } from './helpers/endpoint.js';
import { withMetrics } from './helpers/metrics.js';

describe('outcomes counted (rotation on)', () => {
  let t: TestApp;
  let m: Awaited<ReturnType<typeof withMetrics>>;
  before(async () => {
    t = await createTestApp('pglite', { ROTATE_REFRESH_TOKENS: 'true', ROTATION_GRACE_PERIOD: '5s', LOGIN_FREE_FAILURES: '1' });
    m = await withMetrics(t);
    await t.user('alice');
    await t.user('bob');
  });
  after(async () => {
    await m.close();
    await t.close();
  });

  test('refresh: ok, grace_retry, reuse_detected (and the session revoked for it), invalid', async () => {
    const pair = await m.api.login('alice');
    assert.equal((await m.api.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 200);
    assert.equal((await m.api.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 200, 'within the grace period');
    t.clock.advance(6000);
    assert.equal((await m.api.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 401, 'reuse');
    assert.equal((await m.api.post('/auth/token/refresh/', { refresh: 'junk' })).status, 401);
    assert.equal(await m.value('auth_token_refreshes_total', { outcome: 'ok' }), 1);
    assert.equal(await m.value('auth_token_refreshes_total', { outcome: 'grace_retry' }), 1);
    assert.equal(await m.value('auth_token_refreshes_total', { outcome: 'reuse_detected' }), 1);
    assert.equal(await m.value('auth_token_refreshes_total', { outcome: 'invalid' }), 1);
    assert.equal(await m.value('auth_sessions_revoked_total', { cause: 'refresh_token_reused' }), 1);
  });

  test('login: bad_credentials then throttled; logout/all counts every session it revokes', async () => {
    assert.equal((await m.api.post('/auth/login/', { username: 'bob', password: 'wrong' })).status, 401);
    assert.equal((await m.api.post('/auth/login/', { username: 'bob', password: 'wrong' })).status, 429);
    assert.equal(await m.value('auth_logins_total', { outcome: 'bad_credentials' }), 1);
    assert.equal(await m.value('auth_logins_total', { outcome: 'throttled' }), 1);
    const first = await m.api.login('alice');
    await m.api.login('alice');
    const all = await m.api.post('/auth/logout/all/', {}, bearer(first.access));
    assert.equal(all.status, 200);
    assert.equal(await m.value('auth_sessions_revoked_total', { cause: 'logout_all' }), all.body.sessions_revoked as number);
    assert.equal(await m.value('auth_token_verifications_total', { kind: 'bearer', outcome: 'valid' }), 1);
  });

  test('a request is counted under its route template with its status', async () => {
    await m.api.get('/auth/health/live/');
    await m.api.request('PUT', '/auth/health/live/');
    assert.equal(await m.value('auth_http_requests_total', { method: 'GET', route: '/auth/health/live/', status: '200' }), 1);
    assert.equal(await m.value('auth_http_requests_total', { method: 'PUT', route: '/auth/health/live/', status: '405' }), 1);
    assert.equal(
      await m.value('auth_http_request_duration_seconds_count', { method: 'GET', route: '/auth/health/live/', status: '200' }),
      1,
    );
  });
});

describe('outcomes counted (a hashing queue that refuses)', () => {
  let t: TestApp;
  let m: Awaited<ReturnType<typeof withMetrics>>;
  before(async () => {
    t = await createTestApp('pglite', { HASH_CONCURRENCY: '1', HASH_QUEUE_LIMIT: '0' });
    m = await withMetrics(t);
  });
  after(async () => {
    await m.close();
    await t.close();
  });

  test('overloaded logins are counted as such, as many as were answered 503', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => m.api.post('/auth/login/', { username: `nobody-${i}`, password: 'x' })),
    );
    const overloaded = answers.filter((a) => a.status === 503).length;
    assert.ok(overloaded > 0, 'with one thread and no queue, concurrent logins are refused');
    assert.equal(await m.value('auth_logins_total', { outcome: 'overloaded' }), overloaded);
    assert.equal(await m.value('auth_logins_total', { outcome: 'bad_credentials' }), 8 - overloaded);
    assert.equal(await m.value('auth_hash_pool_rejected_total'), overloaded);
  });
});

test('METRICS_PORT unset: metrics off; METRICS_HOST defaults to 127.0.0.1', () => {
  assert.equal(parseConfig({}).metrics, undefined);
  assert.deepEqual(parseConfig({ METRICS_PORT: '9464' }).metrics, { port: 9464, host: '127.0.0.1' });
  assert.deepEqual(parseConfig({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metrics, { port: 9464, host: '0.0.0.0' });
  assert.throws(() => parseConfig({ METRICS_PORT: 'x' }), /METRICS_PORT/);
  assert.equal(parseConfig({}).docsPage, true);
  assert.equal(parseConfig({ DOCS_PAGE: 'false' }).docsPage, false);
});

test("the plain counter and histogram print exactly what prom-client's own do for the same observations", async () => {
  const theirs = new client.Registry();
  const ours = new client.Registry();
  const buckets = [0.005, 0.1, 1];
  const counter = new client.Counter({ name: 'x_total', help: 'h', labelNames: ['a', 'b'], registers: [theirs] });
  const histogram = new client.Histogram({ name: 'x_seconds', help: 'h', labelNames: ['a'], buckets, registers: [theirs] });
  const plainCounter = new PlainCounter('x_total', 'h', ['a', 'b']).register(ours);
  const plainHistogram = new PlainHistogram('x_seconds', 'h', ['a'], buckets).register(ours);
  // On a bound, between bounds, past the last, for two label sets.
  for (const [a, value] of [
    ['p', 0.005],
    ['p', 0.05],
    ['q', 3],
    ['p', 0],
    ['q', 0.1],
  ] as const) {
    counter.inc({ a, b: 'z' });
    plainCounter.child(a, 'z').value++;
    histogram.observe({ a }, value);
    plainHistogram.observe(plainHistogram.child(a), value);
  }
  assert.equal(await ours.metrics(), await theirs.metrics());
  // A cluster's primary adds up its workers' registries: the same sums either way.
  const twice = async (registry: client.Registry) =>
    client.AggregatorRegistry.aggregate([await registry.getMetricsAsJSON(), await registry.getMetricsAsJSON()]).metrics();
  assert.equal(await twice(ours), await twice(theirs));
});
