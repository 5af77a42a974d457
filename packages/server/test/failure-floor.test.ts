// The failure floor (no account enumeration through the kind of stored hash): calibrated from
// the hashes in the users table, it is at least the cost of every class found there, and a
// failed check (unknown user, wrong password, unusable hash) answers no sooner than it. These
// are lower bounds our own timer guarantees, not thresholds on a noisy machine; the figures
// (what each kind costs, what each failure answers in) are in docs/performance.md.
import assert from 'node:assert/strict';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { hashSync } from '@node-rs/argon2';
import { calibrateFailureFloor } from '../src/auth/failure-floor.js';
import { DRIVERS, useTestApp } from './helpers/app.js';

const pbkdf2 = (password: string, iterations: number) => {
  const salt = randomBytes(12).toString('base64url');
  return `pbkdf2_sha256$${iterations}$${salt}$${pbkdf2Sync(password, salt, iterations, 32, 'sha256').toString('base64')}`;
};

for (const driver of DRIVERS) {
  describe(`failure floor (${driver})`, () => {
    const t = useTestApp(driver);

    test('calibration times the dummy and one hash of each Django class in the users table', async () => {
      const id = await t.user('ann');
      await t.db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [id, pbkdf2('ann-password-1', 120_000)]);
      await t.user('ben');
      await t.db.query("UPDATE users SET password_hash = '!unusable' WHERE username = 'ben'");
      // An argon2 hash with other parameters than ours (an older setting, or imported as is).
      const cid = await t.user('cid');
      const other = hashSync('cid-password-1', { algorithm: 2, memoryCost: 4096, timeCost: 3, parallelism: 1 });
      await t.db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [cid, other]);
      const costs = await calibrateFailureFloor(t.deps);
      assert.deepEqual([...costs.keys()].sort(), ['$argon2id$v=19$m=4096,t=3,p=1', 'argon2id (ours)', 'pbkdf2_sha256$120000']);
      for (const cost of costs.values()) assert.ok(t.deps.passwords.floor.ms >= cost, 'the floor covers every class');
    });

    test('every failed check answers no sooner than the floor; a success is not held', async () => {
      const floor = t.deps.passwords.floor.ms;
      for (const [username, password] of [
        ['nobody', 'x-password-1'],
        ['ann', 'wrong-password'],
        ['ben', 'ben-password-1'],
      ]) {
        const started = performance.now();
        const res = await t.api.post('/auth/login/', { username, password });
        assert.equal(res.status, 401, username);
        assert.ok(performance.now() - started >= floor - 2, `${username}: ${performance.now() - started} < ${floor}`);
      }
      assert.equal((await t.deps.passwords.verify(pbkdf2('right', 1000), 'right')).ok, true);
    });
  });
}
