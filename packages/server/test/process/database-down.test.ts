// PostgreSQL going away under the real process, through a TCP proxy this test owns (the
// shared server is never touched): every endpoint that needs the database answers 503 and
// fails closed, health says not ready but alive, and the service recovers by itself.
import assert from 'node:assert/strict';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ADMIN_URL } from '../helpers/databases.js';
import type { Answer } from '../helpers/http.js';
import { createDeployment, type Deployment, DRIVERS, freePort, runMain, type Service, sleep } from '../helpers/process.js';

/**
 * Forwards 127.0.0.1:port to PostgreSQL. close() cuts every connection and refuses new ones;
 * stall() keeps connections open but forwards nothing (a database that stops answering).
 */
class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private stalled = false;
  port = 0;

  async open(): Promise<void> {
    const target = new URL(ADMIN_URL);
    this.server = createServer((client) => {
      this.track(client);
      if (this.stalled) return; // accepted, and never answered
      const upstream = createConnection(Number(target.port || 5432), target.hostname);
      this.track(upstream);
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        from.pipe(to);
        from.on('close', () => to.destroy());
      }
    });
    await new Promise<void>((resolve) => this.server?.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  stall(): void {
    this.stalled = true;
    for (const socket of this.sockets) {
      socket.unpipe();
      socket.pause();
    }
  }

  /** Ends a stall: the stalled connections are cut, new ones are forwarded again. */
  resume(): void {
    this.stalled = false;
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    const closed = new Promise((resolve) => this.server?.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }
}

function assertUnavailable(res: Answer, what: string): void {
  assert.equal(res.status, 503, `${what}: ${res.raw}`);
  assert.equal(res.body.code, 'service_unavailable', what);
  assert.equal(res.body.dependency, 'database', `${what}: names what failed`);
  assert.match(String(res.headers['retry-after']), /^\d+$/, `${what}: Retry-After`);
}

/** Polls readiness (the pool reconnects on its own); fails after about 20 s. */
async function waitUntilReady(service: Service): Promise<void> {
  let ready = await service.get('/auth/health/ready/');
  for (let attempt = 0; ready.status !== 200 && attempt < 100; attempt++) {
    await sleep(200);
    ready = await service.get('/auth/health/ready/');
  }
  assert.equal(ready.status, 200, 'ready again');
}

describe('database down (postgres, real process)', { skip: !DRIVERS.includes('postgres') && 'no PostgreSQL' }, () => {
  const proxy = new TcpProxy();
  let deployment: Deployment;
  let service: Service;
  let pair: { refresh: string; access: string };
  let fresh: { refresh: string; access: string };
  before(async () => {
    await proxy.open();
    deployment = await createDeployment('postgres');
    const created = await deployment.cli(['user', 'create', 'alice'], { input: 'alice-password-1\n' });
    assert.equal(created.code, 0, created.stderr);
    const proxied = new URL(deployment.databaseUrl as string);
    proxied.port = String(proxy.port);
    service = await deployment.start({ DATABASE_URL: proxied.toString() });
    pair = await service.login('alice');
    // Refreshed once while up, so the token's signature is already in the verified-token cache.
    assert.equal((await service.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 200);
  });
  after(async () => {
    await deployment?.dispose();
    await proxy.close();
  });

  test('while unreachable: 503 service_unavailable with Retry-After, no refresh accepted, not ready but alive', async () => {
    await proxy.close();
    assertUnavailable(await service.post('/auth/login/', { username: 'alice', password: 'alice-password-1' }), 'login');
    for (let i = 0; i < 3; i++) {
      assertUnavailable(await service.post('/auth/token/refresh/', { refresh: pair.refresh }), 'refresh');
    }
    assertUnavailable(await service.post('/auth/token/verify/', { token: pair.access }), 'verify');
    assertUnavailable(await service.get('/auth/me/', { authorization: `Bearer ${pair.access}` }), 'me');
    assertUnavailable(await service.post('/auth/logout/', { refresh_token: pair.refresh }), 'logout');
    assertUnavailable(await service.get('/auth/health/ready/'), 'ready');
    assert.equal((await service.get('/auth/health/live/')).status, 200);
    assert.equal((await service.get('/auth/.well-known/jwks.json')).status, 200, 'public keys are served from memory');
  });

  test('when the database returns, the same process recovers by itself', async () => {
    await proxy.open();
    await waitUntilReady(service);
    assert.equal((await service.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 200);
    assert.equal(
      (await service.post('/auth/logout/', { refresh_token: pair.refresh })).status,
      200,
      'the 503 logout did not happen',
    );
    assert.equal((await service.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 401);
    fresh = await service.login('alice');
    assert.match(service.output(), /database connection lost|request failed/, 'the outage was logged');
  });

  test('a database that stops answering: the answers still come (503), then it recovers', async () => {
    proxy.stall();
    // Concurrently: each may wait for DB_CONNECT_TIMEOUT or DB_STATEMENT_TIMEOUT (5 s), not forever.
    // The client gives up after 20 s, so a hang fails the test.
    const answers = await Promise.all([
      service.post('/auth/login/', { username: 'alice', password: 'alice-password-1' }),
      service.post('/auth/token/refresh/', { refresh: fresh.refresh }),
      service.post('/auth/logout/', { refresh_token: fresh.refresh }),
      service.get('/auth/health/ready/'),
    ]);
    answers.forEach((res, i) => {
      assertUnavailable(res, ['login', 'refresh', 'logout', 'ready'][i] as string);
    });
    assert.equal((await service.get('/auth/health/live/')).status, 200);
    proxy.resume();
    await waitUntilReady(service);
    assert.equal((await service.post('/auth/token/refresh/', { refresh: fresh.refresh })).status, 200);
  });

  for (const workers of ['1', '2']) {
    test(`unreachable at start (WORKERS=${workers}): exits 1 and says why`, async () => {
      const nowhere = new URL(deployment.databaseUrl as string);
      nowhere.port = String(await freePort());
      const run = await runMain({ ...deployment.env, DATABASE_URL: nowhere.toString(), WORKERS: workers, PORT: '0' });
      assert.equal(run.code, 1);
      assert.match(run.stdout + run.stderr, /could not start|ECONNREFUSED/);
      assert.doesNotMatch(run.stdout, /auth-service listening/);
    });
  }
});
