// A real PgBouncer in transaction pooling mode (stock settings, 3 server connections shared by
// every client) between the service and PostgreSQL. The driver alone: without
// DATABASE_POOLER=transaction PgBouncer refuses its connections (statement_timeout at start-up);
// with it, queries of many clients share the server connections, the statement timeout still
// holds inside transactions and leaks into no other client's. Then two real instances and the
// CLI through it: the contract's main flows, logouts across instances, the throttle, a key
// rotation, the revocation feed (polling), and a burst of concurrent requests.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openRevocationFeed, type RevocationFeed } from '@auth-service/verifier';
import { parseConfig } from '../../src/config/config.js';
import { openPostgres, type PostgresOptions } from '../../src/db/drivers/postgres.js';
import { createTestDatabase } from '../helpers/databases.js';
import { bearer, expectCode, pairRefused } from '../helpers/endpoint.js';
import { FEED_TOKEN, waitFor } from '../helpers/feed.js';
import { claimsOf, headerOf } from '../helpers/http.js';
import { type Bouncer, PGBOUNCER, startPgbouncer } from '../helpers/pgbouncer.js';
import { createDeployment, type Deployment, DRIVERS, type Service } from '../helpers/process.js';

// In CI (CI=true) a missing pgbouncer or PostgreSQL fails here; locally the suite is skipped.
const runnable = DRIVERS.includes('postgres') && (Boolean(PGBOUNCER) || process.env.CI === 'true');

if (runnable) {
  describe('the PostgreSQL driver through PgBouncer (transaction pooling)', () => {
    let bouncer: Bouncer;
    let database: { url: string; drop: () => Promise<void> };
    const options = (extra: Partial<PostgresOptions>): PostgresOptions => ({
      url: bouncer.urlFor(database.url),
      poolSize: 10,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 5000,
      ...extra,
    });
    before(async () => {
      bouncer = await startPgbouncer();
      database = await createTestDatabase();
    });
    after(async () => {
      await bouncer?.close();
      await database?.drop();
    });

    test('settings: DATABASE_POOLER is none or transaction; DATABASE_LISTEN_URL only with transaction', () => {
      assert.equal(parseConfig({}).db.pooler, 'none');
      assert.throws(() => parseConfig({ DATABASE_POOLER: 'session' }), /DATABASE_POOLER/);
      assert.throws(
        () => parseConfig({ DATABASE_LISTEN_URL: 'postgres://db/auth' }),
        /DATABASE_LISTEN_URL.*DATABASE_POOLER=transaction/,
      );
      assert.throws(
        () => parseConfig({ DATABASE_POOLER: 'transaction', DATABASE_LISTEN_URL: 'mysql://db' }),
        /DATABASE_LISTEN_URL/,
      );
      const config = parseConfig({ DATABASE_POOLER: 'transaction', DATABASE_LISTEN_URL: 'postgres://db/auth' });
      assert.equal(config.db.listenUrl, 'postgres://db/auth');
    });

    test('without DATABASE_POOLER=transaction, PgBouncer refuses the connection (statement_timeout at start-up)', async () => {
      const db = openPostgres(options({ pooler: 'none' }));
      try {
        await assert.rejects(db.ping(), (err: Error & { cause?: Error }) => /statement_timeout/.test(String(err.cause?.message)));
      } finally {
        await db.close();
      }
    });

    test('with it: 200 parameterised queries from two pools over 3 server connections, none collides', async () => {
      const pools = [openPostgres(options({ pooler: 'transaction' })), openPostgres(options({ pooler: 'transaction' }))];
      try {
        const answers = await Promise.all(
          Array.from({ length: 200 }, async (_, i) => {
            const db = pools[i % 2];
            if (!db) throw new Error('no pool');
            if (i % 3 === 0)
              return db.transaction(async (tx) => (await tx.query<{ n: number }>('SELECT $1::int AS n', [i]))[0]?.n);
            const sql = i % 2 ? 'SELECT $1::int AS n' : 'SELECT $1::int + 0 AS n';
            return (await db.query<{ n: number }>(sql, [i]))[0]?.n;
          }),
        );
        assert.deepEqual(
          answers,
          Array.from({ length: 200 }, (_, i) => i),
        );
      } finally {
        for (const db of pools) await db.close();
      }
    });

    test('the statement timeout holds inside a transaction, and leaks into no other transaction', async () => {
      const db = openPostgres(options({ pooler: 'transaction', statementTimeoutMs: 300 }));
      try {
        await assert.rejects(
          db.transaction((tx) => tx.query('SELECT pg_sleep(3)')),
          (err: { code?: string }) => err.code === 'service_unavailable',
        );
        // Every server connection the pool has used, asked outside a transaction: the server default.
        const settings = await Promise.all(
          Array.from({ length: 10 }, () => db.query<{ statement_timeout: string }>('SHOW statement_timeout')),
        );
        for (const rows of settings) assert.equal(rows[0]?.statement_timeout, '0');
      } finally {
        await db.close();
      }
    });
    test('LISTEN: on DATABASE_LISTEN_URL (direct) when set, notified; without it, no listening session at all', async () => {
      const listeners = async () => {
        const rows = await direct.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'auth-service listener' AND datname = current_database()",
        );
        return rows[0]?.n;
      };
      const direct = openPostgres({ ...options({}), url: database.url });
      const polling = openPostgres(options({ pooler: 'transaction' }));
      const listening = openPostgres(options({ pooler: 'transaction', listenUrl: database.url }));
      try {
        const stopPolling = await polling.listen('pooler_test', () => {});
        assert.equal(await listeners(), 0, 'behind the pooler without a direct URL, nothing listens');
        await stopPolling();
        let notified = 0;
        const stop = await listening.listen('pooler_test', () => notified++);
        assert.equal(await listeners(), 1);
        await direct.exec('NOTIFY pooler_test');
        await waitFor('the notification', () => notified > 0);
        await stop();
      } finally {
        for (const db of [direct, polling, listening]) await db.close();
      }
    });
  });

  describe('two instances and the CLI through PgBouncer (transaction pooling, real processes)', () => {
    let bouncer: Bouncer;
    let deployment: Deployment;
    let a: Service;
    let b: Service;
    let feed: RevocationFeed | undefined;
    before(async () => {
      bouncer = await startPgbouncer();
      deployment = await createDeployment('postgres', {
        DATABASE_POOLER: 'transaction',
        REVOCATION_FEED_TOKEN: FEED_TOKEN,
        LOGIN_FREE_FAILURES: '3',
        LOGIN_BASE_DELAY: '1h',
        HASH_QUEUE_TIMEOUT: '60s',
      });
      // The service, its migrations included, and the CLI reach the database through PgBouncer only.
      deployment.env.DATABASE_URL = bouncer.urlFor(deployment.databaseUrl ?? '');
      a = await deployment.start();
      b = await deployment.start();
      for (const name of ['alice', 'bob']) {
        const created = await deployment.cli(['user', 'create', name], { input: `${name}-password-1\n` });
        assert.equal(created.code, 0, created.stderr);
      }
    });
    after(async () => {
      await feed?.close();
      await deployment?.dispose();
      await bouncer?.close();
    });

    test('login through one, me, verify and refresh through the other; a logout through one is refused by both', async () => {
      const pair = await a.login('alice');
      assert.equal((await b.get('/auth/me/', bearer(pair.access))).status, 200);
      assert.equal((await b.post('/auth/token/verify/', { token: pair.access })).status, 200);
      const refreshed = await b.post('/auth/token/refresh/', { refresh: pair.refresh });
      assert.equal(refreshed.status, 200, refreshed.raw);
      const current = { access: String(refreshed.body.access), refresh: String(refreshed.body.refresh ?? pair.refresh) };
      assert.equal((await a.post('/auth/logout/', { refresh_token: current.refresh })).status, 200);
      await pairRefused(b, current, 'the other instance');
      await pairRefused(a, current, 'the instance that logged out');
    });

    test('the throttle counts failures across both instances', async () => {
      for (const [i, service] of [a, b, a].entries()) {
        expectCode(await service.post('/auth/login/', { username: 'bob', password: 'wrong' }), 401, 'no_active_account', `${i}`);
      }
      for (const service of [a, b])
        expectCode(await service.post('/auth/login/', { username: 'bob', password: 'bob-password-1' }), 429, 'throttled');
    });

    test('keys rotate --now by the CLI: tokens with the new key are accepted by both', async () => {
      const rotated = await deployment.cli(['keys', 'rotate', '--now']);
      assert.equal(rotated.code, 0, rotated.stderr);
      const kid = /new key (\S+),/.exec(rotated.stdout)?.[1];
      for (const signer of [a, b]) {
        // Each instance signs with the new key once it has reloaded (KEY_RELOAD_INTERVAL), or at once
        // after it met the kid in a token: a token signed by the other one.
        let token = (await signer.login('alice')).access;
        while (headerOf(token).kid !== kid) {
          const other = signer === a ? b : a;
          await other.get('/auth/me/', bearer((await other.login('alice')).access));
          token = (await signer.login('alice')).access;
        }
        for (const checker of [a, b]) assert.equal((await checker.get('/auth/me/', bearer(token))).status, 200);
      }
    });

    test('the revocation feed sees a logout through the other instance (polling: no LISTEN through the pooler)', async () => {
      feed = openRevocationFeed({ url: `https://127.0.0.1:${b.port}`, ca: b.ca, token: FEED_TOKEN });
      await feed.ready();
      const pair = await a.login('alice');
      assert.equal((await a.post('/auth/logout/', { refresh_token: pair.refresh })).status, 200);
      const sid = String(claimsOf(pair.access).sid);
      await waitFor(`the feed to see ${sid}`, () => feed?.isRevoked(sid) === true);
    });

    test('60 concurrent logins, refreshes and me over both instances: all answered 200', async () => {
      const pairs = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).login('alice')));
      const statuses = await Promise.all(
        pairs.flatMap((pair, i) => [
          (i % 2 ? b : a).get('/auth/me/', bearer(pair.access)).then((res) => res.status),
          (i % 2 ? a : b).post('/auth/token/refresh/', { refresh: pair.refresh }).then((res) => res.status),
          (i % 2 ? b : a).post('/auth/token/verify/', { token: pair.access }).then((res) => res.status),
        ]),
      );
      assert.deepEqual(statuses, Array(60).fill(200));
    });
  });
}
