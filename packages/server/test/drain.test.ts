// The drain delay in process: once announced, readiness answers 503 (our error format, with
// Retry-After) while liveness and every other request are served as before.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { announceDrain } from '../src/http/drain.js';
import { useTestApp } from './helpers/app.js';
import { bearer, expectCode } from './helpers/endpoint.js';

describe('drain delay (in process)', () => {
  const t = useTestApp('pglite');
  before(() => t.user('alice'));

  test('readiness 503 during the delay; logins, refreshes, me and liveness still answered', async () => {
    const pair = await t.api.login('alice');
    assert.equal((await t.api.get('/auth/health/ready/')).status, 200, 'ready before');
    await announceDrain(t.app, 0);
    const ready = await t.api.get('/auth/health/ready/');
    expectCode(ready, 503, 'service_unavailable', 'ready while draining');
    assert.equal(ready.headers['retry-after'], '1');
    expectCode(await t.api.get('/auth/health/ready'), 503, 'service_unavailable', 'without the trailing slash');
    const live = await t.api.get('/auth/health/live/');
    assert.equal(live.status, 200, 'live while draining');
    assert.equal(live.headers.connection, 'close', 'kept-alive clients reconnect through the balancer');
    assert.equal((await t.api.login('alice')).access.length > 0, true);
    assert.equal((await t.api.get('/auth/me/', bearer(pair.access))).status, 200);
    assert.equal((await t.api.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 200);
  });
});
