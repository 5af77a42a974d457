// Redis holds login counters only, and the CLI never logs anyone in: an operator must be able
// to manage users (say, disable one during an incident) while Redis is unreachable. The
// service itself still refuses to start without it (it could not count login attempts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createDeployment, type Deployment, freePort, runMain } from '../helpers/process.js';

// Port 1 on loopback: nothing listens there, so every connection is refused at once.
const REDIS_DOWN = 'redis://127.0.0.1:1';

describe('CLI and service with REDIS_URL unreachable (pglite, real process)', () => {
  let deployment: Deployment;
  before(async () => {
    deployment = await createDeployment('pglite', { REDIS_URL: REDIS_DOWN });
  });
  after(() => deployment?.dispose());

  // runCli kills a CLI that has not exited after 60 s and rejects: a hang fails the test.
  test('user create, disable and list work (no service running) and the CLI exits', async () => {
    const created = await deployment.cli(['user', 'create', 'bob'], { input: 'bob-password-1\n' });
    assert.equal(created.code, 0, created.stderr);
    const disabled = await deployment.cli(['user', 'disable', 'bob']);
    assert.equal(disabled.code, 0, disabled.stderr);
    const listed = await deployment.cli(['user', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const users = JSON.parse(listed.stdout) as Array<{ username: string; isActive: boolean }>;
    assert.deepEqual(
      users.map((user) => [user.username, user.isActive]),
      [['bob', false]],
    );
  });

  test('the service does not start: exit 1', async () => {
    const result = await runMain({ ...deployment.env, PORT: String(await freePort()) });
    assert.equal(result.code, 1, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout + result.stderr, /auth-service could not start/);
  });
});
