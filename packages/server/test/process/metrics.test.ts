// GET /metrics on its own listener, from real processes: outcomes counted as traffic happens,
// route templates only (1,000 random 404 paths add one series, not 1,000), promtool finds
// nothing wrong with our metrics (scraped after traffic and while it runs), nothing is served on the API port, and a cluster's primary
// adds up every worker's registry.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import { bearer } from '../helpers/endpoint.js';
import { ownProblems, promtool, promtoolCheck, samples, sampleValue, scrape } from '../helpers/metrics.js';
import { createDeployment, type Deployment, DRIVERS, freePort, httpsRequest, type Service } from '../helpers/process.js';

describe('metrics of one process (pglite)', () => {
  let deployment: Deployment;
  let service: Service;
  let port: number;
  before(async () => {
    port = await freePort();
    deployment = await createDeployment('pglite', { METRICS_PORT: String(port) });
    const created = await deployment.cli(['user', 'create', 'alice'], { input: 'alice-password-1\n' });
    assert.equal(created.code, 0, created.stderr);
    service = await deployment.start();
  });
  after(() => deployment?.dispose());

  test('logins, refreshes, verifications and revocations are counted by outcome', async () => {
    // Start-up hashes too (the dummy hash, the failure floor's timings): count from here.
    const hashesBefore = sampleValue((await scrape(port)).text, 'auth_hash_pool_wait_seconds_count') ?? 0;
    const pair = await service.login('alice');
    assert.equal((await service.post('/auth/login/', { username: 'alice', password: 'wrong' })).status, 401);
    assert.equal((await service.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 200);
    assert.equal((await service.post('/auth/token/refresh/', { refresh: 'junk' })).status, 401);
    assert.equal((await service.post('/auth/token/verify/', { token: pair.access })).status, 200);
    assert.equal((await service.get('/auth/me/', bearer('junk'))).status, 401);
    assert.equal((await service.post('/auth/logout/', { refresh_token: pair.refresh })).status, 200);
    const { status, text, type } = await scrape(port);
    assert.equal(status, 200);
    assert.match(type, /^text\/plain; version=0\.0\.4/);
    assert.equal(sampleValue(text, 'auth_logins_total', { outcome: 'success' }), 1);
    assert.equal(sampleValue(text, 'auth_logins_total', { outcome: 'bad_credentials' }), 1);
    assert.equal(sampleValue(text, 'auth_logins_total', { outcome: 'throttled' }), 0);
    assert.equal(sampleValue(text, 'auth_token_refreshes_total', { outcome: 'ok' }), 1);
    assert.equal(sampleValue(text, 'auth_token_refreshes_total', { outcome: 'invalid' }), 1);
    assert.equal(sampleValue(text, 'auth_token_verifications_total', { kind: 'verify', outcome: 'valid' }), 1);
    assert.equal(sampleValue(text, 'auth_token_verifications_total', { kind: 'bearer', outcome: 'invalid' }), 1);
    assert.equal(sampleValue(text, 'auth_sessions_revoked_total', { cause: 'logout' }), 1);
    assert.equal(sampleValue(text, 'auth_http_requests_total', { method: 'POST', route: '/auth/login/', status: '200' }), 1);
    assert.equal(sampleValue(text, 'auth_http_requests_total', { method: 'POST', route: '/auth/login/', status: '401' }), 1);
    assert.equal(sampleValue(text, 'auth_signing_keys', { state: 'current' }), 1);
    assert.ok((sampleValue(text, 'auth_signing_key_age_seconds') ?? -1) >= 0);
    assert.ok((sampleValue(text, 'auth_hash_pool_threads') ?? 0) >= 1);
    assert.equal(sampleValue(text, 'auth_hash_pool_wait_seconds_count'), hashesBefore + 2, 'a hash per login');
    assert.ok((sampleValue(text, 'nodejs_eventloop_lag_seconds') ?? -1) >= 0, 'event-loop metrics');
    assert.ok((sampleValue(text, 'process_resident_memory_bytes') ?? 0) > 0, 'process metrics');
  });

  test('1,000 random 404 paths make one series, never their raw paths', async () => {
    const before = samples((await scrape(port)).text, 'auth_http_requests_total').length;
    const agent = new https.Agent({ keepAlive: true, ca: service.ca });
    try {
      const paths = Array.from({ length: 1000 }, () => `/auth/${randomBytes(6).toString('hex')}/`);
      // Scraped while the requests are in flight: the text must be well-formed under load too.
      const during: Promise<string>[] = [];
      for (let i = 0; i < paths.length; i += 50) {
        const batch = paths.slice(i, i + 50).map((path) => httpsRequest(agent, service.port, 'GET', path));
        if (i % 250 === 0) during.push(scrape(port).then((res) => res.text));
        await Promise.all(batch);
      }
      if (promtool.path) {
        for (const text of await Promise.all(during)) assert.deepEqual(ownProblems((await promtoolCheck(text)).problems), []);
      }
      const { text } = await scrape(port);
      assert.equal(sampleValue(text, 'auth_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }), 1000);
      assert.ok(samples(text, 'auth_http_requests_total').length <= before + 1, 'at most the one "unmatched" series is new');
      assert.ok(!paths.some((path) => text.includes(path)), 'no raw path in any label');
    } finally {
      agent.destroy();
    }
  });

  test('promtool check metrics finds no problem in our metrics', { skip: promtool.skip }, async () => {
    const { text } = await scrape(port);
    const { problems } = await promtoolCheck(text);
    assert.deepEqual(ownProblems(problems), []);
    // The check can fail: a counter without _total is reported.
    const bad = await promtoolCheck('# HELP auth_bad A counter.\n# TYPE auth_bad counter\nauth_bad 1\n');
    assert.ok(ownProblems(bad.problems).length > 0, bad.problems.join('\n'));
  });

  test('only GET /metrics on the metrics port; nothing of it on the API port', async () => {
    assert.equal((await scrape(port, '/auth/login/')).status, 404);
    assert.equal((await service.get('/metrics')).status, 404);
    assert.match(
      service.output(),
      /"url":"http:\/\/127\.0\.0\.1:\d+\/metrics".*metrics listening|metrics listening.*127\.0\.0\.1/,
    );
  });
});

if (DRIVERS.includes('postgres')) {
  describe('metrics of a cluster (postgres, WORKERS=2)', () => {
    let deployment: Deployment;
    let service: Service;
    let port: number;
    before(async () => {
      port = await freePort();
      deployment = await createDeployment('postgres', { METRICS_PORT: String(port), HASH_CONCURRENCY: '1' });
      const created = await deployment.cli(['user', 'create', 'alice'], { input: 'alice-password-1\n' });
      assert.equal(created.code, 0, created.stderr);
      service = await deployment.start({ WORKERS: '2' });
    });
    after(() => deployment?.dispose());

    test('the primary serves the sum over its workers', async () => {
      // A new connection per login: the primary hands connections to its workers in turn.
      for (let i = 0; i < 6; i++) {
        const res = await httpsRequest(new https.Agent({ ca: service.ca }), service.port, 'POST', '/auth/login/', {
          username: 'alice',
          password: 'alice-password-1',
        });
        assert.equal(res.status, 200, `${res.raw}\n${service.output()}`);
      }
      const { status, text } = await scrape(port);
      assert.equal(status, 200, service.output());
      assert.equal(sampleValue(text, 'auth_logins_total', { outcome: 'success' }), 6);
      assert.equal(sampleValue(text, 'auth_hash_pool_threads'), 2, 'one hashing thread in each of two workers');
      assert.equal(
        sampleValue(text, 'auth_signing_keys', { state: 'current' }),
        1,
        'keys are the same in every worker (max, not sum)',
      );
      assert.ok((sampleValue(text, 'auth_db_pool_connections') ?? 0) >= 2, 'both workers hold connections');
      if (promtool.path) assert.deepEqual(ownProblems((await promtoolCheck(text)).problems), []);
    });
  });
}
