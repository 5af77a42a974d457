// The README's quick start, as a new user runs it: `npm start` and `npx auth-service` from the
// repo root must share the embedded database. Both resolve DATA_DIR against their working
// directory, so a relative DATA_DIR catches a start script that runs elsewhere (npm -w runs
// in the package's folder: the CLI then created users in a database the service never read).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, httpsRequest, sleep } from '../helpers/process.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));

function run(command: string, args: string[], env: Record<string, string>, input = '') {
  const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  child.stdin.end(input);
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, output })),
  );
}

// The README says `curl -k`: the development certificate is self-signed, generated at the first start.
const insecure = new https.Agent({ keepAlive: false, rejectUnauthorized: false });
const request = (port: number, path: string, body?: unknown) =>
  httpsRequest(insecure, port, body ? 'POST' : 'GET', path, body, {}, 10_000);

describe('quick start from the repo root (npm start, npx auth-service)', () => {
  const dataDir = `.quick-start-test-${randomBytes(4).toString('hex')}`; // relative on purpose
  let service: ChildProcess;
  let port: number;
  let serviceOutput = '';
  before(async () => {
    port = await freePort();
    // Its own process group, so that stopping it stops npm and the node process under it.
    service = spawn('npm', ['start'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    service.stdout?.on('data', (chunk) => {
      serviceOutput += chunk;
    });
    service.stderr?.on('data', (chunk) => {
      serviceOutput += chunk;
    });
    for (let attempt = 0; attempt < 300; attempt++) {
      const ready = await request(port, '/auth/health/ready/').catch(() => ({ status: 0 }));
      if (ready.status === 200) return;
      await sleep(200);
    }
    throw new Error(`npm start did not become ready:\n${serviceOutput}`);
  });
  after(async () => {
    if (service.pid) process.kill(-service.pid, 'SIGTERM');
    await new Promise((resolve) => service.on('close', resolve));
    // Where it belongs, and where a start script that changes directory would have put it.
    for (const dir of ['.', 'packages/server']) rmSync(join(REPO_ROOT, dir, dataDir), { recursive: true, force: true });
  });

  test('a user created with npx auth-service logs in to the service npm start runs', async () => {
    const created = await run(
      'npx',
      ['auth-service', 'user', 'create', 'quickstart'],
      { DATA_DIR: dataDir },
      'quick-start-password\n',
    );
    assert.equal(created.code, 0, created.output);
    const login = await request(port, '/auth/login/', { username: 'quickstart', password: 'quick-start-password' });
    assert.equal(login.status, 200, login.raw);
    assert.match(String(login.body.refresh), /^ey/);
  });
});
