// Lifecycle of users, sessions and keys: disabling, password changes, logout of every
// session, refresh-token rotation and reuse, signing-key rotation, and the purge of expired
// sessions. Two apps per driver (apps are costly on a busy machine): the default one, and one
// with rotation and key encryption on. Tests that move the clock come last in their app.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CLI_CONTEXT } from '../src/auth/context.js';
import { listKeys, rotateKeys } from '../src/auth/keys/operations.js';
import { flushExpired } from '../src/auth/maintenance.js';
import { openSession } from '../src/auth/session.js';
import { disableUser, enableUser, setPassword } from '../src/auth/users.js';
import { createTestApp, DRIVERS, type TestApp } from './helpers/app.js';
import { bearer, type Endpoint, expectCode, pairAccepted, pairRefused, type TokenPair } from './helpers/endpoint.js';
import { claimsOf, headerOf } from './helpers/http.js';

async function sessionCount(t: TestApp, userId?: number): Promise<number> {
  const rows = await t.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM sessions WHERE ($1::int IS NULL OR user_id = $1::int)',
    [userId ?? null],
  );
  return rows[0]?.n ?? 0;
}

async function jwksKids(api: Endpoint): Promise<string[]> {
  const res = await api.get('/auth/.well-known/jwks.json');
  assert.equal(res.status, 200);
  return (res.body.keys as { kid: string }[]).map((k) => k.kid).sort();
}

for (const driver of DRIVERS) {
  describe(`lifecycle (${driver})`, () => {
    let t: TestApp;
    const refreshLifetimeMs = 60_000;
    const leewayMs = 5000;
    const batchSize = 7;

    before(async () => {
      t = await createTestApp(driver, {
        ACCESS_TOKEN_LIFETIME: '30s',
        REFRESH_TOKEN_LIFETIME: '60s',
        TOKEN_LEEWAY: '5s',
        PURGE_BATCH_SIZE: String(batchSize),
      });
    });
    after(() => t.close());

    test('a disabled user cannot log in, refresh, verify or use /auth/me/; enabled again, can', async () => {
      await t.user('dave');
      const pair = await t.api.login('dave');
      assert.equal(await disableUser(t.deps, 'dave', CLI_CONTEXT), 1);

      expectCode(
        await t.api.post('/auth/login/', { username: 'dave', password: 'dave-password-1' }),
        401,
        'no_active_account',
        'login',
      );
      await pairRefused(t.api, pair, 'disabled user', 'user_inactive');

      await enableUser(t.deps, 'dave', CLI_CONTEXT);
      await pairAccepted(t.api, await t.api.login('dave'), 'new login after enable');
      // Disabling ended the sessions: enabling does not bring back tokens issued before.
      await pairRefused(t.api, pair, 'tokens from before the disable');
    });

    test('a password change revokes every session of that user only', async () => {
      await t.user('carol');
      await t.user('bob');
      const carol = [await t.api.login('carol'), await t.api.login('carol')];
      const bob = await t.api.login('bob');

      assert.equal(await setPassword(t.deps, 'carol', 'carol-new-password-2', CLI_CONTEXT), 2);
      for (const pair of carol) await pairRefused(t.api, pair, 'session from before the password change');
      await pairAccepted(t.api, bob, 'another user');
      expectCode(
        await t.api.post('/auth/login/', { username: 'carol', password: 'carol-password-1' }),
        401,
        'no_active_account',
        'old password',
      );
      await pairAccepted(t.api, await t.api.login('carol', 'carol-new-password-2'), 'login with the new password');
    });

    test('logout/all revokes every session of the caller, and only theirs', async () => {
      await t.user('erin');
      await t.user('frank');
      const erin = [await t.api.login('erin'), await t.api.login('erin'), await t.api.login('erin')];
      const frank = await t.api.login('frank');

      const res = await t.api.post('/auth/logout/all/', {}, bearer(erin[1]?.access as string));
      assert.equal(res.status, 200, res.raw);
      assert.deepEqual(res.body, { message: 'Logged out of all sessions', sessions_revoked: 3 });
      for (const pair of erin) await pairRefused(t.api, pair, 'session ended by logout/all');
      await pairAccepted(t.api, frank, 'another user');
      // The account itself is untouched.
      await pairAccepted(t.api, await t.api.login('erin'), 'new login');
    });

    test('without rotation, refresh answers only an access token and the refresh token stays usable', async () => {
      await t.user('nora');
      const pair = await t.api.login('nora');
      for (let i = 0; i < 2; i++) {
        const res = await t.api.post('/auth/token/refresh/', { refresh: pair.refresh });
        assert.equal(res.status, 200, res.raw);
        assert.deepEqual(Object.keys(res.body), ['access']);
        assert.equal(claimsOf(res.body.access as string).sid, claimsOf(pair.refresh).sid);
      }
    });

    test('signing keys are stored as plain JWK without KEY_ENCRYPTION_SECRET', async () => {
      const rows = await t.db.query<{ private_jwk: string }>('SELECT private_jwk FROM signing_keys');
      assert.equal(rows.length, 1);
      const jwk = JSON.parse(rows[0]?.private_jwk as string);
      assert.equal(jwk.kty, 'EC');
      assert.equal(typeof jwk.d, 'string');
      assert.deepEqual(
        (await listKeys(t.deps)).map((k) => k.encrypted),
        [false],
      );
    });

    describe('purge of expired sessions', () => {
      /** A session opened directly by the use case (no login, no hashing: fast). */
      async function sessionOf(id: number): Promise<TokenPair> {
        const [user] = await t.db.query<{ hash: string }>('SELECT password_hash AS hash FROM users WHERE id = $1', [id]);
        const pair = await openSession(t.deps, { id, passwordHash: user?.hash ?? '' });
        assert.ok(pair, 'session opened');
        return pair;
      }

      /** Moves past every session so far and purges them: each test starts from an empty table. */
      async function emptySessions() {
        t.clock.advance(refreshLifetimeMs + leewayMs + 1000);
        await flushExpired(t.deps, CLI_CONTEXT);
        assert.equal(await sessionCount(t), 0);
      }

      test('flushExpired deletes expired sessions in batches, keeps those within the leeway and live ones', async () => {
        await emptySessions();
        const id = await t.user('olga');
        const old: TokenPair[] = [];
        for (let i = 0; i < 30; i++) old.push(await sessionOf(id));

        // Expired, but a token is still accepted within the leeway: its row must stay.
        t.clock.advance(refreshLifetimeMs + leewayMs - 2000);
        assert.equal((await flushExpired(t.deps, CLI_CONTEXT)).sessions, 0);
        assert.equal((await t.api.post('/auth/token/refresh/', { refresh: old[0]?.refresh })).status, 200);

        t.clock.advance(3000);
        const live: TokenPair[] = [];
        for (let i = 0; i < 5; i++) live.push(await sessionOf(id));
        assert.equal((await flushExpired(t.deps, CLI_CONTEXT, 2)).sessions, 2 * batchSize, 'two batches at most');
        assert.equal(await sessionCount(t, id), 35 - 2 * batchSize);
        assert.equal((await flushExpired(t.deps, CLI_CONTEXT)).sessions, 30 - 2 * batchSize);
        assert.equal(await sessionCount(t, id), 5);
        for (const pair of live) await pairAccepted(t.api, pair, 'live session after the purge');
      });

      test('under a stream of logins with a periodic purge, the sessions table stays bounded', async () => {
        await emptySessions();
        await t.user('stream');
        const logins = 200;
        const stepMs = 1000;
        const flushEvery = 10;
        // Rows kept: those expiring after now - leeway, i.e. about (lifetime + leeway) / step,
        // plus the logins since the last purge (one more each way for whole-second exp).
        const bound = (refreshLifetimeMs + leewayMs) / stepMs + flushEvery + 2;
        let peak = 0;
        let purged = 0;
        for (let i = 1; i <= logins; i++) {
          await t.api.login('stream');
          t.clock.advance(stepMs);
          if (i % flushEvery === 0) {
            peak = Math.max(peak, await sessionCount(t));
            purged += (await flushExpired(t.deps, CLI_CONTEXT)).sessions;
          }
        }
        assert.ok(peak <= bound, `peak ${peak} > ${bound}`);
        assert.equal(purged + (await sessionCount(t)), logins);
        assert.ok(purged >= logins - bound, `purged only ${purged}`);
      });
    });

    test('staged key rotation: the new key is published first, signs after KEY_ROTATION_DELAY plus the reload interval', async () => {
      // Its own app: the key ring of the suite's app is the immediate rotation's.
      const t = await createTestApp(driver);
      try {
        await t.user('kai');
        const [oldKid] = await jwksKids(t.api);
        const { next, retiring, signsFrom } = await rotateKeys(t.deps, CLI_CONTEXT);
        assert.deepEqual(retiring, [oldKid]);
        assert.equal(signsFrom.getTime(), t.clock.ms + 600_000 + 60_000, 'KEY_ROTATION_DELAY 10 min + KEY_RELOAD_INTERVAL 60 s');
        assert.deepEqual(await jwksKids(t.api), [oldKid, next].sort(), 'published at once');
        const states = async () => Object.fromEntries((await listKeys(t.deps)).map((k) => [k.kid, k.state]));
        assert.deepEqual(await states(), { [oldKid as string]: 'current', [next]: 'next' });
        assert.equal(headerOf((await t.api.login('kai')).access).kid, oldKid, 'the old key signs until then');

        t.clock.advance(659_000);
        assert.equal(headerOf((await t.api.login('kai')).access).kid, oldKid, 'still the old key, 1 s before');
        t.clock.advance(1000);
        assert.deepEqual(await states(), { [oldKid as string]: 'retired (verifying)', [next]: 'current' });
        const pair = await t.api.login('kai');
        assert.equal(headerOf(pair.access).kid, next);
        await pairAccepted(t.api, pair, 'tokens of the activated key');
      } finally {
        await t.close();
      }
    });

    test('immediate key rotation: both keys published, new tokens carry the new kid, old tokens valid until they expire', async () => {
      await t.user('kim');
      const jwks = await t.api.get('/auth/.well-known/jwks.json');
      assert.equal(jwks.headers['cache-control'], 'public, max-age=300');
      const [oldKid] = await jwksKids(t.api);
      const before = await t.api.login('kim');
      assert.equal(headerOf(before.access).kid, oldKid);

      const { retiring, next: current } = await rotateKeys(t.deps, CLI_CONTEXT, { immediate: true });
      assert.deepEqual(retiring, [oldKid]);
      assert.deepEqual(await jwksKids(t.api), [oldKid, current].sort());
      const afterRotation = await t.api.login('kim');
      assert.equal(headerOf(afterRotation.access).kid, current);
      await pairAccepted(t.api, before, 'tokens signed by the retired key');
      const refreshed = await t.api.post('/auth/token/refresh/', { refresh: before.refresh });
      assert.equal(headerOf(refreshed.body.access as string).kid, current, 'new access tokens are signed by the new key');
      const states = Object.fromEntries((await listKeys(t.deps)).map((k) => [k.kid, k.state]));
      assert.deepEqual(states, { [oldKid as string]: 'retired (verifying)', [current]: 'current' });

      // The retired key verifies as long as a token it signed can be valid: the longest
      // lifetime (refresh, 60 s) plus the leeway, counted from its retirement.
      t.clock.advance(refreshLifetimeMs + leewayMs - 1000);
      assert.equal((await t.api.post('/auth/token/verify/', { token: before.refresh })).status, 200, 'last second');
      assert.deepEqual(await jwksKids(t.api), [oldKid, current].sort());
      t.clock.advance(2000);
      assert.deepEqual(await jwksKids(t.api), [current]);
      const expired = Object.fromEntries((await listKeys(t.deps)).map((k) => [k.kid, k.state]));
      assert.deepEqual(expired, { [oldKid as string]: 'expired', [current]: 'current' });
      await pairAccepted(t.api, await t.api.login('kim'), 'a new login');
    });
  });

  describe(`rotation of refresh tokens, encrypted keys (${driver})`, () => {
    let t: TestApp;
    const graceMs = 5000;

    before(async () => {
      t = await createTestApp(driver, {
        ROTATE_REFRESH_TOKENS: 'true',
        ROTATION_GRACE_PERIOD: '5s',
        KEY_ENCRYPTION_SECRET: 'test-key-encryption-secret-0123456789',
      });
    });
    after(() => t.close());

    test('refresh answers a new refresh token; the old one within the grace period gets the same successor', async () => {
      await t.user('rita');
      const pair = await t.api.login('rita');
      const first = await t.api.post('/auth/token/refresh/', { refresh: pair.refresh });
      assert.equal(first.status, 200, first.raw);
      assert.deepEqual(Object.keys(first.body).sort(), ['access', 'refresh']);
      assert.notEqual(first.body.refresh, pair.refresh);

      t.clock.advance(graceMs - 1000);
      const retry = await t.api.post('/auth/token/refresh/', { refresh: pair.refresh });
      assert.equal(retry.status, 200, retry.raw);
      assert.equal(retry.body.refresh, first.body.refresh, 'the same successor');
      await pairAccepted(t.api, { refresh: first.body.refresh as string, access: retry.body.access as string }, 'successor');
    });

    test('reuse after the grace period revokes the whole session and is audited', async () => {
      const id = await t.user('ross');
      const pair = await t.api.login('ross');
      const next = await t.api.post('/auth/token/refresh/', { refresh: pair.refresh });
      assert.equal(next.status, 200, next.raw);
      const successor = { refresh: next.body.refresh as string, access: next.body.access as string };

      t.clock.advance(graceMs + 1000);
      const reuse = await t.api.post('/auth/token/refresh/', { refresh: pair.refresh });
      expectCode(reuse, 401, 'token_not_valid', 'reuse');
      await pairRefused(t.api, successor, 'successor after reuse');
      await pairRefused(t.api, pair, 'reused token');

      const events = await t.db.query<{ details: { sid: string } }>(
        "SELECT details FROM audit_events WHERE event = 'refresh_token_reused' AND user_id = $1",
        [id],
      );
      assert.equal(events.length, 1);
      assert.equal(events[0]?.details.sid, claimsOf(pair.refresh).sid);
    });

    test('a token two rotations old is reuse even within the grace period', async () => {
      await t.user('rudy');
      const pair = await t.api.login('rudy');
      const one = await t.api.post('/auth/token/refresh/', { refresh: pair.refresh });
      const two = await t.api.post('/auth/token/refresh/', { refresh: one.body.refresh });
      assert.equal(two.status, 200, two.raw);
      expectCode(await t.api.post('/auth/token/refresh/', { refresh: pair.refresh }), 401, 'token_not_valid', 'reuse');
      expectCode(await t.api.post('/auth/token/refresh/', { refresh: two.body.refresh }), 401, 'token_not_valid', 'latest');
    });

    test('with KEY_ENCRYPTION_SECRET, private keys are stored encrypted, and a rotated-in key works', async () => {
      await t.user('kate');
      const { next: current } = await rotateKeys(t.deps, CLI_CONTEXT, { immediate: true });
      const rows = await t.db.query<{ private_jwk: string }>('SELECT private_jwk FROM signing_keys');
      assert.equal(rows.length, 2);
      for (const { private_jwk } of rows) {
        assert.ok(private_jwk.startsWith('enc:v1:'), private_jwk.slice(0, 12));
        assert.ok(!private_jwk.includes('"d"'));
      }
      assert.deepEqual(
        (await listKeys(t.deps)).map((k) => k.encrypted),
        [true, true],
      );
      const pair = await t.api.login('kate');
      assert.equal(headerOf(pair.access).kid, current);
      await pairAccepted(t.api, pair, 'tokens of the new encrypted key');
    });
  });
}
