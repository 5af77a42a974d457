// The audit trail: every security event is a row saying what, who, from where, with which
// client and when; rows cannot be changed or deleted (outside the retention purge); the CLI
// query filters by user and time. And the logs never hold a password or a token.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { before, describe, test } from 'node:test';
import pino from 'pino';
import { COMMANDS } from '../src/admin/commands.js';
import type { AuditRow } from '../src/db/repos/audit-events.js';
import { anotherInstance, DRIVERS, useTestApp } from './helpers/app.js';

const CLIENT_IP = '203.0.113.7';
const USER_AGENT = 'audit-test/1.0 (+https://example.test)';
const CLI = { clientIp: 'cli', userAgent: 'auth-service cli' };

for (const driver of DRIVERS) {
  describe(`audit trail (${driver})`, () => {
    const t = useTestApp(driver, { LOGIN_FREE_FAILURES: '2', ROTATE_REFRESH_TOKENS: 'true', ROTATION_GRACE_PERIOD: '5s' });

    /** A request from one known client, so that the rows can be checked for its address and agent. */
    async function call(url: string, payload?: unknown, authorization?: string) {
      const res = await t.app.inject({
        method: 'POST',
        url,
        remoteAddress: CLIENT_IP,
        headers: {
          'user-agent': USER_AGENT,
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...(authorization ? { authorization: `Bearer ${authorization}` } : {}),
        },
        ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
      });
      return { status: res.statusCode, body: res.json() };
    }

    const login = (username: string, password = `${username}-password-1`) => call('/auth/login/', { username, password });

    /** The rows `action` added to audit_events, oldest first. */
    async function newEvents(action: () => Promise<unknown>): Promise<AuditRow[]> {
      const [{ last } = { last: '0' }] = await t.db.query<{ last: string }>(
        'SELECT coalesce(max(id), 0)::text AS last FROM audit_events',
      );
      await action();
      return t.db.query<AuditRow>(
        `SELECT id::text AS id, at, event, user_id AS "userId", username, client_ip AS "clientIp",
           user_agent AS "userAgent", details
         FROM audit_events WHERE id > $1 ORDER BY id`,
        [last],
      );
    }

    /** One row of `event`, for `who`, from the test client, stamped with the service clock. */
    function assertRow(rows: AuditRow[], event: string, who: { userId?: number | null; username?: string | null }) {
      assert.deepEqual(
        rows.map((r) => r.event),
        [event],
      );
      const row = rows[0] as AuditRow;
      if (who.userId !== undefined) assert.equal(row.userId, who.userId, event);
      if (who.username !== undefined) assert.equal(row.username, who.username, event);
      assert.equal(new Date(row.at).getTime(), t.clock.ms, `${event}: at is the time of the event`);
      return row;
    }

    function assertFromClient(row: AuditRow, client = { clientIp: CLIENT_IP, userAgent: USER_AGENT }) {
      assert.equal(row.clientIp, client.clientIp, row.event);
      assert.equal(row.userAgent, client.userAgent, row.event);
    }

    test('login succeeded and failed', async () => {
      const id = await t.user('alice');
      t.clock.advance(1000);
      const ok = await newEvents(() => login('alice'));
      assertFromClient(assertRow(ok, 'login_succeeded', { userId: id, username: 'alice' }));

      const wrong = await newEvents(() => login('alice', 'not-her-password'));
      const row = assertRow(wrong, 'login_failed', { userId: id, username: 'alice' });
      assertFromClient(row);
      assert.deepEqual(row.details, { reason: 'wrong_password' });
      assert.doesNotMatch(JSON.stringify(wrong), /not-her-password/, 'never the password');

      const unknown = await newEvents(() => login('nobody'));
      assertFromClient(assertRow(unknown, 'login_failed', { userId: null, username: 'nobody' }));
      assert.deepEqual(unknown[0]?.details, { reason: 'unknown_user' });
    });

    test('a throttled login is recorded once, not once per attempt', async () => {
      await t.user('bob');
      await login('bob', 'guess-1');
      await login('bob', 'guess-2');
      const rows = await newEvents(async () => {
        for (let i = 0; i < 5; i++) assert.equal((await login('bob', `guess-${i + 3}`)).status, 429);
      });
      const row = assertRow(rows, 'login_throttled', { username: 'bob' });
      assertFromClient(row);
      assert.equal(typeof (row.details as { retryAfterSeconds?: unknown }).retryAfterSeconds, 'number');
    });

    test('logout, logout of all sessions, refresh token reuse', async () => {
      const id = await t.user('carol');
      const first = (await login('carol')).body;
      const second = (await login('carol')).body;
      t.clock.advance(1000);
      const logout = await newEvents(() => call('/auth/logout/', { refresh_token: first.refresh }));
      assertFromClient(assertRow(logout, 'logout', { userId: id }));

      const all = await newEvents(() => call('/auth/logout/all/', undefined, second.access));
      const row = assertRow(all, 'logout_all', { userId: id });
      assertFromClient(row);
      assert.deepEqual(row.details, { sessions: 1 });

      // With rotation, a retired refresh token presented after the grace period is a stolen one.
      const third = (await login('carol')).body;
      assert.equal((await call('/auth/token/refresh/', { refresh: third.refresh })).status, 200);
      t.clock.advance(6000);
      const reuse = await newEvents(async () => {
        assert.equal((await call('/auth/token/refresh/', { refresh: third.refresh })).status, 401);
      });
      assertFromClient(assertRow(reuse, 'refresh_token_reused', { userId: id }));
    });

    test('password change, user disabled and key rotation (CLI)', async () => {
      const id = await t.user('dave');
      t.clock.advance(1000);
      const changed = await newEvents(() =>
        COMMANDS['user.set-password'].run(t.deps, { username: 'dave', password: 'a-new-secret-9' }),
      );
      assertFromClient(assertRow(changed, 'password_changed', { userId: id, username: 'dave' }), CLI);
      assert.doesNotMatch(JSON.stringify(changed), /a-new-secret-9/, 'never the password');

      const disabled = await newEvents(() => COMMANDS['user.disable'].run(t.deps, { username: 'dave' }));
      assertFromClient(assertRow(disabled, 'user_disabled', { userId: id, username: 'dave' }), CLI);

      const rotated = await newEvents(() => COMMANDS['keys.rotate'].run(t.deps, {}));
      const row = assertRow(rotated, 'key_rotated', {});
      assertFromClient(row, CLI);
      // Key ids only, never key material.
      assert.deepEqual(Object.keys(row.details ?? {}).sort(), ['immediate', 'next', 'retiring', 'signsFrom']);
    });

    test('the CLI query filters by user and time', async () => {
      const id = await t.user('erin');
      await t.user('frank');
      const early = t.clock.ms;
      await login('erin');
      await login('frank');
      t.clock.advance(3_600_000);
      const late = t.clock.ms;
      const pair = (await login('erin')).body;
      await login('erin', 'wrong-password');
      await call('/auth/logout/', { refresh_token: pair.refresh });
      await login('frank');

      const iso = (ms: number) => new Date(ms).toISOString();
      const query = (args: Record<string, string>) => COMMANDS.audit.run(t.deps, args) as Promise<AuditRow[]>;

      const recent = await query({ user: 'erin', since: iso(late - 60_000) });
      // Newest first; the logout row carries the user id only, and belongs to erin all the same.
      assert.deepEqual(
        recent.map((r) => r.event),
        ['logout', 'login_failed', 'login_succeeded'],
      );
      assert.ok(recent.every((r) => r.userId === id));
      const older = await query({ user: 'erin', until: iso(late - 60_000) });
      assert.deepEqual(
        older.map((r) => [r.event, new Date(r.at).getTime()]),
        [
          ['login_succeeded', early],
          ['user_created', early],
        ],
      );
      const failed = await query({ user: 'erin', event: 'login_failed' });
      assert.equal(failed.length, 1);
      const frank = await query({ user: 'frank', since: iso(early), until: iso(late + 1) });
      assert.deepEqual(
        frank.map((r) => r.event),
        ['login_succeeded', 'login_succeeded', 'user_created'],
      );
      assert.deepEqual(await query({ user: 'nobody-at-all' }), []);
    });

    test('rows cannot be changed or deleted, except by the retention purge', async () => {
      const count = async () => Number((await t.db.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_events'))[0]?.n);
      const before = await count();
      assert.ok(before > 0);
      await assert.rejects(t.db.query("UPDATE audit_events SET event = 'nothing happened'"), /append-only/);
      await assert.rejects(
        t.db.query("UPDATE audit_events SET client_ip = '10.0.0.1' WHERE event = 'login_failed'"),
        /append-only/,
      );
      await assert.rejects(t.db.query('DELETE FROM audit_events'), /append-only/);
      await assert.rejects(
        t.db.transaction((tx) => tx.query("DELETE FROM audit_events WHERE event = 'login_failed'")),
        /append-only/,
      );
      assert.equal(await count(), before);
      assert.equal((await t.db.query("SELECT 1 FROM audit_events WHERE event = 'nothing happened'")).length, 0);

      // Past AUDIT_RETENTION (90 days) the purge, and only the purge, removes them.
      t.clock.advance(91 * 24 * 3_600_000);
      const flushed = (await COMMANDS['tokens.flush-expired'].run(t.deps)) as { auditEvents: number };
      assert.equal(flushed.auditEvents, before);
      assert.deepEqual(
        (await t.db.query<{ event: string }>('SELECT event FROM audit_events')).map((r) => r.event),
        ['tokens_flushed'],
      );
    });
  });
}

describe('logs', () => {
  const t = useTestApp('pglite', { ACCESS_LOG: 'true', HASH_CONCURRENCY: '1', HASH_QUEUE_LIMIT: '0' });
  before(async () => {
    await t.user('alice', 'correct horse battery staple');
  });

  test('never hold a password or a token', async () => {
    // The service's app and use cases on the same database, logging everything to memory,
    // with no redaction: what is never written cannot leak.
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: 'trace' }, sink);
    const instance = await anotherInstance(t, { logger });
    const { app, deps } = instance;
    const post = async (url: string, payload: unknown, headers: Record<string, string> = {}) => {
      const res = await app.inject({
        method: 'POST',
        url,
        payload: JSON.stringify(payload),
        headers: { 'content-type': 'application/json', ...headers },
      });
      return { status: res.statusCode, body: res.json() };
    };
    try {
      const secrets = ['correct horse battery staple', 'wrong horse battery staple', 'not a json secret'];
      const pair = (await post('/auth/login/', { username: 'alice', password: secrets[0] })).body;
      assert.equal((await post('/auth/login/', { username: 'alice', password: secrets[1] })).status, 401);
      assert.equal((await post('/auth/login/', { username: 'alice', password: 1, extra: secrets[2] })).status, 400);
      const refreshed = (await post('/auth/token/refresh/', { refresh: pair.refresh })).body;
      await post('/auth/token/verify/', { token: pair.access });
      await app.inject({ method: 'GET', url: '/auth/me/', headers: { authorization: `Bearer ${pair.access}` } });
      await app.inject({ method: 'GET', url: '/auth/me/', headers: { authorization: `Bearer ${pair.access}x` } });
      assert.equal((await post('/auth/logout/', { refresh_token: pair.refresh })).status, 200);
      assert.equal((await post('/auth/logout/', { refresh_token: pair.refresh })).status, 400);
      // A 5xx is logged with its cause: it must not carry the request either.
      let release = () => {};
      const busy = deps.passwords.limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
      assert.equal((await post('/auth/login/', { username: 'alice', password: secrets[0] })).status, 503);
      release();
      await busy;

      const log = lines.join('');
      assert.ok(lines.length >= 20, `every request is logged (${lines.length} lines)`);
      assert.match(log, /"msg":"request failed"/, 'the 503 is logged');
      const tokens = [pair.access, pair.refresh, refreshed.access];
      for (const secret of [...secrets, ...tokens, ...tokens.map((token: string) => token.split('.')[2])]) {
        assert.ok(!log.includes(secret), `the log holds ${secret}`);
      }
    } finally {
      await instance.close();
    }
  });
});
