// `import django` from a dumpdata file, and what the imported users and sessions can do after:
// ids kept, conflicts reported and never overwritten, weak hashes refused and counted, the id
// sequence moved past the imported ids, a dry run that writes nothing, a re-run that updates
// and never duplicates; the old service's refresh tokens refresh and log out their imported
// session, its blacklisted ones stay refused, its access tokens are read on /auth/me/ and
// verify, and SIMPLEJWT_SIGNING_KEY never signs. (The same against the real Django peer:
// process/simplejwt-peer.test.ts.)
import assert from 'node:assert/strict';
import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { hs256, jwt } from '@auth-service/verifier/testing';
import { COMMANDS } from '../src/admin/commands.js';
import type { ImportSummary } from '../src/auth/simplejwt/summary.js';
import { CURRENT_PREFIX } from '../src/crypto/argon2.js';
import { DRIVERS, useTestApp } from './helpers/app.js';
import { bearer, expectCode } from './helpers/endpoint.js';
import { type DumpToken, type DumpUser, newJti, simplejwtToken, writeDumpdata } from './helpers/simplejwt.js';

const LEGACY_KEY = `django-insecure-${randomBytes(24).toString('hex')}`;

function pbkdf2(password: string, iterations = 1000): string {
  const salt = randomBytes(12).toString('base64url');
  return `pbkdf2_sha256$${iterations}$${salt}$${pbkdf2Sync(password, salt, iterations, 32, 'sha256').toString('base64')}`;
}
const md5 = (password: string) => `md5$s4lt$${createHash('md5').update(`s4lt${password}`).digest('hex')}`;

const DAY = 86_400_000;

for (const driver of DRIVERS) {
  describe(`import django from a dumpdata file (${driver})`, () => {
    const t = useTestApp(driver, { SIMPLEJWT_SIGNING_KEY: LEGACY_KEY });
    const dir = mkdtempSync(join(tmpdir(), 'auth-import-'));
    const file = join(dir, 'dump.json');
    const jti = { annLive: newJti(), annBlacklisted: newJti(), ben: newJti(), eve: newJti() };
    const users: DumpUser[] = [
      { id: 5, username: 'ann', password: pbkdf2('ann-password-1') },
      { id: 7, username: 'ben', password: pbkdf2('ben-password-1') },
      { id: 9, username: 'cid', password: md5('cid-password-1') },
      { id: 10, username: 'dee', password: '!unusable0123456789012345678901234567890' },
      { id: 11, username: 'eve', password: pbkdf2('eve-password-1') },
      { id: 1, username: 'fay', password: pbkdf2('fay-password-1') },
      { id: 1000, username: 'gus', password: pbkdf2('gus-password-1', 260_000) },
    ];
    const soon = () => new Date(t.clock.ms + DAY);
    const tokens = (): DumpToken[] => [
      { pk: 1, jti: jti.annLive, user: 5, expiresAt: soon() },
      { pk: 2, jti: jti.annBlacklisted, user: 5, expiresAt: soon(), blacklistedAt: new Date(t.clock.ms - 1000) },
      { pk: 3, jti: jti.ben, user: 7, expiresAt: soon() },
      { pk: 4, jti: jti.eve, user: 11, expiresAt: soon() },
      { pk: 5, jti: newJti(), user: 5, expiresAt: new Date(t.clock.ms - 1000) },
      { pk: 6, jti: 'not-a-hex-jti', user: 5, expiresAt: soon() },
    ];
    const run = async (args: Record<string, string> = {}) =>
      (await COMMANDS['import.django'].run(t.deps, { from: file, ...args }, {})) as ImportSummary;
    const count = async (sql: string) => Number((await t.db.query<{ n: string }>(sql))[0]?.n);
    const legacy = (type: 'access' | 'refresh', userId: number, options = {}) =>
      simplejwtToken(LEGACY_KEY, type, userId, { nowS: Math.floor(t.clock.ms / 1000), ...options });

    test('before any import, a user created here takes id 1 (so that the conflicts below are real)', async () => {
      assert.equal(await t.user('eve'), 1);
      writeDumpdata(file, users, tokens());
    });

    test('--dry-run counts what a run would do and writes nothing', async () => {
      const summary = await run({ 'dry-run': 'true' });
      assert.equal(summary.dryRun, true);
      assert.equal(summary.users.imported, 5);
      assert.equal(summary.users.conflicts, 2);
      assert.equal(summary.sessions.imported, 3);
      assert.equal(await count('SELECT count(*) AS n FROM users'), 1);
      assert.equal(await count('SELECT count(*) AS n FROM sessions'), 0);
    });

    test('the import keeps ids, refuses conflicts, counts weak and unusable hashes, imports live sessions', async () => {
      const s = await run();
      assert.deepEqual(s.users, { seen: 7, imported: 5, updated: 0, unchanged: 0, conflicts: 2, keptOurs: 0, keptDisabled: 0 });
      assert.deepEqual(
        s.conflicts.map((c) => [c.id, c.username, c.reason]),
        [
          [1, 'fay', 'id 1 is "eve" here'],
          [11, 'eve', 'username exists here with id 1'],
        ],
      );
      assert.deepEqual(s.hashes, { pbkdf2_sha256: 3 });
      assert.deepEqual(s.refused, { weak: { md5: 1 }, unsupported: 0, unusable: 1 });
      assert.deepEqual(s.sessions, {
        available: true,
        seen: 5,
        imported: 3,
        blacklisted: 1,
        revokedNow: 0,
        skipped: { userNotImported: 1, badJti: 1 },
      });
      assert.equal(s.nextUserId, 1001);
      assert.equal(s.legacy.liveSessions, 2);
      const rows = await t.db.query<{ id: number; username: string }>('SELECT id, username FROM users ORDER BY id');
      assert.deepEqual(
        rows.map((r) => [r.id, r.username]),
        [
          [1, 'eve'],
          [5, 'ann'],
          [7, 'ben'],
          [9, 'cid'],
          [10, 'dee'],
          [1000, 'gus'],
        ],
      );
      // The weak hash is not kept at rest.
      assert.equal(await count(`SELECT count(*) AS n FROM users WHERE password_hash LIKE 'md5$%'`), 0);
    });

    test('a re-run duplicates nothing; user create then takes the id after the largest imported one', async () => {
      const s = await run();
      assert.equal(s.users.imported + s.users.updated, 0);
      assert.equal(s.users.unchanged, 5);
      assert.equal(s.sessions.imported, 0);
      assert.equal(await count('SELECT count(*) AS n FROM sessions'), 3);
      assert.equal(await t.user('hal'), 1001);
    });

    test('imported users log in with their Django password and get argon2id; weak and unusable never log in', async () => {
      await t.api.login('ann');
      await t.api.login('gus');
      // eve here is the user created here (her Django twin was refused): not tried.
      for (const username of ['cid', 'dee']) {
        const res = await t.api.post('/auth/login/', { username, password: `${username}-password-1` });
        expectCode(res, 401, 'no_active_account', username);
      }
      // The rehash is stored after the answer.
      for (
        let i = 0;
        i < 100 &&
        (await count(`SELECT count(*) AS n FROM users WHERE id IN (5, 1000) AND password_hash LIKE '${CURRENT_PREFIX}%'`)) < 2;
        i++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(
        await count(`SELECT count(*) AS n FROM users WHERE id IN (5, 1000) AND password_hash LIKE '${CURRENT_PREFIX}%'`),
        2,
      );
      const again = await run();
      assert.equal(again.users.keptOurs, 2, 'a re-import never puts the Django hash back');
      await t.api.login('ann');
    });

    test("the old service's refresh token refreshes here, into our access token for its imported session", async () => {
      const res = await t.api.post('/auth/token/refresh/', { refresh: legacy('refresh', 5, { jti: jti.annLive }) });
      assert.equal(res.status, 200, res.raw);
      const access = res.body.access as string;
      assert.match(JSON.parse(Buffer.from(access.split('.')[0] as string, 'base64url').toString()).kid, /./);
      assert.deepEqual((await t.api.get('/auth/me/', bearer(access))).body, { id: 5, username: 'ann' });
      assert.equal((await t.api.post('/auth/token/verify/', { token: legacy('refresh', 5, { jti: jti.annLive }) })).status, 200);
    });

    test("the old service's access token works on /auth/me/ and verify while its user has a live imported session", async () => {
      const access = legacy('access', 5);
      assert.deepEqual((await t.api.get('/auth/me/', bearer(access))).body, { id: 5, username: 'ann' });
      assert.equal((await t.api.post('/auth/token/verify/', { token: access })).status, 200);
      // gus has no imported session: an old access token for him is not honoured.
      expectCode(await t.api.get('/auth/me/', bearer(legacy('access', 1000))), 401, 'token_not_valid', 'gus');
      // A refresh token as Bearer is the wrong type, as at the old service.
      const wrong = await t.api.get('/auth/me/', bearer(legacy('refresh', 5, { jti: jti.annLive })));
      expectCode(wrong, 401, 'token_not_valid', 'refresh as bearer');
    });

    test('a token blacklisted there stays refused here; logout here ends an imported session', async () => {
      const blacklisted = legacy('refresh', 5, { jti: jti.annBlacklisted });
      const res = await t.api.post('/auth/token/refresh/', { refresh: blacklisted });
      expectCode(res, 401, 'token_not_valid', 'blacklisted');
      assert.equal(res.body.detail, 'Token is blacklisted');
      expectCode(await t.api.post('/auth/logout/', { refresh_token: blacklisted }), 400, 'logout_failed', 'logout blacklisted');
      const ben = legacy('refresh', 7, { jti: jti.ben });
      assert.equal((await t.api.post('/auth/logout/', { refresh_token: ben })).status, 200);
      expectCode(await t.api.post('/auth/token/refresh/', { refresh: ben }), 401, 'token_not_valid', 'after logout');
      expectCode(await t.api.post('/auth/logout/', { refresh_token: ben }), 400, 'logout_failed', 'second logout');
      // ben has no live imported session left: his old access tokens end too.
      expectCode(await t.api.get('/auth/me/', bearer(legacy('access', 7))), 401, 'token_not_valid', 'ben access');
    });

    test('the attacker with an old-format token: unknown jti, other key, our header or claims, a long life', async () => {
      const forged = [
        ['unknown jti', legacy('refresh', 5)],
        ['jti of another user', legacy('refresh', 7, { jti: jti.annLive })],
        ['other key', simplejwtToken('another-key', 'refresh', 5, { jti: jti.annLive })],
        ['with a kid', legacy('refresh', 5, { jti: jti.annLive, header: { alg: 'HS256', typ: 'JWT', kid: 'x' } })],
        [
          'alg none',
          `${legacy('refresh', 5, { jti: jti.annLive, header: { alg: 'none' } })
            .split('.')
            .slice(0, 2)
            .join('.')}.`,
        ],
        ['with a sid', legacy('refresh', 5, { jti: jti.annLive, extra: { sid: '00000000-0000-4000-8000-000000000000' } })],
        ['expired', legacy('refresh', 5, { jti: jti.annLive, nowS: Math.floor(t.clock.ms / 1000) - 2 * 86_400 })],
      ] as const;
      for (const [what, token] of forged) {
        expectCode(await t.api.post('/auth/token/refresh/', { refresh: token }), 401, 'token_not_valid', what);
      }
      const longLived = legacy('access', 5, { ttlS: 86_400 });
      expectCode(await t.api.get('/auth/me/', bearer(longLived)), 401, 'token_not_valid', 'access living a day');
      const hs = jwt(
        { alg: 'HS256', typ: 'JWT' },
        { token_type: 'access', exp: 1, iat: 1, jti: newJti(), user_id: 5 },
        hs256(LEGACY_KEY),
      );
      expectCode(await t.api.get('/auth/me/', bearer(hs)), 401, 'token_not_valid', 'expired access');
    });

    test('SIMPLEJWT_SIGNING_KEY never signs: our tokens do not verify with it', async () => {
      const pair = await t.api.login('ann');
      for (const token of [pair.access, pair.refresh]) {
        const [header, payload, sig] = token.split('.') as [string, string, string];
        assert.notEqual(hs256(LEGACY_KEY)(`${header}.${payload}`).toString('base64url'), sig);
        assert.notEqual(JSON.parse(Buffer.from(header, 'base64url').toString()).alg, 'HS256');
      }
    });

    test('a re-import revokes what was blacklisted there since, disables who was disabled there, never un-revokes', async () => {
      writeDumpdata(
        file,
        users.map((u) => (u.username === 'gus' ? { ...u, isActive: false } : u)),
        tokens().map((tk) =>
          tk.pk === 1 ? { ...tk, blacklistedAt: new Date(t.clock.ms) } : tk.pk === 2 ? { ...tk, blacklistedAt: undefined } : tk,
        ),
      );
      const s = await run();
      assert.equal(s.sessions.revokedNow, 1);
      assert.equal(s.users.updated, 1);
      expectCode(
        await t.api.post('/auth/token/refresh/', { refresh: legacy('refresh', 5, { jti: jti.annLive }) }),
        401,
        'token_not_valid',
        'A1',
      );
      expectCode(
        await t.api.post('/auth/token/refresh/', { refresh: legacy('refresh', 5, { jti: jti.annBlacklisted }) }),
        401,
        'token_not_valid',
        'A2',
      );
      expectCode(
        await t.api.post('/auth/login/', { username: 'gus', password: 'gus-password-1' }),
        401,
        'no_active_account',
        'gus',
      );
    });
  });
}

describe('an imported session with rotation on', () => {
  const t = useTestApp('pglite', { SIMPLEJWT_SIGNING_KEY: LEGACY_KEY, ROTATE_REFRESH_TOKENS: 'true' });
  test('its first refresh hands out our refresh token; a retry within the grace period gets the same; it stops counting as imported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-import-rot-'));
    const jti = newJti();
    writeDumpdata(
      join(dir, 'dump.json'),
      [{ id: 3, username: 'ann', password: pbkdf2('ann-password-1') }],
      [{ pk: 1, jti, user: 3, expiresAt: new Date(t.clock.ms + DAY) }],
    );
    const summary = (await COMMANDS['import.django'].run(t.deps, { from: join(dir, 'dump.json') }, {})) as ImportSummary;
    assert.equal(summary.legacy.liveSessions, 1);
    const old = simplejwtToken(LEGACY_KEY, 'refresh', 3, { jti, nowS: Math.floor(t.clock.ms / 1000) });
    const first = await t.api.post('/auth/token/refresh/', { refresh: old });
    assert.equal(first.status, 200, first.raw);
    const retry = await t.api.post('/auth/token/refresh/', { refresh: old });
    assert.equal(retry.body.refresh, first.body.refresh);
    assert.equal((await t.api.post('/auth/token/refresh/', { refresh: first.body.refresh })).status, 200);
    const left = Number(
      (await t.db.query<{ n: string }>('SELECT count(*) AS n FROM sessions WHERE imported_from IS NOT NULL'))[0]?.n,
    );
    assert.equal(left, 0, 'rotated: the session is ours now');
  });
});

describe('import django refuses a source it cannot read, saying why, writing nothing', () => {
  const t = useTestApp('pglite');
  const dir = mkdtempSync(join(tmpdir(), 'auth-import-bad-'));
  const run = (from: string) => COMMANDS['import.django'].run(t.deps, { from }, {});
  test('a missing file, a file that is not a dumpdata list, a user entry without a password, an unreachable database', async () => {
    await assert.rejects(run(join(dir, 'nope.json')), /cannot read .*nope\.json as a dumpdata JSON file/);
    writeFileSync(join(dir, 'object.json'), '{"model": "auth.user"}');
    await assert.rejects(run(join(dir, 'object.json')), /is not a dumpdata JSON file/);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ model: 'auth.user', pk: 1, fields: { username: 'x' } }]));
    await assert.rejects(run(join(dir, 'bad.json')), /auth\.user entry 0: needs an integer pk, a username and a password/);
    await assert.rejects(run('postgres://nobody:secret@127.0.0.1:1/django'), (err: Error) => {
      assert.match(err.message, /cannot read the Django database postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/django/);
      assert.doesNotMatch(err.message, /secret/);
      return true;
    });
    await assert.rejects(COMMANDS['import.django'].run(t.deps, {}, {}), /from: This field is required/);
    assert.equal(Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM users'))[0]?.n), 0);
  });
});

describe('without SIMPLEJWT_SIGNING_KEY', () => {
  const t = useTestApp('pglite');
  test("the old service's tokens are refused", async () => {
    await t.user('ann');
    const token = simplejwtToken(LEGACY_KEY, 'access', 1);
    expectCode(await t.api.get('/auth/me/', bearer(token)), 401, 'token_not_valid', 'me');
    expectCode(
      await t.api.post('/auth/token/refresh/', { refresh: simplejwtToken(LEGACY_KEY, 'refresh', 1) }),
      401,
      'token_not_valid',
      'refresh',
    );
  });
});
