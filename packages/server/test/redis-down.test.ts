// Redis holding the throttle counters goes away (a TCP proxy the test owns between the service
// and the machine's Redis is closed): readiness and login answer 503, what does not use Redis
// keeps working, and everything recovers by itself when Redis is reachable again.
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from './helpers/app.js';

/** A TCP proxy to Redis that the test can stop and start again on the same port. */
function redisProxy() {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let port = 0;
  return {
    port: () => port,
    async start() {
      server = createServer((client) => {
        const upstream = connect(6379, '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server?.close(resolve));
    },
  };
}

describe('Redis down (throttle counters in Redis)', () => {
  const proxy = redisProxy();
  let t: TestApp;
  before(async () => {
    await proxy.start();
    t = await createTestApp('pglite', { REDIS_URL: `redis://127.0.0.1:${proxy.port()}/${process.env.TEST_REDIS_DB ?? '15'}` });
    await t.user('alice');
  });
  after(async () => {
    await t.close();
    await proxy.stop();
  });

  test('not ready and no login while Redis is gone; refresh, verify and liveness go on; recovers by itself', async () => {
    assert.equal((await t.api.get('/auth/health/ready/')).status, 200);
    const pair = await t.api.login('alice');

    await proxy.stop();
    // Both answers name Redis, not the database, which is fine: the operator looks at the right thing.
    const ready = await t.api.get('/auth/health/ready/');
    assert.equal(ready.status, 503);
    assert.equal(ready.body.code, 'service_unavailable');
    assert.equal(ready.body.dependency, 'redis');
    assert.match(String(ready.body.detail), /^Redis/);
    assert.ok(ready.headers['retry-after']);
    const login = await t.api.post('/auth/login/', { username: 'alice', password: 'alice-password-1' });
    assert.equal(login.status, 503);
    assert.equal(login.body.code, 'service_unavailable');
    assert.equal(login.body.dependency, 'redis');
    assert.match(String(login.body.detail), /^Redis/);
    assert.equal((await t.api.get('/auth/health/live/')).status, 200);
    assert.equal((await t.api.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 200);
    assert.equal((await t.api.post('/auth/token/verify/', { token: pair.access })).status, 200);

    await proxy.start();
    let status = 0;
    for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200)); // the client reconnects by itself
      status = (await t.api.get('/auth/health/ready/')).status;
    }
    assert.equal(status, 200);
    assert.equal((await t.api.post('/auth/login/', { username: 'alice', password: 'alice-password-1' })).status, 200);
  });
});
