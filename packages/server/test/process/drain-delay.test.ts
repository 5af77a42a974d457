// SIGTERM with SHUTDOWN_DRAIN_DELAY: the real process keeps serving while its readiness says
// 503 (what takes it out of a balancer), then drains and exits 0; SIGINT does not wait.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer } from '../helpers/endpoint.js';
import { connectionRefused, createDeployment, type Deployment, DRIVERS, sleep } from '../helpers/process.js';

describe('drain delay (real process)', () => {
  let deployment: Deployment;
  before(async () => {
    deployment = await createDeployment('pglite');
    const created = await deployment.cli(['user', 'create', 'alice'], { input: 'alice-password-1\n' });
    assert.equal(created.code, 0, created.stderr);
  });
  after(() => deployment?.dispose());

  test('SIGTERM: readiness 503 while logins, refreshes and me are answered; then exit 0 and the port closes', async () => {
    // Long enough for the requests below on a busy machine; the test waits for the exit anyway.
    const service = await deployment.start({ SHUTDOWN_DRAIN_DELAY: '8s' });
    const pair = await service.login('alice');
    const exit = service.stop('SIGTERM');
    while ((await service.get('/auth/health/ready/')).status === 200) await sleep(20);
    const ready = await service.get('/auth/health/ready/');
    assert.equal(ready.status, 503);
    assert.equal(ready.body.code, 'service_unavailable');
    assert.equal((await service.get('/auth/me/', bearer(pair.access))).status, 200);
    assert.equal((await service.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 200);
    assert.equal(typeof (await service.login('alice')).access, 'string');
    assert.match(service.output(), /draining: readiness answers 503/);
    assert.equal(await exit, 0);
    assert.equal(await connectionRefused(service.port), 'ECONNREFUSED');
  });

  test('SIGINT: no delay, the drain begins at once', async () => {
    const service = await deployment.start({ SHUTDOWN_DRAIN_DELAY: '1h', SHUTDOWN_TIMEOUT: '30s' });
    assert.equal(await service.stop('SIGINT'), 0);
    assert.doesNotMatch(service.output(), /draining: readiness answers 503/);
  });
});

if (DRIVERS.includes('postgres')) {
  describe('drain delay in a cluster of workers (postgres, real process)', () => {
    let deployment: Deployment;
    before(async () => {
      deployment = await createDeployment('postgres');
      const created = await deployment.cli(['user', 'create', 'alice'], { input: 'alice-password-1\n' });
      assert.equal(created.code, 0, created.stderr);
    });
    after(() => deployment?.dispose());

    test('SIGTERM to the primary: every worker answers readiness 503 and serves on, then all exit', async () => {
      const service = await deployment.start({ WORKERS: '2', SHUTDOWN_DRAIN_DELAY: '8s' });
      // Ready means one worker answers; the signal must find both of them serving.
      await service.waitForOutput(/"msg":"auth-service listening"/, 2);
      const pair = await service.login('alice');
      const exit = service.stop('SIGTERM');
      // Fresh connections: the primary hands them to the workers in turn, so both answer here.
      const answers: number[] = [];
      while (answers.filter((status) => status === 503).length < 4) {
        answers.push((await service.get('/auth/health/ready/', { connection: 'close' })).status);
      }
      assert.equal((await service.get('/auth/me/', bearer(pair.access))).status, 200);
      await service.waitForOutput(/draining: readiness answers 503/, 2);
      assert.equal(await exit, 0);
      assert.equal(await connectionRefused(service.port), 'ECONNREFUSED');
    });
  });
}
