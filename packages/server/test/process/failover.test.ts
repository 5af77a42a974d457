// Database failover under the real service: a primary and a synchronous streaming standby
// (throwaway clusters), a TCP endpoint in front that the test controls (what a virtual IP,
// a DNS name or an HA manager's proxy is in a deployment). Logouts acknowledged, then the
// primary dies; meanwhile the service answers 503 naming the database; the standby is
// promoted and the endpoint pointed at it; the service recovers by itself, and every
// acknowledged logout holds on the new primary.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectCode, type TokenPair } from '../helpers/endpoint.js';
import { PG_BIN, query, type ReplicatedPair, startReplicatedPair } from '../helpers/pg-cluster.js';
import { createDeployment, type Deployment, type Service, sleep } from '../helpers/process.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

// In CI (CI=true) missing PostgreSQL server binaries fail here; locally the suite is skipped.
const runnable = Boolean(PG_BIN) || process.env.CI === 'true';
const SESSIONS = 20;

if (runnable) {
  describe('database failover: primary lost, synchronous standby promoted (real processes)', () => {
    let pair: ReplicatedPair;
    let endpoint: TcpProxy;
    let deployment: Deployment;
    let service: Service;
    before(async () => {
      pair = await startReplicatedPair();
      await query(pair.primary.url(), 'CREATE DATABASE auth');
      endpoint = await startTcpProxy(pair.primary.port);
      // 'pglite' only names the helper's flavour: DATABASE_URL points it at the endpoint.
      deployment = await createDeployment('pglite', {
        DATABASE_URL: `postgres://postgres@127.0.0.1:${endpoint.port}/auth`,
        DB_CONNECT_TIMEOUT: '1s',
        DB_STATEMENT_TIMEOUT: '2s',
      });
      service = await deployment.start();
      const created = await deployment.cli(['user', 'create', 'alice'], { input: 'alice-password-1\n' });
      assert.equal(created.code, 0, created.stderr);
    });
    after(async () => {
      await deployment?.dispose();
      await endpoint?.close();
      pair?.close();
    });

    test('503 naming the database while it is down; recovers by itself on the promoted standby; no acknowledged logout lost', async () => {
      const sessions: TokenPair[] = [];
      for (let i = 0; i < SESSIONS; i++) sessions.push(await service.login('alice'));
      const loggedOut = sessions.slice(0, SESSIONS / 2);
      for (const session of loggedOut) {
        assert.equal((await service.post('/auth/logout/', { refresh_token: session.refresh })).status, 200);
      }

      pair.primary.stop('immediate'); // the machine died: no shutdown, no last checkpoint
      const ready = await untilStatus(service, 503);
      expectCode(ready, 503, 'service_unavailable', 'ready');
      assert.match(ready.raw, /database/i);
      const login = await service.post('/auth/login/', { username: 'alice', password: 'alice-password-1' });
      expectCode(login, 503, 'service_unavailable', 'login while the database is down');
      assert.match(login.raw, /database/i);

      pair.standby.promote();
      endpoint.retarget(pair.standby.port);
      await untilStatus(service, 200);

      for (const [i, session] of loggedOut.entries()) {
        const res = await service.post('/auth/token/refresh/', { refresh: session.refresh });
        expectCode(res, 401, 'token_not_valid', `acknowledged logout ${i}, after the failover`);
      }
      for (const [i, session] of sessions.slice(SESSIONS / 2).entries()) {
        const res = await service.post('/auth/token/refresh/', { refresh: session.refresh });
        assert.equal(res.status, 200, `live session ${i}: ${res.raw}`);
      }
      assert.equal(typeof (await service.login('alice')).access, 'string', 'logins on the new primary');
      const onNew = await query<{ recovering: boolean }>(pair.standby.url('auth'), 'SELECT pg_is_in_recovery() AS recovering');
      assert.equal(onNew[0]?.recovering, false, 'the service is on the promoted standby');
    });
  });
}

/** Polls readiness until it answers `status`; returns that answer. */
async function untilStatus(service: Service, status: number) {
  for (;;) {
    const res = await service.get('/auth/health/ready/');
    if (res.status === status) return res;
    await sleep(100);
  }
}
