// The CLI against an embedded database whose service is still starting: the lock is held but
// the admin socket does not listen yet. The CLI waits for the socket instead of failing.
// The "service" here is this test process: it holds the lock and, a moment later, serves
// the real admin socket over a real app.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serveAdmin } from '../../src/admin/socket-server.js';
import { lockPath } from '../../src/db/embedded-lock.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { runCli, sleep } from '../helpers/process.js';

describe('CLI while the embedded service starts (real CLI process)', () => {
  let t: TestApp;
  let dataDir: string;
  let admin: { close(): Promise<void> } | undefined;
  before(async () => {
    t = await createTestApp('pglite');
    await t.user('starter');
    dataDir = mkdtempSync(join(tmpdir(), 'auth-cli-startup-'));
    writeFileSync(lockPath(dataDir), String(process.pid)); // a live owner: this process
  });
  after(async () => {
    await admin?.close();
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a command sent before the admin socket listens is answered once it does', async () => {
    const cli = runCli(['user', 'list', '--json'], { env: { DATA_DIR: dataDir } });
    await sleep(1000);
    admin = await serveAdmin(t.deps, dataDir, { info() {}, warn() {}, error() {} });
    const result = await cli;
    assert.equal(result.code, 0, result.stderr);
    const users = JSON.parse(result.stdout) as Array<{ username: string }>;
    assert.deepEqual(
      users.map((u) => u.username),
      ['starter'],
    );
  });
});
