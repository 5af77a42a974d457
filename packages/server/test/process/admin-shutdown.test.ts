// A client connected to the admin socket (embedded database) that sends nothing must not hold
// the shutdown back: closing the socket server waits for its connections, and a hang would run
// into SHUTDOWN_TIMEOUT (exit 1, database left unclosed) while HTTP kept serving undrained.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { adminSocketPath } from '../../src/admin/socket-client.js';
import { createDeployment, type Deployment, type Service } from '../helpers/process.js';

describe('shutdown with an idle admin-socket client (pglite, real process)', () => {
  let deployment: Deployment;
  let service: Service;
  let idle: Socket;
  before(async () => {
    deployment = await createDeployment('pglite');
    // Long enough that a hang shows up as exit 1 ("shutdown timed out"), not as a slow exit 0.
    service = await deployment.start({ SHUTDOWN_TIMEOUT: '20s' });
  });
  after(async () => {
    idle?.destroy();
    await deployment?.dispose();
  });

  test('SIGTERM exits 0, the idle admin connection is closed, the lock is released', async () => {
    idle = connect(adminSocketPath(deployment.dataDir));
    await new Promise<void>((resolve, reject) => {
      idle.once('connect', resolve);
      idle.once('error', reject);
    });
    const closedByService = new Promise<void>((resolve) => idle.once('close', () => resolve()));
    idle.on('error', () => {}); // the service may reset the connection: that is the point

    assert.equal(await service.stop('SIGTERM'), 0, service.output());
    await closedByService;
    assert.doesNotMatch(service.output(), /shutdown timed out/);
    // A clean exit closed the database and released its lock (only a timeout skips that).
    assert.throws(() => readFileSync(join(deployment.dataDir, 'pglite.lock')), { code: 'ENOENT' });
  });
});
