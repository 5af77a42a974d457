// The client in Node 20 against the real service: login and its errors, one refresh shared by
// concurrent callers, a device clock minutes off, a refused refresh ending the session, backoff
// while the service is down, and logout.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthError, createAuthClient } from '../../dist/src/index.js';
import { authService, PASSWORD, sleep, waitFor, watchRefreshes } from '../helpers.js';

const clients = [];
/**
 * Clients of one url in one process are tabs of one browser to each other (they share a
 * BroadcastChannel); `device: 'other'` names the service as localhost instead, a device apart.
 */
const client = (service, options = {}, device = 'this') => {
  const url = device === 'this' ? service.url : service.url.replace('127.0.0.1', 'localhost');
  const auth = createAuthClient({ url, storage: 'memory', ...options });
  clients.push(auth);
  return auth;
};
/** A storage the test can read: the refresh token the client keeps. */
function readableStorage() {
  const items = new Map();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
    refreshToken: () => JSON.parse([...items.values()][0] ?? 'null')?.refresh,
  };
}
after(() => {
  for (const auth of clients) auth.close();
});

describe('login, user, logout', () => {
  let service;
  before(async () => {
    service = await authService();
  });
  after(() => service.close());

  test('login gives a session and /auth/me/; logout ends it at the server', async () => {
    const storage = readableStorage();
    const auth = client(service, { storage });
    const seen = [];
    auth.onChange((state) => seen.push(state));
    const state = await auth.login('alice', PASSWORD);
    const refresh = storage.refreshToken();
    assert.equal((await service.api.post('/auth/token/refresh/', { refresh })).status, 200);
    assert.equal(typeof state.accessToken, 'string');
    assert.match(state.sessionId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(await auth.user(), { id: state.userId, username: 'alice' });
    const response = await auth.fetch(`${service.url}/auth/me/`);
    assert.equal(response.status, 200);

    await auth.logout();
    assert.equal(auth.state(), null);
    await assert.rejects(auth.fetch(`${service.url}/auth/me/`), { name: 'AuthError', code: 'not_authenticated' });
    await assert.rejects(auth.getAccessToken(), { code: 'not_authenticated' });
    assert.equal(storage.refreshToken(), undefined);
    // The session is over at the server: its refresh token is refused.
    assert.equal((await service.api.post('/auth/token/refresh/', { refresh })).status, 401);
    await waitFor('both notifications', () => seen.length === 2);
    assert.equal(seen[0].sessionId, state.sessionId);
    assert.equal(seen[1], null);
  });

  test('bad credentials: no_active_account, nothing stored', async () => {
    const auth = client(service);
    const err = await auth.login('alice', 'wrong-password-1').catch((e) => e);
    assert.ok(err instanceof AuthError);
    assert.equal(err.code, 'no_active_account');
    assert.equal(err.status, 401);
    assert.equal(auth.state(), null);
  });

  test('the service unreachable: network_error (and Node, without localStorage, defaults to memory)', async () => {
    const auth = createAuthClient({ url: 'https://127.0.0.1:9' });
    clients.push(auth);
    await assert.rejects(auth.login('alice', PASSWORD), { code: 'network_error' });
  });

  test('logoutAll ends every session of the user, this one too', async () => {
    const storage = readableStorage();
    const one = client(service);
    const two = client(service, { storage }, 'other');
    await one.login('alice', PASSWORD);
    await two.login('alice', PASSWORD);
    const refresh = storage.refreshToken();
    await one.logoutAll();
    assert.equal(one.state(), null);
    // The other device's session is over too.
    assert.equal((await service.api.post('/auth/token/refresh/', { refresh })).status, 401);
  });
});

describe('throttled logins', () => {
  let service;
  before(async () => {
    service = await authService({ LOGIN_FREE_FAILURES: '1', LOGIN_BASE_DELAY: '30s' });
  });
  after(() => service.close());

  test('throttled carries retryAfter', async () => {
    const auth = client(service);
    let err;
    for (let i = 0; i < 4 && err?.code !== 'throttled'; i++) err = await auth.login('alice', 'wrong-password-1').catch((e) => e);
    assert.equal(err.code, 'throttled');
    assert.equal(err.status, 429);
    assert.ok(err.retryAfter >= 1, `retryAfter ${err.retryAfter}`);
  });
});

describe('refresh', () => {
  let service;
  let watch;
  before(async () => {
    service = await authService({ ACCESS_TOKEN_LIFETIME: '2s' });
    watch = watchRefreshes();
  });
  after(async () => {
    watch.restore();
    await service.close();
  });

  test('concurrent callers within the margin share one refresh', async () => {
    const auth = client(service, { refreshMargin: 1 });
    const first = await auth.login('alice', PASSWORD);
    watch.count = 0;
    await waitFor('the margin', () => Date.now() >= first.expiresAt - 1000);
    const tokens = await Promise.all(Array.from({ length: 10 }, () => auth.getAccessToken()));
    assert.equal(new Set(tokens).size, 1);
    assert.notEqual(tokens[0], first.accessToken);
    assert.equal(watch.count, 1);
    auth.close();
  });

  test('proactive: calls keep succeeding over several lifetimes, about one refresh per lifetime', async () => {
    const auth = client(service, { refreshMargin: 0.5 });
    await auth.login('alice', PASSWORD);
    watch.count = 0;
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      assert.equal((await auth.fetch(`${service.url}/auth/me/`)).status, 200);
      await sleep(100);
    }
    // 5 s of 2 s tokens: a refresh each ~1.5 s (3 or 4), never one per call (~50); the upper
    // bound leaves room for a loaded machine's late timers without letting a per-call refresh by.
    assert.ok(watch.count >= 2 && watch.count <= 10, `${watch.count} refreshes`);
    auth.close();
  });

  test('a refused refresh ends the session (onChange null), and fetch then says not_authenticated', async () => {
    const auth = client(service, { refreshMargin: 0.5 });
    const other = client(service, {}, 'other');
    await auth.login('alice', PASSWORD);
    await other.login('alice', PASSWORD);
    const ended = new Promise((resolve) => auth.onChange(resolve));
    await other.logoutAll();
    // The proactive refresh, within the margin, is refused: the session ends without a call.
    assert.equal(await ended, null);
    assert.equal(auth.state(), null);
    await assert.rejects(auth.fetch(`${service.url}/auth/me/`), { code: 'not_authenticated' });
  });

  test('the service down: refresh backs off (no storm), the session survives, and resumes when it is back', async () => {
    const auth = client(service, { refreshMargin: 0.5 });
    await auth.login('alice', PASSWORD);
    await service.stop();
    await waitFor('expiry', () => Date.now() >= auth.state().expiresAt);
    watch.count = 0;
    await assert.rejects(auth.getAccessToken(), { code: 'network_error' });
    const failed = watch.count;
    // Within the backoff, callers get the same error without a new request.
    await assert.rejects(auth.getAccessToken(), { code: 'network_error' });
    await assert.rejects(auth.fetch(`${service.url}/auth/me/`), { code: 'network_error' });
    assert.equal(watch.count, failed);
    assert.notEqual(auth.state(), null, 'a network error is not a logout');
    await service.start();
    await waitFor('a new token', async () => (await auth.fetch(`${service.url}/auth/me/`).catch(() => null))?.status === 200);
    assert.notEqual(auth.state(), null);
    auth.close();
  });
});

describe('a device clock minutes off', () => {
  for (const skewMinutes of [10, -10]) {
    test(`server ${skewMinutes} min from this device: tokens live their lifetime, no refresh storm`, async () => {
      const service = await authService({ ACCESS_TOKEN_LIFETIME: '1m' }, skewMinutes * 60_000);
      const watch = watchRefreshes();
      try {
        const auth = client(service, { refreshMargin: 10 });
        const state = await auth.login('alice', PASSWORD);
        const left = state.expiresAt - Date.now();
        assert.ok(left > 50_000 && left <= 60_000, `${left} ms left`);
        for (let i = 0; i < 5; i++) assert.equal((await auth.fetch(`${service.url}/auth/me/`)).status, 200);
        assert.equal(await auth.getAccessToken(), state.accessToken);
        assert.equal(watch.countFor(service.url), 0);
        auth.close();
      } finally {
        watch.restore();
        await service.close();
      }
    });
  }
});
