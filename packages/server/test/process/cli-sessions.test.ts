// `sessions list <username>` and `sessions revoke <id>` beside the running service (through
// the admin socket on PGlite, its own connection on PostgreSQL): the list shows what HTTPS
// logins opened, a revoked session's tokens are refused over HTTPS, and bad input is a clear
// message with exit code 1.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer } from '../helpers/endpoint.js';
import { claimsOf } from '../helpers/http.js';
import { createDeployment, type Deployment, DRIVERS, type Service } from '../helpers/process.js';

for (const driver of DRIVERS) {
  describe(`CLI sessions (${driver})`, () => {
    let deployment: Deployment;
    let service: Service;
    before(async () => {
      deployment = await createDeployment(driver);
      service = await deployment.start();
    });
    after(() => deployment?.dispose());
    const cli = (args: string[], input?: string) => deployment.cli(args, { input });

    test('list shows the live sessions; revoke ends one, as a logout would', async () => {
      assert.equal((await cli(['user', 'create', 'carol'], 'carol-password-1\n')).code, 0);
      const kept = await service.login('carol');
      const ended = await service.login('carol');
      const sid = (token: string) => String(claimsOf(token).sid);

      const table = await cli(['sessions', 'list', 'carol']);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /^id\s+createdAt\s+lastUsedAt\s+expiresAt\s+clientAddress\s+userAgent\s+imported$/m);
      for (const pair of [kept, ended])
        assert.match(table.stdout, new RegExp(`^${sid(pair.access)}\\s+\\d{4}-\\d\\d-\\d\\dT`, 'm'));
      const listed = JSON.parse((await cli(['sessions', 'list', 'carol', '--json'])).stdout) as Array<Record<string, unknown>>;
      assert.deepEqual(listed.map((s) => s.id).sort(), [sid(kept.access), sid(ended.access)].sort());
      assert.ok(listed.every((s) => s.clientAddress === '127.0.0.1'));

      const revoke = await cli(['sessions', 'revoke', sid(ended.access)]);
      assert.equal(revoke.code, 0, revoke.stderr);
      assert.match(revoke.stdout, new RegExp(`session ${sid(ended.access)} revoked \\(user id \\d+\\)`));
      assert.equal((await service.post('/auth/token/refresh/', { refresh: ended.refresh })).status, 401);
      assert.equal((await service.get('/auth/me/', bearer(ended.access))).status, 401);
      assert.equal((await service.post('/auth/token/refresh/', { refresh: kept.refresh })).status, 200, 'the other lives on');
      const after = JSON.parse((await cli(['sessions', 'list', 'carol', '--json'])).stdout) as Array<{ id: string }>;
      assert.deepEqual(
        after.map((s) => s.id),
        [sid(kept.access)],
      );
    });

    test('an ended, unknown or malformed session id, an unknown user: exit 1 with a message', async () => {
      const pair = await service.login('carol');
      const sid = String(claimsOf(pair.access).sid);
      assert.equal((await cli(['sessions', 'revoke', sid])).code, 0);
      for (const id of [sid, crypto.randomUUID(), 'not-a-session']) {
        const run = await cli(['sessions', 'revoke', id]);
        assert.equal(run.code, 1, id);
        assert.match(run.stderr, /No such session\./);
      }
      const nobody = await cli(['sessions', 'list', 'nobody']);
      assert.equal(nobody.code, 1);
      assert.match(nobody.stderr, /No such user\./);
      const usage = await cli(['sessions', 'revoke']);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /sessions revoke needs a id/);
    });
  });
}
