// Concurrent requests against ONE token, on PostgreSQL (real row locks and a connection pool;
// the embedded database runs one statement at a time, so it cannot race). Each race is
// repeated a few rounds: an interleaving that breaks the rules may not show up every time.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { DRIVERS, type TestApp, useTestApp } from './helpers/app.js';
import { bearer, type Endpoint } from './helpers/endpoint.js';
import { type Answer, claimsOf } from './helpers/http.js';

const ROUNDS = 5;
const CONCURRENCY = 20;
const skip = DRIVERS.includes('postgres') ? false : 'PostgreSQL is not reachable';

const refresh = (api: Endpoint, token: string) => api.post('/auth/token/refresh/', { refresh: token });
const logout = (api: Endpoint, token: string) => api.post('/auth/logout/', { refresh_token: token });

function assertNo5xx(answers: Answer[]): void {
  const failed = answers.filter((a) => a.status >= 500);
  assert.deepEqual(
    failed.map((a) => a.raw),
    [],
  );
}

function statusCounts(answers: Answer[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}

/** Every given token is refused now: refresh tokens at refresh, access tokens at /auth/me/. */
async function allRefused(api: Endpoint, refreshTokens: string[], accessTokens: string[]): Promise<void> {
  for (const token of refreshTokens) assert.equal((await refresh(api, token)).status, 401, 'refresh token still accepted');
  for (const token of accessTokens)
    assert.equal((await api.get('/auth/me/', bearer(token))).status, 401, 'access token still accepted');
}

describe('races on one token (postgres)', { skip }, () => {
  describe('without rotation', () => {
    const t = useTestApp('postgres');
    before(async () => {
      await t.user('alice');
    });

    test('concurrent refreshes and logouts: one logout wins, nothing refreshes after it', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const pair = await t.api.login('alice');
        // Interleaved, refreshes first: each refresh may read the session before or after
        // the winning logout commits. Refreshes started the moment that logout has answered
        // (while the rest of the race is still in flight) must all fail.
        const logouts: Promise<Answer>[] = [];
        const refreshes: Promise<Answer>[] = [];
        const afterLogout: Promise<Answer>[] = [];
        for (let i = 0; i < CONCURRENCY; i++) {
          refreshes.push(refresh(t.api, pair.refresh));
          logouts.push(
            logout(t.api, pair.refresh).then((a) => {
              if (a.status === 200) for (let k = 0; k < 5; k++) afterLogout.push(refresh(t.api, pair.refresh));
              return a;
            }),
          );
        }
        const logoutAnswers = await Promise.all(logouts);
        const refreshAnswers = await Promise.all(refreshes);
        const lateAnswers = await Promise.all(afterLogout);

        assertNo5xx([...logoutAnswers, ...refreshAnswers, ...lateAnswers]);
        assert.deepEqual(statusCounts(logoutAnswers), { 200: 1, 400: CONCURRENCY - 1 }, `round ${round}`);
        for (const a of logoutAnswers.filter((a) => a.status === 400)) assert.equal(a.body.code, 'logout_failed');
        for (const a of refreshAnswers) assert.ok(a.status === 200 || a.status === 401, a.raw);
        assert.deepEqual(statusCounts(lateAnswers), { 401: 5 });

        const late = await refresh(t.api, pair.refresh);
        assert.equal(late.status, 401);
        assert.equal(late.body.detail, 'Token is blacklisted');
        const again = await logout(t.api, pair.refresh);
        assert.equal(again.status, 400);
        assert.equal(again.body.code, 'logout_failed');
        // Access tokens minted during the race belong to the ended session too.
        const minted = refreshAnswers.filter((a) => a.status === 200).map((a) => a.body.access as string);
        await allRefused(t.api, [], [pair.access, ...minted]);
      }
    });

    test('concurrent logout/all and refreshes: every session ends, sessions counted once', async () => {
      await logoutAllRace(t, 'bob');
    });
  });

  describe('with rotation', () => {
    const t = useTestApp('postgres', { ROTATE_REFRESH_TOKENS: 'true', ROTATION_GRACE_PERIOD: '5s' });

    test('concurrent refreshes of one token all get the same successor, in one session', async () => {
      const id = await t.user('rita');
      for (let round = 0; round < ROUNDS; round++) {
        const pair = await t.api.login('rita');
        const answers = await Promise.all(Array.from({ length: CONCURRENCY }, () => refresh(t.api, pair.refresh)));
        assertNo5xx(answers);
        assert.deepEqual(statusCounts(answers), { 200: CONCURRENCY }, answers.find((a) => a.status !== 200)?.raw);
        const successors = new Set(answers.map((a) => a.body.refresh));
        assert.equal(successors.size, 1, `round ${round}: ${successors.size} different successors`);
        const successor = answers[0]?.body.refresh as string;

        const sid = claimsOf(pair.refresh).sid;
        const rows = await t.db.query<{ jti: string }>(
          "SELECT replace(refresh_jti::text, '-', '') AS jti FROM sessions WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL",
          [id, sid],
        );
        assert.deepEqual(rows, [{ jti: claimsOf(successor).jti }]);
        assert.equal((await refresh(t.api, successor)).status, 200, 'the successor is live');
      }
      assert.equal((await t.db.query('SELECT 1 FROM sessions WHERE user_id = $1', [id])).length, ROUNDS, 'one session per login');
    });

    test('concurrent logout/all and refreshes: every session ends, successors included', async () => {
      await logoutAllRace(t, 'dora');
    });
  });
});

/**
 * A user with three sessions, each used by a client that refreshes in a loop (following its
 * successor when rotation is on) while two logout/all requests run. The revoked sessions are
 * counted once in total; every client ends on a 401; afterwards every token is refused,
 * including those answered during the race.
 */
async function logoutAllRace(t: TestApp, username: string): Promise<void> {
  await t.user(username);
  for (let round = 0; round < ROUNDS; round++) {
    const pairs = [await t.api.login(username), await t.api.login(username), await t.api.login(username)];
    const clients = pairs.map((pair) => refreshUntilRefused(t.api, pair.refresh));
    const logoutAlls = [0, 1].map((i) => t.api.post('/auth/logout/all/', {}, bearer(pairs[i]?.access as string)));
    const ends = await Promise.all(logoutAlls);
    const refreshed = (await Promise.all(clients)).flat();

    assertNo5xx([...ends, ...refreshed]);
    for (const a of ends) assert.ok(a.status === 200 || a.status === 401, a.raw);
    const revoked = ends.filter((a) => a.status === 200).reduce((sum, a) => sum + (a.body.sessions_revoked as number), 0);
    assert.equal(revoked, 3, `round ${round}: ${ends.map((a) => a.raw).join(' ')}`);

    const ok = refreshed.filter((a) => a.status === 200);
    await allRefused(
      t.api,
      [...pairs.map((p) => p.refresh), ...ok.flatMap((a) => (a.body.refresh ? [a.body.refresh as string] : []))],
      [...pairs.map((p) => p.access), ...ok.map((a) => a.body.access as string)],
    );
  }
}

/** A client refreshing one after another until refused; returns every answer (the last is the refusal). */
async function refreshUntilRefused(api: Endpoint, token: string): Promise<Answer[]> {
  const answers: Answer[] = [];
  let current = token;
  for (let i = 0; i < 1000; i++) {
    const a = await refresh(api, current);
    answers.push(a);
    if (a.status !== 200) {
      assert.equal(a.status, 401, a.raw);
      return answers;
    }
    current = (a.body.refresh as string | undefined) ?? current;
  }
  assert.fail('a session outlived logout/all');
}
