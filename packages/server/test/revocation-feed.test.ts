// GET /auth/revocations/ and the verifier's feed client, on both databases, over real HTTPS:
// who may read it, that every way a session ends is in it, resuming after a cursor, and two
// instances on one database (a revocation made through one reaches subscribers of the other).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openRevocationFeed, type RevocationFeed } from '@auth-service/verifier';
import { CLI_CONTEXT } from '../src/auth/context.js';
import { disableUser, setPassword } from '../src/auth/users.js';
import { anotherInstance, createTestApp, DRIVERS, type TestInstance } from './helpers/app.js';
import { bearer, expectCode, type TokenPair } from './helpers/endpoint.js';
import { FEED_TOKEN, readFeed, waitFor } from './helpers/feed.js';
import { claimsOf } from './helpers/http.js';
import { createListeningApp, type ListeningApp, listenHttps } from './helpers/listening.js';

const ENV = { REVOCATION_FEED_TOKEN: FEED_TOKEN, ROTATE_REFRESH_TOKENS: 'true', REVOCATION_FEED_HEARTBEAT: '200ms' };
const sidOf = (token: string) => String(claimsOf(token).sid);
const auth = { authorization: `Bearer ${FEED_TOKEN}` };

test('the feed is off without REVOCATION_FEED_TOKEN', async () => {
  const t = await createTestApp('pglite');
  try {
    expectCode(await t.api.get('/auth/revocations/', auth), 404, 'feed_disabled', 'no token configured');
  } finally {
    await t.close();
  }
});

for (const driver of DRIVERS) {
  describe(`revocation feed (${driver})`, () => {
    let t: ListeningApp;
    const feeds: RevocationFeed[] = [];
    const subscribe = (options: Partial<Parameters<typeof openRevocationFeed>[0]> = {}) => {
      const feed = openRevocationFeed({ url: t.url, ca: t.ca, token: FEED_TOKEN, ...options });
      feeds.push(feed);
      return feed;
    };
    before(async () => {
      t = await createListeningApp(driver, ENV);
    });
    after(async () => {
      for (const feed of feeds) await feed.close();
      await t?.close();
    });

    test('only the configured credential reads it', async () => {
      const none = await t.api.get('/auth/revocations/');
      expectCode(none, 401, 'not_authenticated', 'no credential');
      assert.match(String(none.headers['www-authenticate']), /^Bearer/);
      const sameLength = FEED_TOKEN.replace(/.$/, (c) => (c === 'f' ? 'e' : 'f'));
      for (const wrong of [sameLength, `${FEED_TOKEN}x`, FEED_TOKEN.slice(0, 8), 'x']) {
        expectCode(await t.api.get('/auth/revocations/', bearer(wrong)), 401, 'feed_token_invalid', `credential ${wrong}`);
      }
      // A user's access token is no feed credential.
      await t.user('feed-reader');
      const pair = await t.api.login('feed-reader');
      expectCode(await t.api.get('/auth/revocations/', bearer(pair.access)), 401, 'feed_token_invalid', 'an access token');
      // HEAD would be a stream without a body that never ends: there is none (405, and Allow says so).
      const head = await t.api.request('HEAD', '/auth/revocations/', undefined, auth);
      assert.equal(head.status, 405);
      assert.equal(head.headers.allow, 'GET, OPTIONS');
      const read = await readFeed(t.url, t.ca, auth);
      assert.equal(read.status, 200);
      assert.match(String(read.headers['content-type']), /^text\/event-stream/);
      assert.equal(read.headers['cache-control'], 'no-store');
      assert.equal(read.headers['x-content-type-options'], 'nosniff');
    });

    test('a malformed cursor is a 400, before any stream opens', async () => {
      for (const cursor of ['abc', '-1', '1.5', '9'.repeat(30)]) {
        expectCode(await t.api.get('/auth/revocations/', { ...auth, 'last-event-id': cursor }), 400, 'validation_error', cursor);
      }
      expectCode(await t.api.get('/auth/revocations/?after=x', auth), 400, 'validation_error', '?after=x');
    });

    test('every way a session ends is in it; a live session is not', async () => {
      const live = subscribe();
      await live.ready();
      const users = ['fd-logout', 'fd-all', 'fd-disable', 'fd-password', 'fd-reuse', 'fd-alive'];
      for (const name of users) await t.user(name);
      const logins = await Promise.all(users.map(async (u) => [u, await t.api.login(u)] as const));
      const pairs: Record<string, TokenPair> = Object.fromEntries(logins);
      const pair = (user: string) => pairs[user] as TokenPair;
      const allSecond = await t.api.login('fd-all');

      assert.equal((await t.api.post('/auth/logout/', { refresh_token: pair('fd-logout').refresh })).status, 200);
      assert.equal((await t.api.post('/auth/logout/all/', {}, bearer(pair('fd-all').access))).status, 200);
      await disableUser(t.deps, 'fd-disable', CLI_CONTEXT);
      await setPassword(t.deps, 'fd-password', 'a-brand-new-password', CLI_CONTEXT);
      // Reuse: the retired refresh token presented again after the grace period.
      assert.equal((await t.api.post('/auth/token/refresh/', { refresh: pair('fd-reuse').refresh })).status, 200);
      t.clock.advance(60_000);
      expectCode(
        await t.api.post('/auth/token/refresh/', { refresh: pair('fd-reuse').refresh }),
        401,
        'token_not_valid',
        'reuse',
      );

      const ended = [
        ...['fd-logout', 'fd-all', 'fd-disable', 'fd-password', 'fd-reuse'].map((u) => pair(u).access),
        allSecond.access,
      ];
      for (const access of ended) await waitFor(`session ${sidOf(access)} in the feed`, () => live.isRevoked(sidOf(access)));
      assert.equal(live.isRevoked(sidOf(pair('fd-alive').access)), false, 'a live session');

      // A subscriber that comes later gets them all in its snapshot.
      const late = subscribe();
      await late.ready();
      for (const access of ended) assert.ok(late.isRevoked(sidOf(access)), `snapshot holds ${sidOf(access)}`);
      assert.equal(late.isRevoked(sidOf(pair('fd-alive').access)), false);
      assert.equal(late.status().connected, true);
    });

    test('events carry the session and when it stops mattering; a cursor resumes after it', async () => {
      await t.user('fd-cursor');
      const first = await t.api.login('fd-cursor');
      const second = await t.api.login('fd-cursor');
      await t.api.post('/auth/logout/', { refresh_token: first.refresh });
      const all = await readFeed(t.url, t.ca, auth);
      const mine = all.events.find((e) => e.event === 'revoked' && JSON.parse(e.data).sid === sidOf(first.access));
      assert.ok(mine?.id, 'the logout is in the snapshot, with an id');
      const data = JSON.parse(mine.data);
      const windowS = (t.config.jwt.accessTtlMs + t.config.jwt.leewayMs) / 1000;
      assert.ok(data.exp >= Number(claimsOf(first.access).exp), 'exp covers the access token');
      assert.ok(data.exp <= Math.ceil(t.clock.now() / 1000) + windowS, 'exp is no later than a fresh token could live');

      await t.api.post('/auth/logout/', { refresh_token: second.refresh });
      const resumed = await readFeed(t.url, t.ca, { ...auth, 'last-event-id': mine.id });
      const sids = resumed.events.filter((e) => e.event === 'revoked').map((e) => JSON.parse(e.data).sid);
      assert.deepEqual(sids, [sidOf(second.access)], 'only what came after the cursor');
      const ready = resumed.events.find((e) => e.event === 'ready');
      assert.ok(ready && BigInt(JSON.parse(ready.data).cursor) > BigInt(mine.id));
      const viaQuery = await readFeed(t.url, t.ca, auth, undefined, `/auth/revocations/?after=${mine.id}`);
      assert.deepEqual(
        viaQuery.events.filter((e) => e.event === 'revoked').map((e) => JSON.parse(e.data).sid),
        [sidOf(second.access)],
      );
      // A cursor from another database (beyond anything here) gets the whole snapshot.
      const foreign = await readFeed(t.url, t.ca, { ...auth, 'last-event-id': '999999999' });
      assert.ok(foreign.events.some((e) => e.event === 'revoked' && JSON.parse(e.data).sid === sidOf(first.access)));
    });

    test('a quiet stream gets heartbeats after its ready event', async () => {
      const read = await readFeed(t.url, t.ca, auth, (r) => r.comments >= 3);
      assert.equal(read.comments, 3);
      assert.ok(read.events.some((e) => e.event === 'ready'));
      assert.ok(read.body.indexOf('event: ready') < read.body.indexOf(': ok'), 'heartbeats only once caught up');
    });

    test('a second instance on the same database: its subscribers see revocations made through the first', async () => {
      const other: TestInstance = await anotherInstance(t);
      const listening = await listenHttps(other.deps);
      try {
        const feed = openRevocationFeed({ url: listening.url, ca: listening.ca, token: FEED_TOKEN });
        feeds.push(feed);
        await feed.ready();
        await t.user('fd-elsewhere');
        const pair = await t.api.login('fd-elsewhere');
        assert.equal((await t.api.post('/auth/logout/', { refresh_token: pair.refresh })).status, 200);
        await waitFor('the other instance to relay the logout', () => feed.isRevoked(sidOf(pair.access)));
      } finally {
        await listening.server.close();
        await other.close();
      }
    });
  });
}
