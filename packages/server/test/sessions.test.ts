// A user's own sessions and password: GET /auth/sessions/ (the live ones, which is current,
// where from, a coarse last use), DELETE /auth/sessions/{id}/ (one's own only; anything else is
// one 404), POST /auth/password/change/ (the old password throttled as a login is, the rules
// of a new one, every other session ended). And the attacker: someone else's token, a refresh
// token as Bearer, guessed session ids. On both databases; the feed over real HTTPS.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { LAST_USED_INTERVAL_MS } from '../src/auth/sessions.js';
import { DRIVERS, useTestApp } from './helpers/app.js';
import { bearer, expectCode, pairAccepted, pairRefused, type TokenPair } from './helpers/endpoint.js';
import { FEED_TOKEN, readFeed } from './helpers/feed.js';
import { claimsOf } from './helpers/http.js';
import { createListeningApp, type ListeningApp } from './helpers/listening.js';
import { simplejwtToken } from './helpers/simplejwt.js';
import { assertThrottled } from './helpers/throttle.js';

const sidOf = (pair: TokenPair) => String(claimsOf(pair.access).sid);

for (const driver of DRIVERS) {
  describe(`sessions and password change (${driver})`, () => {
    let t: ListeningApp;
    before(async () => {
      t = await createListeningApp(driver, {
        LOGIN_FREE_FAILURES: '3',
        LOGIN_BASE_DELAY: '1s',
        REVOCATION_FEED_TOKEN: FEED_TOKEN,
        CORS_ORIGINS: 'https://app.example.test',
      });
    });
    after(() => t.close());

    const loginFrom = async (username: string, userAgent: string, password = `${username}-password-1`) => {
      const res = await t.api.post('/auth/login/', { username, password }, { 'user-agent': userAgent });
      assert.equal(res.status, 200, res.raw);
      return res.body as unknown as TokenPair;
    };
    const sessionsOf = async (pair: TokenPair) => {
      const res = await t.api.get('/auth/sessions/', bearer(pair.access));
      assert.equal(res.status, 200, res.raw);
      return (res.body as { sessions: Record<string, unknown>[] }).sessions;
    };
    const end = (pair: TokenPair, id: string) => t.api.request('DELETE', `/auth/sessions/${id}/`, undefined, bearer(pair.access));
    const change = (pair: TokenPair, body: unknown) => t.api.post('/auth/password/change/', body, bearer(pair.access));

    test('the list: live sessions only, the presented one current, where each came from', async () => {
      await t.user('s-list');
      const laptop = await loginFrom('s-list', 'Laptop/1.0');
      const phone = await loginFrom('s-list', 'Phone/2.0');
      const gone = await loginFrom('s-list', 'Gone/3.0');
      assert.equal((await t.api.post('/auth/logout/', { refresh_token: gone.refresh })).status, 200);

      const seen = await sessionsOf(laptop);
      assert.deepEqual(seen.map((s) => s.id).sort(), [sidOf(laptop), sidOf(phone)].sort(), 'a logged-out session is not listed');
      const mine = seen.find((s) => s.id === sidOf(laptop));
      assert.deepEqual(Object.keys(mine ?? {}).sort(), ['client_address', 'created', 'current', 'id', 'last_used', 'user_agent']);
      assert.equal(mine?.current, true);
      assert.equal(mine?.user_agent, 'Laptop/1.0');
      assert.equal(mine?.client_address, '127.0.0.1');
      assert.equal(
        Math.floor(Date.parse(String(mine?.created)) / 1000),
        claimsOf(laptop.access).iat,
        'created: when it was opened',
      );
      assert.equal(mine?.last_used, mine?.created, 'a session never refreshed was last used when opened');
      assert.equal(seen.find((s) => s.id === sidOf(phone))?.current, false);
      assert.deepEqual(
        (await sessionsOf(phone)).filter((s) => s.current).map((s) => s.id),
        [sidOf(phone)],
        'current follows the token presented',
      );
    });

    test('an expired session is not listed', async () => {
      await t.user('s-expired');
      const old = await t.api.login('s-expired');
      t.clock.advance(t.config.jwt.refreshTtlMs + 1000);
      const fresh = await t.api.login('s-expired');
      assert.deepEqual(
        (await sessionsOf(fresh)).map((s) => s.id),
        [sidOf(fresh)],
      );
      assert.notEqual(sidOf(old), sidOf(fresh));
    });

    test('last_used is coarse: a refresh writes it at most once an interval', async () => {
      await t.user('s-used');
      const pair = await t.api.login('s-used');
      // The access token of the latest refresh reads the list (the clock moves past lifetimes).
      let access = pair.access;
      const lastUsed = async () => (await sessionsOf({ ...pair, access })).find((s) => s.current)?.last_used;
      const opened = await lastUsed();
      const refresh = async () => {
        const res = await t.api.post('/auth/token/refresh/', { refresh: pair.refresh });
        assert.equal(res.status, 200, res.raw);
        access = String(res.body.access);
      };

      // A row's xmin changes with every UPDATE of it: unchanged means the refresh wrote nothing.
      const version = async () =>
        (await t.db.query<{ v: string }>('SELECT xmin::text AS v FROM sessions WHERE id = $1', [sidOf(pair)]))[0]?.v;
      const unwritten = await version();
      t.clock.advance(LAST_USED_INTERVAL_MS / 2);
      await refresh();
      await refresh();
      assert.equal(await lastUsed(), opened, 'within the interval: no write');
      assert.equal(await version(), unwritten, 'the session row was not written at all');
      t.clock.advance(LAST_USED_INTERVAL_MS / 2 + 1000);
      const at = new Date(t.clock.now()).toISOString();
      await refresh();
      assert.equal(await lastUsed(), at, 'past the interval: the refresh is recorded');
      t.clock.advance(60_000);
      await refresh();
      assert.equal(await lastUsed(), at, 'and then not again within the interval');
    });

    test("ending one of one's own sessions: its tokens are refused, the feed has it, the others live on", async () => {
      await t.user('s-end');
      const keep = await loginFrom('s-end', 'Keep/1.0');
      const lost = await loginFrom('s-end', 'Lost/1.0');
      const res = await end(keep, sidOf(lost));
      assert.equal(res.status, 200, res.raw);
      assert.deepEqual(res.body, {});
      await pairRefused(t.api, lost, 'the ended session');
      await pairAccepted(t.api, keep, 'the session that ended it');
      assert.deepEqual(
        (await sessionsOf(keep)).map((s) => s.id),
        [sidOf(keep)],
      );
      const feed = await readFeed(t.url, t.ca, bearer(FEED_TOKEN));
      assert.ok(
        feed.events.some((e) => e.event === 'revoked' && JSON.parse(e.data).sid === sidOf(lost)),
        'the revocation feed carries the ended session',
      );
      const [row] = await t.db.query<{ details: { sid: string } }>(
        "SELECT details FROM audit_events WHERE event = 'session_ended' AND details->>'sid' = $1",
        [sidOf(lost)],
      );
      assert.equal(row?.details.sid, sidOf(lost), 'audited');
      expectCode(await end(keep, sidOf(lost)), 404, 'session_not_found', 'ending it again');
    });

    test('ending the current session is a logout of it', async () => {
      await t.user('s-self');
      const pair = await t.api.login('s-self');
      assert.equal((await end(pair, sidOf(pair))).status, 200);
      await pairRefused(t.api, pair, 'after ending itself');
    });

    test("the attacker: another user's session, unknown and malformed ids are one 404; the victim is untouched", async () => {
      await t.user('s-victim');
      await t.user('s-mallory');
      const victim = await t.api.login('s-victim');
      const mallory = await t.api.login('s-mallory');
      const bodies = [];
      for (const id of [sidOf(victim), randomUUID(), sidOf(victim).toUpperCase(), 'not-a-session', '1', "x' OR '1'='1"]) {
        const res = await end(mallory, encodeURIComponent(id));
        expectCode(res, 404, 'session_not_found', `DELETE ${id}`);
        bodies.push(res.raw);
      }
      assert.equal(new Set(bodies).size, 1, 'one answer whatever the id: nothing to enumerate');
      assert.deepEqual(JSON.parse(bodies[0] as string), { detail: 'No such session.', code: 'session_not_found' });
      await pairAccepted(t.api, victim, 'the victim');
      assert.ok(
        (await sessionsOf(mallory)).every((s) => s.id !== sidOf(victim)),
        "another user's session is never listed",
      );
    });

    test("the attacker: one's own token with the victim's password changes nothing of the victim's", async () => {
      await t.user('s-target');
      await t.user('s-eve');
      const target = await t.api.login('s-target');
      const eve = await t.api.login('s-eve');
      const res = await change(eve, { old_password: 's-target-password-1', new_password: 'eve-owns-it-now' });
      expectCode(res, 400, 'wrong_password', "the victim's password is not the caller's");
      await pairAccepted(t.api, target, 'the victim keeps its session');
      await t.api.login('s-target');
      await t.api.login('s-eve');
      expectCode(
        await t.api.post('/auth/login/', { username: 's-target', password: 'eve-owns-it-now' }),
        401,
        'no_active_account',
      );
    });

    test('the attacker: a refresh token as Bearer, no token, a forged one: 401 everywhere', async () => {
      await t.user('s-bearer');
      const pair = await t.api.login('s-bearer');
      const calls = [
        (h: Record<string, string>) => t.api.get('/auth/sessions/', h),
        (h: Record<string, string>) => t.api.request('DELETE', `/auth/sessions/${sidOf(pair)}/`, undefined, h),
        (h: Record<string, string>) =>
          t.api.post('/auth/password/change/', { old_password: 's-bearer-password-1', new_password: 'hijacked-password' }, h),
      ];
      const forged = `${pair.access.slice(0, -4)}AAAA`;
      for (const call of calls) {
        expectCode(await call(bearer(pair.refresh)), 401, 'token_not_valid', 'refresh token as Bearer');
        expectCode(await call(bearer(forged)), 401, 'token_not_valid', 'forged signature');
        expectCode(await call({}), 401, 'not_authenticated', 'no token');
      }
      await pairAccepted(t.api, pair, 'nothing was ended or changed');
      await t.api.login('s-bearer');
    });

    test('password change: other sessions end, the current stays, the old password is gone', async () => {
      await t.user('s-change');
      const current = await t.api.login('s-change');
      const others = [await t.api.login('s-change'), await t.api.login('s-change')];
      const res = await change(current, { old_password: 's-change-password-1', new_password: 'a-whole-new-password' });
      assert.equal(res.status, 200, res.raw);
      assert.deepEqual(res.body, { message: 'Password changed; your other sessions have ended', sessions_revoked: 2 });
      for (const [i, pair] of others.entries()) await pairRefused(t.api, pair, `other session ${i}`);
      await pairAccepted(t.api, current, 'the current session');
      expectCode(
        await t.api.post('/auth/login/', { username: 's-change', password: 's-change-password-1' }),
        401,
        'no_active_account',
      );
      await t.api.login('s-change', 'a-whole-new-password');
      const feed = await readFeed(t.url, t.ca, bearer(FEED_TOKEN));
      for (const pair of others) {
        assert.ok(
          feed.events.some((e) => e.event === 'revoked' && JSON.parse(e.data).sid === sidOf(pair)),
          'in the feed',
        );
      }
      const rows = await t.db.query<{ details: Record<string, unknown> }>(
        "SELECT details FROM audit_events WHERE event = 'password_changed' AND username = 's-change'",
      );
      assert.deepEqual(
        rows.map((r) => r.details),
        [{ sessionsRevoked: 2, by: 'self' }],
      );
    });

    test('password change: the new password must pass the rules of user create; nothing changes otherwise', async () => {
      await t.user('s-rules');
      const pair = await t.api.login('s-rules');
      const other = await t.api.login('s-rules');
      const short = await change(pair, { old_password: 's-rules-password-1', new_password: 'short' });
      expectCode(short, 400, 'validation_error', 'too short');
      assert.deepEqual(short.body.new_password, ['Ensure this field has at least 8 characters.']);
      expectCode(await change(pair, { old_password: 's-rules-password-1' }), 400, 'validation_error', 'missing');
      expectCode(
        await change(pair, { old_password: 's-rules-password-1', new_password: 12345678 }),
        400,
        'validation_error',
        'not a string',
      );
      expectCode(
        await change(pair, { old_password: 's-rules-password-1', new_password: 'nul\u0000password' }),
        400,
        'validation_error',
        'NUL',
      );
      await pairAccepted(t.api, other, 'no session ended');
      await t.api.login('s-rules');
    });

    test('password change: a wrong old password is a login failure, throttled after LOGIN_FREE_FAILURES', async () => {
      await t.user('s-guess');
      const pair = await t.api.login('s-guess');
      const guess = (old: string) => change(pair, { old_password: old, new_password: 'attacker-password' });
      for (let i = 0; i < 3; i++) {
        const res = await guess(`wrong-${i}`);
        expectCode(res, 400, 'wrong_password', `guess ${i}`);
        assert.deepEqual(res.body.old_password, ['The old password is wrong.']);
      }
      const retryAfter = assertThrottled(await guess('wrong-3'));
      // The same counters as the login door: the account is in its delay there too, for the
      // right password as well (the throttle is not an oracle).
      assertThrottled(await t.api.post('/auth/login/', { username: 's-guess', password: 's-guess-password-1' }));
      assertThrottled(await guess('s-guess-password-1'));
      const failures = await t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_events WHERE event = 'password_change_failed' AND username = 's-guess'",
      );
      assert.equal(failures[0]?.n, 3, 'each checked wrong guess is audited');
      t.clock.advance(retryAfter * 1000);
      const res = await change(pair, { old_password: 's-guess-password-1', new_password: 'the-owner-password' });
      assert.equal(res.status, 200, res.raw);
      await t.api.login('s-guess', 'the-owner-password');
    });

    test('password change: two at once with the same old password, one wins, the other is a wrong password', async () => {
      await t.user('s-race');
      const [a, b] = [await t.api.login('s-race'), await t.api.login('s-race')];
      const answers = await Promise.all([
        change(a, { old_password: 's-race-password-1', new_password: 'password-of-tab-a' }),
        change(b, { old_password: 's-race-password-1', new_password: 'password-of-tab-b' }),
      ]);
      const statuses = answers.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 400], answers.map((r) => r.raw).join(' | '));
      const winner = answers[0]?.status === 200 ? 'a' : 'b';
      assert.equal(answers.find((r) => r.status === 400)?.body.code, 'wrong_password');
      await t.api.login('s-race', `password-of-tab-${winner}`);
      expectCode(
        await t.api.post('/auth/login/', { username: 's-race', password: `password-of-tab-${winner === 'a' ? 'b' : 'a'}` }),
        401,
        'no_active_account',
        'the loser did not change it',
      );
    });

    test('CORS lets allowed origins DELETE; the new paths refuse other methods', async () => {
      const pre = await t.api.request('OPTIONS', '/auth/sessions/x/', undefined, {
        origin: 'https://app.example.test',
        'access-control-request-method': 'DELETE',
      });
      assert.match(String(pre.headers['access-control-allow-methods']), /DELETE/);
      assert.equal(pre.headers['access-control-allow-credentials'], undefined, 'no credentials without REFRESH_COOKIE');
      expectCode(await t.api.get('/auth/password/change/'), 405, 'method_not_allowed');
      expectCode(await t.api.post('/auth/sessions/', {}), 405, 'method_not_allowed');
    });
  });
}

for (const driver of DRIVERS) {
  describe(`sessions with rotation and with SimpleJWT tokens (${driver})`, () => {
    const key = `django-insecure-${randomBytes(24).toString('hex')}`;
    const t = useTestApp(driver, { ROTATE_REFRESH_TOKENS: 'true', SIMPLEJWT_SIGNING_KEY: key });

    test('with rotation, every rotation records the use (it writes the row anyway)', async () => {
      await t.user('r-used');
      const pair = await t.api.login('r-used');
      t.clock.advance(60_000);
      const res = await t.api.post('/auth/token/refresh/', { refresh: pair.refresh });
      assert.equal(res.status, 200, res.raw);
      const list = await t.api.get('/auth/sessions/', bearer(String(res.body.access)));
      const [mine] = (list.body as { sessions: Record<string, unknown>[] }).sessions;
      assert.equal(mine?.last_used, new Date(t.clock.now()).toISOString());
      assert.notEqual(mine?.last_used, mine?.created);
    });

    test('an access token of the old service names no session: none is current; a password change ends them all', async () => {
      const id = await t.user('r-legacy');
      const ours = await t.api.login('r-legacy');
      const imported = randomUUID();
      await t.db.query(
        `INSERT INTO sessions (id, user_id, refresh_jti, created_at, expires_at, imported_from)
         VALUES ($1, $2, $3, $4, $5, 'simplejwt')`,
        [imported, id, randomUUID(), new Date(t.clock.now()), new Date(t.clock.now() + 86_400_000)],
      );
      const legacy = simplejwtToken(key, 'access', id, { nowS: Math.floor(t.clock.now() / 1000) });
      const list = await t.api.get('/auth/sessions/', bearer(legacy));
      assert.equal(list.status, 200, list.raw);
      const sessions = (list.body as { sessions: Record<string, unknown>[] }).sessions;
      assert.deepEqual(sessions.map((s) => s.id).sort(), [imported, sidOf(ours)].sort());
      assert.ok(
        sessions.every((s) => s.current === false),
        'no session is current',
      );
      const old = sessions.find((s) => s.id === imported);
      assert.deepEqual([old?.client_address, old?.user_agent], [null, null], 'an imported session has no address or agent');

      const res = await t.api.post(
        '/auth/password/change/',
        { old_password: 'r-legacy-password-1', new_password: 'a-new-legacy-password' },
        bearer(legacy),
      );
      assert.equal(res.status, 200, res.raw);
      assert.equal(res.body.sessions_revoked, 2, 'no current session to keep');
      await pairRefused(t.api, ours, 'our session of the user');
      expectCode(await t.api.get('/auth/me/', bearer(legacy)), 401, 'token_not_valid', 'the old token, its session gone');
    });
  });
}
