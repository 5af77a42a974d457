// Login edge cases found in review: an account attacked for weeks (the delay's doubling must
// not overflow into an error), and accounts whose stored hash is unusable (they must cost what
// any wrong password costs, or timing singles them out).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clientBucket } from '../src/auth/throttle.js';
import { settleAccountTurn, takeAccountTurn } from '../src/db/repos/login-throttle.js';
import { createTestApp, DRIVERS, useTestApp } from './helpers/app.js';

describe('per-client buckets', () => {
  test('IPv4 by address, IPv6 by /64, IPv4-mapped IPv6 as IPv4', () => {
    assert.equal(clientBucket('203.0.113.7'), '203.0.113.7');
    assert.equal(clientBucket('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(clientBucket('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(clientBucket('2001:db8:1:2::7'), '2001:db8:1:2::/64');
    assert.equal(clientBucket('2001:0db8:0001:0002:ffff::1'), '2001:db8:1:2::/64');
    assert.notEqual(clientBucket('2001:db8:1:3::1'), clientBucket('2001:db8:1:2::1'));
  });
});

for (const driver of DRIVERS) {
  describe(`login edges (${driver})`, () => {
    const t = useTestApp(driver);

    test('thousands of counted failures keep answering with the maximum delay, never an error', async () => {
      const policy = { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 1000, memoryMs: 86_400_000, leaseMs: 30_000 };
      let at = Date.UTC(2026, 0, 1);
      for (let attempt = 0; attempt < 1100; attempt++) {
        const id = `turn-${attempt}`;
        const answer = await takeAccountTurn(t.db, 'a:overflow', id, new Date(at), policy);
        assert.equal(answer, 'granted', `attempt ${attempt} gets its turn once the delay has passed`);
        await settleAccountTurn(t.db, 'a:overflow', id, 'failure', new Date(at), policy);
        at += 1001;
      }
      // An attempt 500 ms after the last failure is within its (capped) delay: refused.
      at -= 501;
      const until = await takeAccountTurn(t.db, 'a:overflow', 'late', new Date(at), policy);
      assert.ok(until instanceof Date && until.getTime() - at <= 1000 && until.getTime() > at, String(until));
    });

    test('addresses of one IPv6 /64 share the per-client limit', async () => {
      const limited = await createTestApp(driver, { LOGIN_CLIENT_LIMIT: '3' });
      try {
        const statuses: number[] = [];
        for (let i = 1; i <= 5; i++) {
          const res = await limited.app.inject({
            method: 'POST',
            url: '/auth/login/',
            remoteAddress: `2001:db8:77:1::${i}`,
            headers: { 'content-type': 'application/json' },
            payload: JSON.stringify({ username: `nobody${i}`, password: 'x-password' }),
          });
          statuses.push(res.statusCode);
        }
        assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
      } finally {
        await limited.close();
      }
    });

    test('an unusable stored hash costs one password verification, like a wrong password', async () => {
      const id = await t.user('unusable');
      await t.db.query("UPDATE users SET password_hash = '!unusable-django-password' WHERE id = $1", [id]);
      const pool = (t.deps.passwords as unknown as { pool: { verify: (...a: unknown[]) => Promise<boolean> } }).pool;
      const verify = pool.verify.bind(pool);
      let verifications = 0;
      pool.verify = (...args: unknown[]) => {
        verifications++;
        return verify(...args);
      };
      try {
        const res = await t.api.post('/auth/login/', { username: 'unusable', password: 'anything-at-all' });
        assert.equal(res.status, 401);
        assert.equal(verifications, 1);
        verifications = 0;
        await t.api.post('/auth/login/', { username: 'nobody-by-that-name', password: 'anything-at-all' });
        assert.equal(verifications, 1, 'an unknown user costs the same');
      } finally {
        pool.verify = verify;
      }
    });
  });
}
