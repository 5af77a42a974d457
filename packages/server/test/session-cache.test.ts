// The session cache (auth/session-cache.ts), on both databases: a checked state is answered from
// memory, and forgotten the moment the database announces a change; a read that crosses a
// change does not fill it; it is bypassed while its LISTEN is down and emptied when it comes
// back; entries expire after SESSION_CACHE_TTL; a change too long to list empties it; with the
// cache warm in two instances, a logout through one is refused by the other at once, round
// after round; SESSION_CACHE_TTL=0 reads the database on every check.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, describe, test } from 'node:test';
import { CLI_CONTEXT } from '../src/auth/context.js';
import { SESSION_CHANGES_CHANNEL, SessionCache } from '../src/auth/session-cache.js';
import { LIVENESS_MS } from '../src/auth/session-cache-members.js';
import { revokeSessionById } from '../src/auth/sessions.js';
import { disableUser } from '../src/auth/users.js';
import { openPostgres } from '../src/db/drivers/postgres.js';
import type { Database } from '../src/db/port.js';
import { SILENT_LOGGER } from '../src/logger.js';
import { openRuntime } from '../src/runtime.js';
import { anotherInstance, DRIVERS, type TestApp, useTestApp } from './helpers/app.js';
import { bearer, type Endpoint, expectCode, injectEndpoint, pairRefused, type TokenPair } from './helpers/endpoint.js';
import { sleep } from './helpers/process.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const TRIGGER = 'sessions_announce_changes';

const login = (t: TestApp, username: string): Promise<TokenPair> => t.api.login(username);

const sidOf = (token: string): string => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).sid;

/** Writes revoked_at behind the service's back, with the announcing trigger off: only a cache still says "live". */
async function revokeUnannounced(db: Database, sessionId: string): Promise<void> {
  await db.exec(`ALTER TABLE sessions DISABLE TRIGGER ${TRIGGER}`);
  try {
    await db.query('UPDATE sessions SET revoked_at = now() WHERE id = $1', [sessionId]);
  } finally {
    await db.exec(`ALTER TABLE sessions ENABLE TRIGGER ${TRIGGER}`);
  }
}

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 5000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) assert.fail(`timed out: ${what}`);
    await sleep(5);
  }
  return Date.now() - started;
}

/** The cache serves once its own heartbeat has come back (shortly after start). */
const serving = (t: TestApp) => until(() => t.deps.sessionCache.serving, 'the cache serves');

const meStatus = async (api: Endpoint, pair: TokenPair) => (await api.get('/auth/me/', bearer(pair.access))).status;

for (const driver of DRIVERS) {
  describe(`session cache (${driver})`, () => {
    const t = useTestApp(driver);

    test('a state checked once is answered from memory: a change nobody announced goes unseen', async () => {
      await t.user('ann');
      const pair = await login(t, 'ann');
      await serving(t);
      assert.equal(await meStatus(t.api, pair), 200);
      await revokeUnannounced(t.db, sidOf(pair.access));
      // The row says revoked, and nothing told the cache: it answers from memory. This is the
      // failure the triggers exist to prevent; every test below goes through them.
      assert.equal(await meStatus(t.api, pair), 200, 'answered from the cache');
      // Any announced change of the session (here: revoked_at written again) is heard.
      await t.db.query("UPDATE sessions SET revoked_at = revoked_at + interval '1 second' WHERE id = $1", [sidOf(pair.access)]);
      await until(async () => (await meStatus(t.api, pair)) === 401, 'the announced change is heard');
      await pairRefused(t.api, pair, 'after the announcement');
    });

    test('with the cache warm, every way of ending a session is refused by the very next check', async () => {
      await t.user('bea');
      await serving(t);
      const check = async (pair: TokenPair) => {
        assert.equal(await meStatus(t.api, pair), 200);
        const verified = await t.api.post('/auth/token/verify/', { token: pair.refresh });
        assert.equal(verified.status, 200);
        assert.equal((await t.api.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 200);
      };
      const logout = await login(t, 'bea');
      await check(logout);
      assert.equal((await t.api.post('/auth/logout/', { refresh_token: logout.refresh })).status, 200);
      await pairRefused(t.api, logout, 'logout');

      const [one, two] = [await login(t, 'bea'), await login(t, 'bea')];
      await check(one);
      await check(two);
      assert.equal((await t.api.post('/auth/logout/all/', {}, bearer(one.access))).status, 200);
      await pairRefused(t.api, one, 'logout/all, own session');
      await pairRefused(t.api, two, 'logout/all, other session');

      const [mine, other] = [await login(t, 'bea'), await login(t, 'bea')];
      await check(other);
      const ended = await t.api.request('DELETE', `/auth/sessions/${sidOf(other.access)}/`, undefined, bearer(mine.access));
      assert.equal(ended.status, 200, ended.raw);
      await pairRefused(t.api, other, 'DELETE /auth/sessions/{id}/');

      const changed = await t.api.post(
        '/auth/password/change/',
        { old_password: 'bea-password-1', new_password: 'bea-password-2-longer' },
        bearer(mine.access),
      );
      assert.equal(changed.status, 200, changed.raw);
      const survivor = await t.api.login('bea', 'bea-password-2-longer');
      await check(survivor);
      // An operator disabling the user (the CLI is another process on PostgreSQL): heard.
      await disableUser(t.deps, 'bea', CLI_CONTEXT);
      await until(async () => (await meStatus(t.api, survivor)) === 401, 'the disabled user is heard');
      expectCode(await t.api.get('/auth/me/', bearer(survivor.access)), 401, 'user_inactive');
    });

    test('a read that crosses an announced change does not fill the cache', async () => {
      await t.user('cid');
      await serving(t);
      const pair = await login(t, 'cid');
      const sid = sidOf(pair.access);
      // A second cache on the same database, whose reads are held until the test lets them go.
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let held = 0;
      const slow: Database = {
        ...t.db,
        async query(sql, params) {
          const rows = await t.db.query(sql, params);
          if (held++ === 0) await gate;
          return rows as never;
        },
      };
      const cache = new SessionCache({ db: t.db, log: SILENT_LOGGER }, { ttlMs: 60_000, maxEntries: 100 });
      await cache.start();
      try {
        await until(() => cache.serving, 'listening');
        const first = cache.state(slow, sid); // reads "live", then waits at the gate
        await until(() => held > 0, 'the read is in flight');
        await t.api.post('/auth/logout/', { refresh_token: pair.refresh });
        // The logout's own process has heard it back; give this listener the same chance.
        await sleep(100);
        release();
        assert.equal((await first)?.revokedAt, null, 'the held read saw the session before the logout');
        const next = await cache.state(t.db, sid);
        assert.ok(next?.revokedAt, 'the next check reads again instead of the stale answer');
      } finally {
        await cache.close();
      }
    });

    test('a live session deleted by hand is announced too', async () => {
      await t.user('del');
      await serving(t);
      const pair = await login(t, 'del');
      assert.equal(await meStatus(t.api, pair), 200);
      await t.db.query('DELETE FROM sessions WHERE id = $1', [sidOf(pair.access)]);
      // Well inside SESSION_CACHE_TTL (5 s): forgotten because it was announced, not because it expired.
      await until(async () => (await meStatus(t.api, pair)) === 401, 'the deletion is heard', 2000);
    });

    test('a change too long to list in a notification empties the cache', async () => {
      await t.user('dan');
      await serving(t);
      await t.user('dee');
      const pair = await login(t, 'dan');
      const other = await login(t, 'dee'); // another user's: only an announcement of everything reaches it
      assert.equal(await meStatus(t.api, other), 200);
      const heard: string[] = [];
      const stop = await t.db.listen(SESSION_CHANGES_CHANNEL, (payload) => heard.push(payload));
      try {
        // 300 more sessions of dan: logout/all revokes them in one statement, too many ids to list.
        await t.db.query(
          `INSERT INTO sessions (id, user_id, refresh_jti, created_at, expires_at)
           SELECT gen_random_uuid(), (SELECT id FROM users WHERE username = 'dan'), gen_random_uuid(), now(), now() + interval '1 day'
           FROM generate_series(1, 300)`,
        );
        const cached = t.deps.sessionCache.size;
        assert.ok(cached > 0);
        await revokeUnannounced(t.db, sidOf(other.access)); // only '*' can make the cache forget this one
        assert.equal((await t.api.post('/auth/logout/all/', {}, bearer(pair.access))).status, 200);
        await until(() => heard.includes('*'), 'the announcement is "*"');
        assert.equal(await meStatus(t.api, other), 401, 'forgotten with everything else');
      } finally {
        await stop();
      }
    });
  });

  describe(`session cache, SESSION_CACHE_TTL=300ms (${driver})`, () => {
    const t = useTestApp(driver, { SESSION_CACHE_TTL: '300ms' });

    test('an entry is read again once it is older than SESSION_CACHE_TTL', async () => {
      await t.user('eve');
      await serving(t);
      const pair = await login(t, 'eve');
      assert.equal(await meStatus(t.api, pair), 200);
      await revokeUnannounced(t.db, sidOf(pair.access));
      const waited = await until(async () => (await meStatus(t.api, pair)) === 401, 'the entry expires', 3000);
      assert.ok(waited <= 1500, `refused ${waited} ms after an unannounced change`);
    });
  });

  describe(`session cache off, SESSION_CACHE_TTL=0 (${driver})`, () => {
    const t = useTestApp(driver, { SESSION_CACHE_TTL: '0' });

    test('every check reads the database', async () => {
      await t.user('fay');
      const pair = await login(t, 'fay');
      assert.equal(t.deps.sessionCache.serving, false);
      assert.equal(await meStatus(t.api, pair), 200);
      await revokeUnannounced(t.db, sidOf(pair.access));
      assert.equal(await meStatus(t.api, pair), 401, 'seen at once without any announcement');
    });
  });
}

if (DRIVERS.includes('postgres')) {
  describe('session cache across instances (postgres)', () => {
    const t = useTestApp('postgres');

    test('warm in both instances: 20 logouts through one, each refused by the other at once', async () => {
      await t.user('gus');
      const other = await anotherInstance(t);
      const there = injectEndpoint(other.app);
      try {
        await until(() => other.deps.sessionCache.serving, 'the other cache serves');
        for (let round = 0; round < 20; round++) {
          const pair = await login(t, 'gus');
          assert.equal(await meStatus(there, pair), 200);
          assert.equal((await there.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 200);
          assert.equal((await t.api.post('/auth/logout/', { refresh_token: pair.refresh })).status, 200);
          await pairRefused(there, pair, `round ${round}`);
        }
      } finally {
        await other.close();
      }
    });

    test('a revocation by a process that does not listen (the CLI) returns once no cache can still serve it', async () => {
      await t.user('jon');
      const other = await anotherInstance(t);
      const there = injectEndpoint(other.app);
      const cli = await openRuntime(t.config, {
        log: SILENT_LOGGER,
        database: openPostgres({ url: t.config.databaseUrl ?? '', ...t.config.db }),
      });
      try {
        await until(() => other.deps.sessionCache.serving, 'the other cache serves');
        const pair = await login(t, 'jon');
        assert.equal(await meStatus(there, pair), 200);
        const started = performance.now();
        await revokeSessionById(cli, sidOf(pair.access), CLI_CONTEXT);
        // It cannot hear acks, and processes listen: it waited the liveness window out.
        assert.ok(performance.now() - started >= LIVENESS_MS - 50, 'waited for the liveness window');
        await pairRefused(there, pair, 'after the CLI returned');
      } finally {
        await cli.close();
        await other.close();
      }
    });

    test('its LISTEN lost: the cache is bypassed at once, and empty when the LISTEN is back', async () => {
      await t.user('hal');
      await serving(t);
      const pair = await login(t, 'hal');
      assert.equal(await meStatus(t.api, pair), 200);
      assert.ok(t.deps.sessionCache.size > 0);
      await t.db.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'auth-service listener' AND datname = current_database()",
      );
      await until(() => !t.deps.sessionCache.serving, 'the loss is noticed');
      // Revoked while nobody listens (and unannounced on top): only a bypassed cache sees it.
      await revokeUnannounced(t.db, sidOf(pair.access));
      assert.equal(await meStatus(t.api, pair), 401, 'read from the database');
      await until(() => t.deps.sessionCache.serving, 'the LISTEN is back');
      assert.equal(t.deps.sessionCache.size, 0, 'nothing from before survives');
      assert.equal(await meStatus(t.api, pair), 401);
    });
  });
}

if (DRIVERS.includes('postgres')) {
  describe('session cache, its LISTEN connection gone silent (postgres)', () => {
    // The LISTEN goes through a relay that the test silences (a half-open connection: no error,
    // no end); queries go direct (DATABASE_LISTEN_URL is the separate URL for LISTEN).
    let proxy: TcpProxy;
    const t = useTestApp('postgres', {}, undefined, async (url) => {
      proxy = await startTcpProxy(Number(new URL(url).port || 5432));
      const listen = new URL(url);
      listen.port = String(proxy.port);
      return { DATABASE_POOLER: 'transaction', DATABASE_LISTEN_URL: listen.toString() };
    });
    after(() => proxy?.close());

    test('the heartbeat stops coming back: the cache stops serving, then reopens its LISTEN', async () => {
      await t.user('ida');
      await serving(t);
      const pair = await login(t, 'ida');
      assert.equal(await meStatus(t.api, pair), 200);
      proxy.silence();
      await until(() => !t.deps.sessionCache.serving, 'the silence is noticed', 10_000);
      await revokeUnannounced(t.db, sidOf(pair.access));
      assert.equal(await meStatus(t.api, pair), 401, 'read from the database');
      await until(() => t.deps.sessionCache.serving, 'a new LISTEN', 10_000);
      assert.equal(await meStatus(t.api, pair), 401);
    });
  });
}
