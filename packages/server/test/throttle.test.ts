// Abuse resistance of POST /auth/login/: the per-account delay (growing, capped, never a
// permanent lock), the per-client failure limit, X-Forwarded-For only from trusted proxies,
// atomic counters shared by every instance (database or Redis), one answer for every kind of
// bad credentials, and fast 503s when password hashing is saturated. Honest crowds and
// parallel attempts: throttle-traffic.test.ts; waiting for a turn: throttle-turns.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CLI_CONTEXT } from '../src/auth/context.js';
import { disableUser } from '../src/auth/users.js';
import { anotherInstance, createTestApp, DRIVERS, type TestApp } from './helpers/app.js';
import { get, loginPair, post } from './helpers/http.js';
import {
  assertThrottled,
  attempt,
  cleanUpRedis,
  countHashing,
  freshIp,
  right,
  uname,
  VARIANTS,
  WRONG,
} from './helpers/throttle.js';

after(cleanUpRedis);

for (const v of VARIANTS) {
  describe(`per-account delay and credentials (${v.name})`, { skip: v.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(v.driver, { ...v.env, LOGIN_FREE_FAILURES: '5', LOGIN_BASE_DELAY: '1s', LOGIN_MAX_DELAY: '4s' });
    });
    after(() => t.close());

    test('delays grow after the free failures, are capped, and end', async () => {
      const alice = uname('alice');
      await t.user(alice);
      for (let i = 0; i < 5; i++) assert.equal((await attempt(t.app, alice, WRONG)).status, 401);
      // Each delay doubles (1 s, 2 s, 4 s) up to LOGIN_MAX_DELAY (4 s), and never goes beyond.
      const delays: number[] = [];
      for (let i = 0; i < 5; i++) {
        const retryAfter = assertThrottled(await attempt(t.app, alice, WRONG));
        delays.push(retryAfter);
        t.clock.advance(retryAfter * 1000);
        assert.equal((await attempt(t.app, alice, WRONG)).status, 401, 'the delay is over: the attempt is checked');
      }
      assert.deepEqual(delays, [1, 2, 4, 4, 4]);

      // The right password during a delay gets the same 429: the throttle is not an oracle.
      const during = await attempt(t.app, alice, right(alice));
      assert.equal(assertThrottled(during), 4);
      t.clock.advance(4000);
      assert.equal((await attempt(t.app, alice, right(alice))).status, 200, 'never a permanent lock');

      // A success forgets the failures: the free attempts are back.
      for (let i = 0; i < 5; i++) assert.equal((await attempt(t.app, alice, WRONG)).status, 401);
      assert.equal(assertThrottled(await attempt(t.app, alice, WRONG)), 1);
    });

    test('the delay is per account: another account from the same client is unaffected', async () => {
      const bob = uname('bob');
      const carol = uname('carol');
      await t.user(bob);
      await t.user(carol);
      for (let i = 0; i < 5; i++) await attempt(t.app, bob, WRONG);
      assertThrottled(await attempt(t.app, bob, WRONG));
      assert.equal((await attempt(t.app, carol, right(carol))).status, 200);
    });

    test('an unknown username is throttled like a real one', async () => {
      const ghost = uname('ghost');
      for (let i = 0; i < 5; i++) assert.equal((await attempt(t.app, ghost, WRONG)).status, 401);
      assertThrottled(await attempt(t.app, ghost, WRONG));
    });

    test('counters are shared by two instances of the service', async () => {
      const dave = uname('dave');
      await t.user(dave);
      const other = await anotherInstance(t);
      try {
        for (const app of [t.app, other.app, t.app, other.app, t.app])
          assert.equal((await attempt(app, dave, WRONG)).status, 401);
        assertThrottled(await attempt(other.app, dave, right(dave)));
        assertThrottled(await attempt(t.app, dave, right(dave)));
        t.clock.advance(1000);
        // A success on one instance clears the account for the other as well.
        assert.equal((await attempt(other.app, dave, right(dave))).status, 200);
        for (let i = 0; i < 5; i++) assert.equal((await attempt(t.app, dave, WRONG)).status, 401);
      } finally {
        await other.close();
      }
    });

    test('unknown user, wrong password and disabled user: one answer, after one password verification each', async () => {
      const [known, disabled] = [uname('gina'), uname('hank')];
      await t.user(known);
      await t.user(disabled);
      await disableUser(t.deps, disabled, CLI_CONTEXT);
      const cases = [
        [uname('nobody'), 'whatever-password'],
        [known, WRONG],
        [disabled, right(disabled)],
      ];
      const answers = [];
      for (const [username = '', password = ''] of cases) {
        const { jobs, result: res } = await countHashing(t, () => post(t.app, '/auth/login/', { username, password }));
        // An unknown user costs a verification too (of a dummy hash): timing must not tell.
        assert.equal(jobs, 1, `${username}: one password verification`);
        const { date: _date, ...headers } = res.headers;
        answers.push({ status: res.status, raw: res.raw, headers });
      }
      assert.equal(answers[0]?.status, 401);
      assert.deepEqual(JSON.parse(answers[0]?.raw ?? ''), {
        detail: 'No active account found with the given credentials',
        code: 'no_active_account',
      });
      assert.deepEqual(answers[1], answers[0]);
      assert.deepEqual(answers[2], answers[0]);
    });
  });

  describe(`per-client limit (${v.name})`, { skip: v.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(v.driver, { ...v.env, LOGIN_CLIENT_LIMIT: '3', LOGIN_CLIENT_WINDOW: '1m' });
    });
    after(() => t.close());

    test('past the limit of failures one address gets 429, other addresses do not', async () => {
      const frank = uname('frank');
      await t.user(frank);
      const ip = freshIp();
      // Different usernames each time: only the client counter grows.
      for (let i = 0; i < 3; i++) assert.equal((await attempt(t.app, uname(`nobody${i}`), WRONG, { ip })).status, 401);
      const retryAfter = assertThrottled(await attempt(t.app, uname('nobody3'), WRONG, { ip }));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter} within the 1 min window`);
      assertThrottled(await attempt(t.app, frank, right(frank), { ip }));
      assert.equal((await attempt(t.app, frank, right(frank), { ip: freshIp() })).status, 200);
    });

    test('X-Forwarded-For is ignored without TRUST_PROXY', async () => {
      const ip = freshIp();
      // A client cannot reset its counter by naming a new address each time.
      for (let i = 0; i < 3; i++) {
        const res = await attempt(t.app, uname('xff'), WRONG, { ip, xff: freshIp() });
        assert.equal(res.status, 401);
      }
      assertThrottled(await attempt(t.app, uname('xff'), WRONG, { ip, xff: freshIp() }));
    });

    // Both stores follow the service clock (Redis only expires keys in real time, as cleanup).
    test('the window ends', async () => {
      const ip = freshIp();
      for (let i = 0; i < 3; i++) await attempt(t.app, uname(`window${i}`), WRONG, { ip });
      assertThrottled(await attempt(t.app, uname('window3'), WRONG, { ip }));
      t.clock.advance(60_000);
      assert.equal((await attempt(t.app, uname('window4'), WRONG, { ip })).status, 401);
    });
  });

  describe(`trusted proxy (${v.name})`, { skip: v.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(v.driver, { ...v.env, LOGIN_CLIENT_LIMIT: '3', TRUST_PROXY: '127.0.0.1' });
    });
    after(() => t.close());

    test('X-Forwarded-For from the trusted proxy names the client that is counted', async () => {
      const client = freshIp();
      const proxy = { ip: '127.0.0.1', xff: client };
      for (let i = 0; i < 3; i++) assert.equal((await attempt(t.app, uname('proxied'), WRONG, proxy)).status, 401);
      assertThrottled(await attempt(t.app, uname('proxied'), WRONG, proxy));
      // Another client behind the same proxy has its own counter.
      assert.equal((await attempt(t.app, uname('proxied'), WRONG, { ip: '127.0.0.1', xff: freshIp() })).status, 401);
    });

    test('X-Forwarded-For from an untrusted peer is still ignored', async () => {
      const ip = freshIp();
      for (let i = 0; i < 3; i++) await attempt(t.app, uname('spoof'), WRONG, { ip, xff: freshIp() });
      assertThrottled(await attempt(t.app, uname('spoof'), WRONG, { ip, xff: freshIp() }));
    });
  });
}

for (const driver of DRIVERS) {
  describe(`password hashing overload (${driver})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(driver, {
        HASH_CONCURRENCY: '1',
        HASH_QUEUE_LIMIT: '2',
        HASH_QUEUE_TIMEOUT: '1m',
        LOGIN_FREE_FAILURES: '1000',
      });
      await t.user('alice');
    });
    after(() => t.close());

    test('a login flood gets fast 503s while token endpoints keep answering', async () => {
      const pair = await loginPair(t.app, 'alice');
      // The one hashing slot is busy until we say so (as under a long burst of logins), which
      // makes the outcome exact: 2 logins wait in the queue, the other 28 are refused at once.
      let release = () => {};
      const busy = t.deps.passwords.limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
      let settled = 0;
      const flood = Array.from({ length: 30 }, () =>
        post(t.app, '/auth/login/', { username: 'alice', password: right('alice') }).finally(() => settled++),
      );
      const others = await Promise.all([
        post(t.app, '/auth/token/refresh/', { refresh: pair.refresh }),
        post(t.app, '/auth/token/verify/', { token: pair.access }),
        get(t.app, '/auth/me/', { authorization: `Bearer ${pair.access}` }),
      ]);
      for (const r of others) assert.equal(r.status, 200, r.raw);
      while (settled < 28) await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(t.deps.passwords.limiter.stats, { running: 1, waiting: 2 });
      release();
      await busy;
      const logins = await Promise.all(flood);
      const refused = logins.filter((r) => r.status === 503);
      assert.equal(refused.length, 28);
      assert.equal(logins.filter((r) => r.status === 200).length, 2, 'the queued logins succeed');
      for (const r of refused) {
        assert.deepEqual(r.body, { detail: 'Too many logins in progress. Try again shortly.', code: 'overloaded' });
        assert.match(String(r.headers['retry-after']), /^\d+$/);
      }
    });
  });
}
