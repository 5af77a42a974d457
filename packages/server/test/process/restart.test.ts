// What a restart must keep: a logout stays a logout, live sessions stay live, and the signing
// key stays the same (tokens issued before the restart still verify). On PostgreSQL the
// service runs as a cluster of two workers, so the restart also goes through the primary.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createDeployment, type Deployment, DRIVERS, type Service } from '../helpers/process.js';

for (const driver of DRIVERS) {
  describe(`restart (${driver}, real process)`, () => {
    let deployment: Deployment;
    let service: Service;
    before(async () => {
      deployment = await createDeployment(driver, driver === 'postgres' ? { WORKERS: '2' } : {});
      service = await deployment.start();
      const created = await deployment.cli(['user', 'create', 'alice'], { input: 'alice-password-1\n' });
      assert.equal(created.code, 0, created.stderr);
    });
    after(() => deployment?.dispose());

    test('after SIGTERM and a new start: the logged-out refresh token is still refused, a live session still works', async () => {
      const loggedOut = await service.login('alice');
      const live = await service.login('alice');
      assert.equal((await service.post('/auth/logout/', { refresh_token: loggedOut.refresh })).status, 200);
      const jwksBefore = (await service.get('/auth/.well-known/jwks.json')).body;

      assert.equal(await service.stop('SIGTERM'), 0);
      service = await deployment.start();

      const refused = await service.post('/auth/token/refresh/', { refresh: loggedOut.refresh });
      assert.equal(refused.status, 401);
      assert.equal(refused.body.detail, 'Token is blacklisted');
      assert.equal((await service.get('/auth/me/', { authorization: `Bearer ${loggedOut.access}` })).status, 401);
      // Same signing key after the restart: the access token issued before it still verifies.
      assert.deepEqual((await service.get('/auth/.well-known/jwks.json')).body, jwksBefore);
      const me = await service.get('/auth/me/', { authorization: `Bearer ${live.access}` });
      assert.equal(me.status, 200);
      assert.equal(me.body.username, 'alice');
      assert.equal((await service.post('/auth/token/verify/', { token: live.access })).status, 200);
      assert.equal((await service.post('/auth/token/refresh/', { refresh: live.refresh })).status, 200);
      assert.equal((await service.login('alice')).refresh.split('.').length, 3);
    });

    if (driver === 'pglite') {
      test('a second process on the same DATA_DIR refuses to start while the first one runs', async () => {
        const second = deployment.start();
        await assert.rejects(second, /the embedded database is in use by process \d+/);
        // The first one was not disturbed.
        assert.equal((await service.get('/auth/health/ready/')).status, 200);
      });
    }
  });
}
