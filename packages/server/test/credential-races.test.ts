// A password change or a disable that lands while a login is between "password verified" and
// "session opened" must win: the login fails, no session escapes the revocation, and the
// background rehash of a legacy hash never writes the old password back over the new one.
// The interleaving is forced by holding the hashing step at a gate (no timing involved).
import assert from 'node:assert/strict';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { CLI_CONTEXT } from '../src/auth/context.js';
import { disableUser, setPassword } from '../src/auth/users.js';
import { DRIVERS, type TestApp, useTestApp } from './helpers/app.js';

/** A Django PBKDF2 hash (few iterations: the format, not the cost, is what matters here). */
function djangoHash(password: string): string {
  const salt = randomBytes(8).toString('hex');
  const digest = pbkdf2Sync(password, salt, 1000, 32, 'sha256').toString('base64');
  return `pbkdf2_sha256$1000$${salt}$${digest}`;
}

function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

const login = (t: TestApp, username: string, password: string) => t.api.post('/auth/login/', { username, password });

for (const driver of DRIVERS) {
  describe(`credential changes racing a login (${driver})`, () => {
    const t = useTestApp(driver);

    /** Holds every login after its password check, until the returned gate opens. */
    function holdAfterVerify() {
      const held = gate();
      const reached = gate();
      const verify = t.deps.passwords.verify.bind(t.deps.passwords);
      t.deps.passwords.verify = async (stored, password) => {
        const result = await verify(stored, password);
        reached.open();
        await held.opened;
        return result;
      };
      return {
        reached: reached.opened,
        release() {
          held.open();
          t.deps.passwords.verify = verify;
        },
      };
    }

    for (const change of ['set-password', 'disable'] as const) {
      test(`${change} while a login is past its password check: the login fails, no session survives`, async () => {
        const username = `racer-${change}`;
        const id = await t.user(username, 'old-password-1');
        const hold = holdAfterVerify();
        const pending = login(t, username, 'old-password-1');
        await hold.reached;
        if (change === 'set-password') await setPassword(t.deps, username, 'new-password-1', CLI_CONTEXT);
        else await disableUser(t.deps, username, CLI_CONTEXT);
        hold.release();

        const res = await pending;
        assert.equal(res.status, 401, res.raw);
        assert.equal(res.body.code, 'no_active_account');
        const live = await t.db.query('SELECT 1 FROM sessions WHERE user_id = $1 AND revoked_at IS NULL', [id]);
        assert.equal(live.length, 0, 'no live session');
      });
    }

    test('the rehash of a legacy hash never overwrites a password set meanwhile', async () => {
      const id = await t.user('legacy', 'placeholder-password');
      await t.db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [id, djangoHash('old-password-1')]);
      // Hold the rehash (it runs after the answer) until the operator has set a new password.
      const held = gate();
      const hash = t.deps.passwords.hash.bind(t.deps.passwords);
      let rehashed: Promise<string> | undefined;
      t.deps.passwords.hash = (password) => {
        rehashed = held.opened.then(() => hash(password));
        return rehashed;
      };
      // And know when its write has been attempted.
      const written = gate();
      const query = t.deps.db.query.bind(t.deps.db);
      t.deps.db.query = (async (sql: string, params?: readonly unknown[]) => {
        const rows = await query(sql, params);
        if (sql.startsWith('UPDATE users SET password_hash') && sql.includes('password_hash = $2')) written.open();
        return rows;
      }) as typeof t.deps.db.query;
      try {
        assert.equal((await login(t, 'legacy', 'old-password-1')).status, 200);
        t.deps.passwords.hash = hash;
        await setPassword(t.deps, 'legacy', 'new-password-1', CLI_CONTEXT);
        held.open();
        await rehashed;
        await written.opened;
      } finally {
        t.deps.passwords.hash = hash;
        t.deps.db.query = query;
      }
      assert.equal((await login(t, 'legacy', 'new-password-1')).status, 200, 'the new password works');
      assert.equal((await login(t, 'legacy', 'old-password-1')).status, 401, 'the old one does not');
    });

    test('the rehash of a legacy hash replaces it when nothing changed', async () => {
      const id = await t.user('legacy2', 'placeholder-password');
      await t.db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [id, djangoHash('old-password-1')]);
      assert.equal((await login(t, 'legacy2', 'old-password-1')).status, 200);
      for (let attempt = 0; attempt < 100; attempt++) {
        const [row] = await t.db.query<{ hash: string }>('SELECT password_hash AS hash FROM users WHERE id = $1', [id]);
        if (row?.hash.startsWith('$argon2id$')) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const [row] = await t.db.query<{ hash: string }>('SELECT password_hash AS hash FROM users WHERE id = $1', [id]);
      assert.match(row?.hash ?? '', /^\$argon2id\$/);
      assert.equal((await login(t, 'legacy2', 'old-password-1')).status, 200);
    });
  });
}
