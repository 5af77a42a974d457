// A bad setting stops the real process before it touches anything, with exit status 1 and a
// message on stderr that names the variable (docs/config.md).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, runMain } from '../helpers/process.js';

const CASES: Array<[string, Record<string, string>, string]> = [
  ['PORT=abc', { PORT: 'abc' }, 'PORT'],
  ['ACCESS_TOKEN_LIFETIME=5x', { ACCESS_TOKEN_LIFETIME: '5x' }, 'ACCESS_TOKEN_LIFETIME'],
  ['JWT_ALGORITHM=RS256', { JWT_ALGORITHM: 'RS256' }, 'JWT_ALGORITHM'],
  ['JWT_ALGORITHM=HS256 without JWT_SIGNING_KEY', { JWT_ALGORITHM: 'HS256' }, 'JWT_SIGNING_KEY'],
  ['HS256 with a 31-byte JWT_SIGNING_KEY', { JWT_ALGORITHM: 'HS256', JWT_SIGNING_KEY: 'k'.repeat(31) }, 'JWT_SIGNING_KEY'],
  ['WORKERS=2 without DATABASE_URL', { WORKERS: '2' }, 'WORKERS'],
  ['TLS_MODE=proxy without TRUST_PROXY', { TLS_MODE: 'proxy' }, 'TRUST_PROXY'],
  ['TLS_CERT_FILE without TLS_KEY_FILE', { TLS_CERT_FILE: '/nonexistent/cert.pem' }, 'TLS_KEY_FILE'],
  ['DATABASE_URL=mysql://…', { DATABASE_URL: 'mysql://db/auth' }, 'DATABASE_URL'],
  ['KEY_ENCRYPTION_SECRET_FILE missing', { KEY_ENCRYPTION_SECRET_FILE: '/nonexistent/secret' }, 'KEY_ENCRYPTION_SECRET_FILE'],
  ['HEADERS_TIMEOUT longer than REQUEST_TIMEOUT', { HEADERS_TIMEOUT: '20s' }, 'HEADERS_TIMEOUT'],
  ['MAX_CONNECTIONS=0', { MAX_CONNECTIONS: '0' }, 'MAX_CONNECTIONS'],
  ['TLS_HANDSHAKE_TIMEOUT=soon', { TLS_HANDSHAKE_TIMEOUT: 'soon' }, 'TLS_HANDSHAKE_TIMEOUT'],
  ['REFRESH_COOKIE=true without CORS_ORIGINS', { REFRESH_COOKIE: 'true' }, 'REFRESH_COOKIE'],
  ['HTTP2=maybe', { HTTP2: 'maybe' }, 'HTTP2'],
];

describe('invalid configuration (real process)', () => {
  let root: string;
  let dataDir: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'auth-config-'));
    dataDir = join(root, 'data'); // does not exist: nothing may create it
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const [name, env, variable] of CASES) {
    test(`${name}: exit 1, stderr names ${variable}, nothing created`, async () => {
      const run = await runMain({ DATA_DIR: dataDir, PORT: '0', ...env });
      assert.equal(run.code, 1);
      assert.match(run.stderr, new RegExp(`^auth-service: invalid configuration: .*\\b${variable}\\b`, 'm'));
      assert.doesNotMatch(run.stderr, /^\s+at /m, 'a message, not a stack trace');
      assert.equal(existsSync(dataDir), false);
    });
  }

  test('the CLI refuses the same settings with the same message', async () => {
    const run = await runCli(['user', 'list'], { env: { DATA_DIR: dataDir, ACCESS_TOKEN_LIFETIME: '5x' } });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /invalid configuration: ACCESS_TOKEN_LIFETIME/);
    assert.equal(existsSync(dataDir), false);
  });
});
