// `npx auth-service doctor` as an operator runs it (the real CLI process): every check named,
// a table for people and --json for scripts, exit 1 on a problem, warnings alone exit 0.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { certificatePair } from '../helpers/certificates.js';
import { createDeployment, type Deployment, freePort } from '../helpers/process.js';

interface Report {
  ok: boolean;
  checks: { check: string; status: string; detail: string }[];
}

const CHECKS = ['settings', 'database', 'migrations', 'keys', 'clock', 'certificate', 'redis'];
const SECRET = 'the-key-encryption-secret-0123';
const REDIS_DB = process.env.TEST_REDIS_DB ?? '7';

describe('doctor (postgres, real CLI)', () => {
  let deployment: Deployment;
  let dir: string;
  let tls: Record<string, string>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auth-doctor-'));
    deployment = await createDeployment('postgres', { KEY_ENCRYPTION_SECRET: SECRET });
    const write = async (name: string, days: number) => {
      const pair = await certificatePair(`${name}.test`, new Date(Date.now() + days * 86_400_000));
      writeFileSync(join(dir, `${name}.crt`), pair.cert);
      writeFileSync(join(dir, `${name}.key`), pair.key);
    };
    await Promise.all([write('long', 200), write('soon', 10), write('gone', -1)]);
    tls = { TLS_CERT_FILE: join(dir, 'long.crt'), TLS_KEY_FILE: join(dir, 'long.key') };
    // Migrations and the first key, the way the first start (or any CLI command) makes them.
    assert.equal((await deployment.cli(['keys', 'list'])).code, 0);
  });
  after(async () => {
    await deployment?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const doctor = async (env: Record<string, string>) => {
    const run = await deployment.cli(['doctor', '--json'], { env: { ...tls, ...env } });
    const report = JSON.parse(run.stdout) as Report;
    assert.deepEqual(
      report.checks.map((c) => c.check),
      CHECKS,
    );
    const status = Object.fromEntries(report.checks.map((c) => [c.check, c.status]));
    const detail = (check: string) => report.checks.find((c) => c.check === check)?.detail ?? '';
    return { code: run.code, report, status, detail };
  };

  test('a healthy deployment with Redis: every check ok, exit 0; the table for people', async () => {
    const result = await doctor({ REDIS_URL: `redis://127.0.0.1:6379/${REDIS_DB}` });
    assert.equal(result.code, 0, JSON.stringify(result.report));
    assert.deepEqual(result.status, Object.fromEntries(CHECKS.map((c) => [c, 'ok'])));
    assert.match(result.detail('keys'), /^current key \w+ decrypts$/);
    const human = await deployment.cli(['doctor'], { env: tls });
    assert.equal(human.code, 0);
    assert.match(human.stdout, /^check\s+status\s+detail$/m);
    assert.match(human.stdout, /^redis\s+skipped\s+REDIS_URL not set/m);
    assert.match(human.stdout, /^ok$/m);
  });

  test('a certificate expiring in 10 days: a warning, exit 0; an expired one fails', async () => {
    const soon = await doctor({ TLS_CERT_FILE: join(dir, 'soon.crt'), TLS_KEY_FILE: join(dir, 'soon.key') });
    assert.equal(soon.code, 0);
    assert.equal(soon.status.certificate, 'warn');
    assert.match(soon.detail('certificate'), /in (9|10) days/);
    const gone = await doctor({ TLS_CERT_FILE: join(dir, 'gone.crt'), TLS_KEY_FILE: join(dir, 'gone.key') });
    assert.equal(gone.code, 1);
    assert.equal(gone.status.certificate, 'fail');
    const mismatched = await doctor({ TLS_CERT_FILE: join(dir, 'long.crt'), TLS_KEY_FILE: join(dir, 'soon.key') });
    assert.equal(mismatched.status.certificate, 'fail');
    assert.match(mismatched.detail('certificate'), /key values mismatch/);
  });

  test('a wrong KEY_ENCRYPTION_SECRET: keys fail, exit 1', async () => {
    const result = await doctor({ KEY_ENCRYPTION_SECRET: 'not-the-right-secret-000' });
    assert.equal(result.code, 1);
    assert.equal(result.status.keys, 'fail');
    assert.match(result.detail('keys'), /KEY_ENCRYPTION_SECRET is wrong/);
    assert.equal(result.report.ok, false);
  });

  test('the database unreachable: it fails, what needs it is skipped, the password is not printed', async () => {
    const port = await freePort();
    const result = await doctor({
      DATABASE_URL: `postgres://postgres:hunter2-secret@127.0.0.1:${port}/none`,
      DB_CONNECT_TIMEOUT: '2s',
    });
    assert.equal(result.code, 1);
    assert.equal(result.status.database, 'fail');
    for (const check of ['migrations', 'keys', 'clock']) assert.equal(result.status[check], 'skipped');
    assert.doesNotMatch(JSON.stringify(result.report), /hunter2/);
  });

  test('Redis unreachable: it fails', async () => {
    const result = await doctor({ REDIS_URL: `redis://:redis-pass-secret@127.0.0.1:${await freePort()}/0` });
    assert.equal(result.code, 1);
    assert.equal(result.status.redis, 'fail');
    assert.doesNotMatch(JSON.stringify(result.report), /redis-pass-secret/);
  });

  test('invalid settings: settings fail naming the variable, the rest skipped', async () => {
    const result = await doctor({ PORT: 'abc' });
    assert.equal(result.code, 1);
    assert.equal(result.status.settings, 'fail');
    assert.match(result.detail('settings'), /^PORT: /);
    assert.deepEqual(
      CHECKS.slice(1).map((c) => result.status[c]),
      CHECKS.slice(1).map(() => 'skipped'),
    );
  });
});

describe('doctor (pglite, real CLI)', () => {
  test('a DATA_DIR without a database: fails, and creates none; after a first start, ok', async () => {
    const deployment = await createDeployment('pglite');
    try {
      const empty = await deployment.cli(['doctor', '--json']);
      assert.equal(empty.code, 1);
      const report = JSON.parse(empty.stdout) as Report;
      assert.match(report.checks.find((c) => c.check === 'database')?.detail ?? '', /no embedded database/);
      assert.equal(existsSync(join(deployment.dataDir, 'pglite')), false, 'doctor created nothing');
      const service = await deployment.start();
      const beside = JSON.parse((await deployment.cli(['doctor', '--json'])).stdout) as Report;
      assert.equal(beside.checks.find((c) => c.check === 'database')?.status, 'skipped', 'the service holds it');
      await service.stop('SIGTERM');
      const after = await deployment.cli(['doctor', '--json']);
      const statuses = (JSON.parse(after.stdout) as Report).checks.map((c) => `${c.check}:${c.status}`);
      // The generated development certificate expires in a year: ok; Redis is not set.
      assert.deepEqual(statuses, [
        'settings:ok',
        'database:ok',
        'migrations:ok',
        'keys:ok',
        'clock:ok',
        'certificate:ok',
        'redis:skipped',
      ]);
      assert.equal(after.code, 0);
    } finally {
      await deployment.dispose();
    }
  });
});
