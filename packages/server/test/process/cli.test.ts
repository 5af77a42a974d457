// The operators' CLI as a new operator uses it, beside the running service: on PGlite it
// goes through the service's admin socket, on PostgreSQL it opens its own connection; with
// the service stopped, it opens the embedded database itself. Its effects are checked over
// real HTTPS.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { claimsOf, headerOf } from '../helpers/http.js';
import { createDeployment, type Deployment, DRIVERS, type RunResult, type Service, sleep } from '../helpers/process.js';

const NO_STACK = /^\s+at /m;

function assertOk(run: RunResult, stdout: RegExp): void {
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, stdout);
}

for (const driver of DRIVERS) {
  describe(`CLI beside the running service (${driver})`, () => {
    let deployment: Deployment;
    let service: Service;
    const cli = (args: string[], input?: string) => deployment.cli(args, { input });
    const loginStatus = async (password: string) => (await service.post('/auth/login/', { username: 'alice', password })).status;
    before(async () => {
      // The CLI rotates keys in its own process on PostgreSQL: the service picks them up within 1 s.
      deployment = await createDeployment(driver, { KEY_RELOAD_INTERVAL: '1s' });
      service = await deployment.start();
    });
    after(() => deployment?.dispose());

    test('user create reads the password from stdin; the user then logs in over HTTPS', async () => {
      assertOk(await cli(['user', 'create', 'alice'], 'alice-password-1\n'), /created user id \d+/);
      assert.equal(await loginStatus('alice-password-1'), 200);
    });

    test('user list shows the user, as a table and as JSON', async () => {
      assertOk(await cli(['user', 'list']), /^\d+\s+alice\s+true\s/m);
      const users = JSON.parse((await cli(['user', 'list', '--json'])).stdout) as Array<Record<string, unknown>>;
      assert.deepEqual(
        users.map((u) => [u.username, u.isActive]),
        [['alice', true]],
      );
    });

    test('user set-password: the old password stops working, the new one works, sessions end', async () => {
      const pair = await service.login('alice');
      assertOk(await cli(['user', 'set-password', 'alice'], 'alice-password-2\n'), /[1-9]\d* session\(s\) revoked/);
      assert.equal((await service.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 401);
      assert.equal(await loginStatus('alice-password-1'), 401);
      assert.equal(await loginStatus('alice-password-2'), 200);
    });

    test('user disable refuses logins; user enable lets them in again', async () => {
      assertOk(await cli(['user', 'disable', 'alice']), /user disabled/);
      assert.equal(await loginStatus('alice-password-2'), 401);
      assertOk(await cli(['user', 'enable', 'alice']), /user enabled/);
      assert.equal(await loginStatus('alice-password-2'), 200);
    });

    test('user sessions lists the live sessions of the user, newest first: a logged-out one is gone', async () => {
      const sessions = async (...more: string[]) =>
        (JSON.parse((await cli(['user', 'sessions', 'alice', '--json', ...more])).stdout) as Array<{ id: string }>).map(
          (s) => s.id,
        );
      const earlier = await sessions();
      const first = await service.login('alice', 'alice-password-2');
      const second = await service.login('alice', 'alice-password-2');
      const [sid1, sid2] = [claimsOf(first.refresh).sid, claimsOf(second.refresh).sid];
      assert.deepEqual(await sessions(), [sid2, sid1, ...earlier]);
      assert.equal((await service.post('/auth/logout/', { refresh_token: first.refresh })).status, 200);
      assert.deepEqual(await sessions(), [sid2, ...earlier]);
      assert.deepEqual(await sessions('--limit', '1'), [sid2]);
      // id, createdAt, lastUsedAt (the login, never refreshed), expiresAt, clientAddress, userAgent (none sent), imported
      const row = new RegExp(
        `^${sid2}\\s+(\\d{4}-\\d\\d-\\d\\dT\\S+Z)\\s+\\1\\s+\\d{4}-\\S+Z\\s+127\\.0\\.0\\.1\\s+-\\s+false$`,
        'm',
      );
      assertOk(await cli(['user', 'sessions', 'alice']), row);
    });

    test('migrate is idempotent', async () => {
      assertOk(await cli(['migrate']), /database is up to date/);
      assertOk(await cli(['migrate']), /database is up to date/);
    });

    test('keys rotate (staged, then --now): keys list and the JWKS show every key, new tokens use the one rotated in at once', async () => {
      const before = await service.login('alice', 'alice-password-2');
      const keys = async () =>
        JSON.parse((await cli(['keys', 'list', '--json'])).stdout) as Array<{ kid: string; state: string }>;
      assert.deepEqual(
        (await keys()).map((k) => k.state),
        ['current'],
      );
      // Staged: published now, signing later; the new key is listed as next.
      assertOk(await cli(['keys', 'rotate']), /new key \S+, published now, signs from \S+\n\S+ stops signing then/);
      assert.deepEqual((await keys()).map((k) => k.state).sort(), ['current', 'next']);
      // Immediate: a third key signs at once; the staged one never signed.
      assertOk(await cli(['keys', 'rotate', '--now']), /new key \S+, published now, signs from/);
      const rotated = await keys();
      assert.equal(rotated.length, 3);
      const current = rotated.find((k) => k.state === 'current')?.kid;
      let jwks = (await service.get('/auth/.well-known/jwks.json')).body.keys as unknown[];
      for (let attempt = 0; jwks.length < 3 && attempt < 100; attempt++) {
        await sleep(200); // PostgreSQL: the service reloads keys every KEY_RELOAD_INTERVAL
        jwks = (await service.get('/auth/.well-known/jwks.json')).body.keys as unknown[];
      }
      assert.equal(jwks.length, 3);
      assert.equal(headerOf((await service.login('alice', 'alice-password-2')).access).kid, current);
      assert.equal((await service.get('/auth/me/', { authorization: `Bearer ${before.access}` })).status, 200);
    });

    test('tokens flush-expired', async () => {
      assertOk(await cli(['tokens', 'flush-expired']), /deleted \d+ expired session\(s\)/);
    });

    test('audit --user alice shows what happened to alice', async () => {
      const events = JSON.parse((await cli(['audit', '--user', 'alice', '--json'])).stdout) as Array<{ event: string }>;
      const seen = new Set(events.map((e) => e.event));
      for (const event of [
        'user_created',
        'login_succeeded',
        'login_failed',
        'password_changed',
        'user_disabled',
        'user_enabled',
      ]) {
        assert.ok(seen.has(event), `${event} in ${[...seen].join(', ')}`);
      }
      assertOk(await cli(['audit', '--user', 'alice', '--event', 'user_created']), /user_created\s+alice/);
      // Relative times in the grammar of the settings (config/duration.ts): decimals and ms too.
      assertOk(await cli(['audit', '--user', 'alice', '--event', 'user_created', '--since', '1.5h']), /user_created\s+alice/);
      assertOk(await cli(['audit', '--user', 'alice', '--since', '1ms']), /^\(none\)$/m);
    });

    test('mistakes: non-zero exit, a clear message, no stack trace', async () => {
      const cases: Array<[string[], string | undefined, number, RegExp]> = [
        [['frobnicate'], undefined, 2, /unknown command: frobnicate/],
        [['user', 'create'], undefined, 2, /user create needs a username/],
        [['user', 'create', 'bob', 'bob-password-1'], undefined, 2, /passwords are read from stdin, never from arguments/],
        [['user', 'create', 'alice'], 'another-password\n', 1, /already exists/],
        [['user', 'create', 'bob'], 'short\n', 1, /at least 8 characters/],
        [['user', 'disable', 'nobody'], undefined, 1, /No such user/],
        [['audit', '--since', 'yesterday'], undefined, 1, /not a time/],
        [['user', 'sessions', 'nobody'], undefined, 1, /No such user/],
        [['user', 'sessions', 'alice', '--limit', '0'], undefined, 1, /limit: must be a whole number from 1 to 10000/],
        [['audit', '--limit', '-5'], undefined, 1, /limit: must be a whole number from 1 to 10000/],
        [['audit', '--limit', 'all'], undefined, 1, /limit: must be a whole number from 1 to 10000/],
      ];
      for (const [args, input, code, message] of cases) {
        const run = await cli(args, input);
        assert.equal(run.code, code, `${args.join(' ')}: ${run.stderr}`);
        assert.match(run.stderr, message, args.join(' '));
        assert.doesNotMatch(run.stderr, NO_STACK, args.join(' '));
      }
      assert.doesNotMatch((await cli(['user', 'list'])).stdout, /\bbob\b/);
    });

    if (driver === 'pglite') {
      test('with the service stopped, the CLI opens the embedded database itself', async () => {
        const lock = join(deployment.dataDir, 'pglite.lock');
        assert.equal(await service.stop(), 0);
        assert.equal(existsSync(lock), false, 'the service released the lock');
        assertOk(await cli(['user', 'create', 'carol'], 'carol-password-1\n'), /created user id \d+/);
        assertOk(await cli(['user', 'list']), /alice[\s\S]*carol/);
        assert.equal(existsSync(lock), false, 'the CLI released the lock');
        service = await deployment.start();
        assert.equal((await service.login('carol')).access.split('.').length, 3);
      });
    }
  });
}
