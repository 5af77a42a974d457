// The feed when things go wrong: the network between a verifier and the service is cut (a TCP
// relay the test drops and brings back), revocations happen meanwhile, and the verifier
// reconnects; the stated policy while it is cut; the bounds (subscribers, a client that does
// not read); shutdown with streams open; the purge of rows that no longer matter.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { isVerifierError, openRevocationFeed, type RevocationFeed } from '@auth-service/verifier';
import { CLI_CONTEXT } from '../src/auth/context.js';
import { flushExpired } from '../src/auth/maintenance.js';
import { Subscriber } from '../src/auth/revocations/subscriber.js';
import { bearer, expectCode } from './helpers/endpoint.js';
import { FEED_TOKEN, readFeed, waitFor } from './helpers/feed.js';
import { claimsOf } from './helpers/http.js';
import { createListeningApp, type ListeningApp, listenHttps } from './helpers/listening.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const sidOf = (token: string) => String(claimsOf(token).sid);
const auth = bearer(FEED_TOKEN);

describe('revocation feed, cut and restored', () => {
  let t: ListeningApp;
  let proxy: TcpProxy;
  const feeds: RevocationFeed[] = [];
  const through = (options: Partial<Parameters<typeof openRevocationFeed>[0]> = {}) => {
    const feed = openRevocationFeed({ url: `https://127.0.0.1:${proxy.port}`, ca: t.ca, token: FEED_TOKEN, ...options });
    feeds.push(feed);
    return feed;
  };
  before(async () => {
    t = await createListeningApp('pglite', {
      REVOCATION_FEED_TOKEN: FEED_TOKEN,
      REVOCATION_FEED_HEARTBEAT: '200ms',
      REVOCATION_FEED_MAX_SUBSCRIBERS: '6',
    });
    proxy = await startTcpProxy(t.port);
    for (const name of ['cut-a', 'cut-b', 'cut-c', 'cut-d']) await t.user(name);
  });
  after(async () => {
    for (const feed of feeds) await feed.close();
    await proxy?.close();
    await t?.close();
  });

  test('a verifier cut off catches up on reconnection: no revocation is missed', async () => {
    const feed = through();
    await feed.ready();
    const before = await t.api.login('cut-a');
    await t.api.post('/auth/logout/', { refresh_token: before.refresh });
    await waitFor('the first logout', () => feed.isRevoked(sidOf(before.access)));
    const cursor = feed.status().cursor;
    assert.ok(cursor, 'the feed keeps a cursor');

    await proxy.cut();
    await waitFor('the verifier to notice the cut', () => !feed.status().connected);
    const during = await t.api.login('cut-b');
    await t.api.post('/auth/logout/', { refresh_token: during.refresh });
    const allOf = await t.api.login('cut-c');
    await t.api.post('/auth/logout/all/', {}, bearer(allOf.access));
    assert.equal(feed.isRevoked(sidOf(during.access)), false, 'cut off: it cannot know yet');

    await proxy.restore();
    await waitFor('the reconnection', () => feed.status().connected);
    assert.ok(feed.isRevoked(sidOf(during.access)), 'the logout made while cut');
    assert.ok(feed.isRevoked(sidOf(allOf.access)), 'the logout/all made while cut');
    assert.ok(feed.isRevoked(sidOf(before.access)), 'what it knew before');
    assert.ok(BigInt(feed.status().cursor ?? '0') > BigInt(cursor));
  });

  test("onStale: 'refuse' throws a 503-class error once the feed is stale, and recovers", async () => {
    const feed = through({ onStale: 'refuse', staleAfter: 0.3 });
    await feed.ready();
    const revoked = await t.api.login('cut-d');
    await t.api.post('/auth/logout/', { refresh_token: revoked.refresh });
    await waitFor('the logout', () => feed.isRevoked(sidOf(revoked.access)));
    const unknown = '11111111-2222-4333-8444-555555555555';
    assert.equal(feed.isRevoked(unknown), false, 'fresh: an unknown session is live');

    await proxy.cut();
    await waitFor('staleness', () => feed.status().stale);
    assert.throws(
      () => feed.isRevoked(unknown),
      (err: unknown) =>
        isVerifierError(err) &&
        err.code === 'service_unavailable' &&
        err.reason === 'revocations_stale' &&
        err.status === 503 &&
        (err.retryAfterSeconds ?? 0) > 0,
    );
    assert.equal(feed.isRevoked(sidOf(revoked.access)), true, 'a known revocation still answers');
    await proxy.restore();
    await waitFor('the reconnection', () => feed.status().connected);
    assert.equal(feed.isRevoked(unknown), false);
  });

  test("onStale: 'warn' (the default) keeps answering, with one warning per outage", async () => {
    const warnings: string[] = [];
    const feed = through({ staleAfter: 0.3, onWarning: (message) => warnings.push(message) });
    await feed.ready();
    await proxy.cut();
    await waitFor('staleness', () => feed.status().stale);
    const unknown = '21111111-2222-4333-8444-555555555555';
    assert.equal(feed.isRevoked(unknown), false);
    assert.equal(feed.isRevoked(unknown), false);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] ?? '', /silent for .* verifying on without it/);
    await proxy.restore();
    await waitFor('the reconnection', () => feed.status().connected);
  });

  test('at most REVOCATION_FEED_MAX_SUBSCRIBERS streams per instance; the next one is told to retry', async () => {
    await waitFor('the earlier feeds to reconnect', () => feeds.every((f) => f.status().connected));
    const extra = Array.from({ length: 6 - feeds.length }, () => through());
    await Promise.all(extra.map((f) => f.ready()));
    assert.equal(t.deps.revocations.subscriberCount, 6);
    const refused = await t.api.get('/auth/revocations/', auth);
    expectCode(refused, 503, 'too_many_subscribers', 'one too many');
    assert.ok(Number(refused.headers['retry-after']) > 0);
    await extra.pop()?.close();
    feeds.pop();
    await waitFor('the server to see the close', () => t.deps.revocations.subscriberCount === 5);
    const read = await readFeed(t.url, t.ca, auth);
    assert.equal(read.status, 200);
  });

  test('closing the server ends the streams instead of waiting for them', async () => {
    const second = await listenHttps(t.deps);
    const feed = openRevocationFeed({ url: second.url, ca: second.ca, token: FEED_TOKEN });
    await feed.ready();
    await second.server.close(); // hangs until SHUTDOWN_TIMEOUT if a stream kept it open
    await waitFor('the client to see the end', () => !feed.status().connected);
    assert.match(String(feed.status().lastError), /ended|closed/);
    await feed.close();
  });
});

test('a subscriber that stops reading is cut off at REVOCATION_FEED_MAX_BACKLOG, not buffered without end', async () => {
  const t = await createListeningApp('pglite', { REVOCATION_FEED_TOKEN: FEED_TOKEN });
  try {
    // A sink that accepts writes and never flushes them: a client that stopped reading.
    let destroyed = false;
    const stuck = new Writable({ highWaterMark: 1024, write: () => {} });
    stuck.destroy = ((original) =>
      function (this: Writable, ...args: Parameters<Writable['destroy']>) {
        destroyed = true;
        return original.apply(this, args);
      })(stuck.destroy);
    let gone = false;
    const policy = { windowMs: 300_000, heartbeatMs: 1000, pageSize: 100, maxBacklogBytes: 4096 };
    const subscriber = new Subscriber(stuck, '0', policy, () => {
      gone = true;
    });
    await subscriber.catchUp(t.db, t.clock.now);
    assert.ok(subscriber.isLive);
    const row = (id: number) => ({ id: String(id), sessionId: '31111111-2222-4333-8444-555555555555', revokedAt: new Date() });
    for (let id = 1; id <= 100 && !gone; id++) subscriber.deliver([{ row: row(id), text: `${'x'.repeat(100)}\n\n` }]);
    assert.ok(gone && destroyed, 'cut off');
    assert.ok(stuck.writableLength <= policy.maxBacklogBytes + 200, `held ${stuck.writableLength} bytes`);
  } finally {
    await t.close();
  }
});

test('the purge deletes revocations once no token of theirs can pass, and keeps the others', async () => {
  const t = await createListeningApp('pglite', { REVOCATION_FEED_TOKEN: FEED_TOKEN, ACCESS_TOKEN_LIFETIME: '60s' });
  try {
    await t.user('purged');
    const old = await t.api.login('purged');
    await t.api.post('/auth/logout/', { refresh_token: old.refresh });
    t.clock.advance(2 * 3_600_000);
    const recent = await t.api.login('purged');
    await t.api.post('/auth/logout/', { refresh_token: recent.refresh });
    const flushed = await flushExpired(t.deps, CLI_CONTEXT);
    assert.equal(flushed.revocations, 1);
    const rows = await t.db.query<{ session_id: string }>('SELECT session_id FROM revocations');
    assert.deepEqual(
      rows.map((r) => r.session_id),
      [sidOf(recent.access)],
    );
  } finally {
    await t.close();
  }
});
