// Issue 14: the login throttle must never stop honest traffic, and must still stop guessing.
// With the default limits, on every store (PGlite, PostgreSQL, Redis):
// - many users behind one address (a frontend server, an office NAT) log in, refresh and log
//   out without a single 429, while credential stuffing from one address is stopped after
//   LOGIN_CLIENT_LIMIT failures, also when its attempts come all at once;
// - parallel correct logins of one account all succeed (they wait for a turn), while parallel
//   wrong passwords get LOGIN_FREE_FAILURES checked, counted by the hashing jobs that ran and
//   by the audit trail's login_failed rows, and the rest 429 — on one instance or two.
// The waits are generous (LOGIN_WAIT_TIMEOUT 2m) so that a slow machine cannot change the
// outcome; that the wait is bounded is tested in throttle-turns.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { anotherInstance, useTestApp } from './helpers/app.js';
import {
  assertThrottled,
  attempt,
  cleanUpRedis,
  countHashing,
  freshIp,
  loginFailures,
  right,
  tally,
  uname,
  VARIANTS,
  WRONG,
} from './helpers/throttle.js';

after(cleanUpRedis);

/** Long enough never to decide an outcome here; hashing may queue as long as it needs. */
const PATIENT = { LOGIN_WAIT_TIMEOUT: '2m', HASH_QUEUE_LIMIT: '1000', HASH_QUEUE_TIMEOUT: '2m' };

/** Runs `jobs` with at most `width` at once (a steady load rather than one burst). */
async function inWaves<T>(width: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < jobs.length; i += width) results.push(...(await Promise.all(jobs.slice(i, i + width).map((j) => j()))));
  return results;
}

for (const v of VARIANTS) {
  describe(`many users behind one address, and stuffing from one address (${v.name})`, { skip: v.skip }, () => {
    // LOGIN_CLIENT_LIMIT '' is the default (the test helper raises it otherwise).
    const t = useTestApp(v.driver, { ...v.env, ...PATIENT, LOGIN_CLIENT_LIMIT: '' });
    const crowd = Array.from({ length: 150 }, (_, i) => uname(`crowd${i}`));
    before(async () => {
      assert.equal(t.config.throttle.clientLimit, 100, 'the default limit is what is tested');
      for (const name of crowd) await t.user(name);
    });

    test('150 different users log in correctly from one address within a minute, all at once: all succeed', async () => {
      const ip = freshIp();
      // The service clock stands still: all 150 fall in one window of the per-address limit.
      const results = await Promise.all(crowd.map((name) => attempt(t.app, name, right(name), { ip })));
      assert.deepEqual(tally(results), { 200: 150 });
      // Correct logins spent none of the address's failure budget.
      assert.equal((await attempt(t.app, uname('typo'), WRONG, { ip })).status, 401);
    });

    test('a mixed load from one address (logins, typos, refreshes, logouts) is never refused', async () => {
      const ip = freshIp();
      const session = async (name: string, i: number) => {
        const statuses: number[] = [];
        if (i % 10 === 0) statuses.push((await attempt(t.app, name, `${WRONG}-typo`, { ip })).status); // 15 typos
        const login = await attempt(t.app, name, right(name), { ip });
        statuses.push(login.status);
        const refresh = await t.api.post('/auth/token/refresh/', { refresh: login.body.refresh });
        const logout = await t.api.post('/auth/logout/', { refresh_token: login.body.refresh });
        statuses.push(refresh.status, logout.status);
        return statuses;
      };
      const results = await inWaves(
        15,
        crowd.map((name, i) => () => session(name, i)),
      );
      const statuses = results.flat().map((status) => ({ status }));
      assert.deepEqual(tally(statuses), { 200: 450, 401: 15 });
    });

    test('credential stuffing from one address, one guess per account: stopped after 100 failures', async () => {
      const ip = freshIp();
      const other = freshIp();
      const { jobs, result } = await countHashing(t, async () => {
        const answers = [];
        // Known and unknown accounts alike: a failure is a failure (no enumeration).
        for (let i = 0; i < 100; i++) {
          const name = i % 2 === 0 ? (crowd[i] as string) : uname(`stuffed${i}`);
          answers.push(await attempt(t.app, name, WRONG, { ip }));
        }
        return answers;
      });
      assert.deepEqual(tally(result), { 401: 100 });
      assert.equal(jobs, 100, 'one password verification per guess, no more');
      const retryAfter = assertThrottled(await attempt(t.app, uname('stuffed100'), WRONG, { ip }));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter} within the 1 min window`);
      // The address is stopped, a right password included (else stuffing would go on); the
      // accounts are not: their owner elsewhere logs in.
      const owner = crowd[0] as string;
      assertThrottled(await attempt(t.app, owner, right(owner), { ip }));
      assert.equal((await attempt(t.app, owner, right(owner), { ip: other })).status, 200);
      t.clock.advance(60_000);
      assert.equal((await attempt(t.app, owner, right(owner), { ip })).status, 200, 'the window ends');
    });

    test('parallel credential stuffing from one address: 100 passwords checked, the rest 429', async () => {
      const ip = freshIp();
      const { jobs, result } = await countHashing(t, () =>
        Promise.all(Array.from({ length: 150 }, (_, i) => attempt(t.app, uname(`burst${i}`), WRONG, { ip }))),
      );
      // Turns in flight count like failures: the 150 cannot all pass a check that only a
      // finished failure would close.
      assert.deepEqual(tally(result), { 401: 100, 429: 50 });
      assert.equal(jobs, 100);
      assert.equal(await loginFailures(t, { clientIp: ip }), 100);
      for (const res of result.filter((r) => r.status === 429)) assertThrottled(res);
    });
  });

  describe(`parallel logins of one account (${v.name})`, { skip: v.skip }, () => {
    const t = useTestApp(v.driver, { ...v.env, ...PATIENT });
    before(() => assert.equal(t.config.throttle.freeFailures, 5, 'the default free failures are what is tested'));

    test('50 parallel correct logins of one account all succeed', async () => {
      const service = uname('service-account');
      await t.user(service);
      const ip = freshIp(); // several workers behind one address
      const { jobs, result } = await countHashing(t, () =>
        Promise.all(Array.from({ length: 50 }, () => attempt(t.app, service, right(service), { ip }))),
      );
      assert.deepEqual(tally(result), { 200: 50 });
      assert.equal(jobs, 50);
    });

    test('50 parallel wrong passwords on one account: 5 checked, 45 refused, then the delay ends', async () => {
      const victim = uname('victim');
      await t.user(victim);
      // From 50 addresses, so that only the account can stop them.
      const { jobs, result } = await countHashing(t, () =>
        Promise.all(Array.from({ length: 50 }, () => attempt(t.app, victim, WRONG, { ip: freshIp() }))),
      );
      assert.deepEqual(tally(result), { 401: 5, 429: 45 });
      assert.equal(jobs, 5, 'passwords really checked');
      assert.equal(await loginFailures(t, { username: victim }), 5);
      for (const res of result.filter((r) => r.status === 429)) assertThrottled(res);
      assertThrottled(await attempt(t.app, victim, right(victim)));
      t.clock.advance(1000); // LOGIN_BASE_DELAY
      assert.equal((await attempt(t.app, victim, right(victim))).status, 200);
    });

    test('the owner and a guesser at once: every right password gets through, no guess beyond the free ones', async () => {
      const owner = uname('owner');
      await t.user(owner);
      const tries = [...Array(20).fill(right(owner)), WRONG, WRONG, WRONG];
      const result = await Promise.all(tries.map((password) => attempt(t.app, owner, password, { ip: freshIp() })));
      // Each success clears the failures, so 3 failures never reach the 5 that start a delay.
      assert.deepEqual(tally(result), { 200: 20, 401: 3 });
    });

    test('split over two instances: 50 parallel correct logins succeed, 50 wrong ones get 5 checked', async () => {
      const other = await anotherInstance(t);
      try {
        const shared = uname('shared-account');
        await t.user(shared);
        const apps = [t.app, other.app];
        const correct = await Promise.all(
          Array.from({ length: 50 }, (_, i) => attempt(apps[i % 2] ?? t.app, shared, right(shared), { ip: freshIp() })),
        );
        assert.deepEqual(tally(correct), { 200: 50 });
        const wrong = await Promise.all(
          Array.from({ length: 50 }, (_, i) => attempt(apps[i % 2] ?? t.app, shared, WRONG, { ip: freshIp() })),
        );
        assert.deepEqual(tally(wrong), { 401: 5, 429: 45 });
        assert.equal(await loginFailures(t, { username: shared }), 5, 'both instances wrote to one audit trail');
      } finally {
        await other.close();
      }
    });
  });
}
