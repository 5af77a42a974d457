// Every secret setting NAME may be a file (NAME_FILE), the Docker/Kubernetes secrets
// convention: read with its trailing newline trimmed, refused when both are set or when the file
// cannot be read, and never echoed in the message.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseConfig } from '../src/config/config.js';
import { SECRET_SETTINGS } from '../src/config/secret-files.js';

const dir = mkdtempSync(join(tmpdir(), 'auth-secret-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function secretFile(name: string, content: string, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
  return path;
}

const HS_KEY = 'h'.repeat(40);
const FEED = 'f'.repeat(48);

describe('NAME_FILE secrets', () => {
  test('each secret read from its file, the trailing newline trimmed', () => {
    const config = parseConfig({
      JWT_ALGORITHM: 'HS256',
      JWT_SIGNING_KEY_FILE: secretFile('jwt', `${HS_KEY}\n`),
      KEY_ENCRYPTION_SECRET_FILE: secretFile('kes', 'a secret of 24 bytes ok\r\n'),
      DATABASE_URL_FILE: secretFile('db', 'postgres://auth@db:5432/auth\n'),
      REDIS_URL_FILE: secretFile('redis', 'redis://:pw@cache:6379/0'),
      REVOCATION_FEED_TOKEN_FILE: secretFile('feed', `${FEED}\n`),
      SIMPLEJWT_SIGNING_KEY_FILE: secretFile('sj', 'django-insecure-key  \n'),
      WORKERS: '1',
    });
    assert.equal(config.jwt.signingKey, HS_KEY);
    assert.equal(config.jwt.keyEncryptionSecret, 'a secret of 24 bytes ok');
    assert.equal(config.databaseUrl, 'postgres://auth@db:5432/auth');
    assert.equal(config.throttle.redisUrl, 'redis://:pw@cache:6379/0');
    assert.equal(config.revocationFeed.token, FEED);
    // Only the one newline goes: inner spaces are the secret's (text() trims the ends though).
    assert.equal(config.simplejwt?.signingKey, 'django-insecure-key');
  });

  test('the value read is validated like the variable itself', () => {
    assert.throws(
      () => parseConfig({ KEY_ENCRYPTION_SECRET_FILE: secretFile('short', 'short\n') }),
      /^ConfigError: KEY_ENCRYPTION_SECRET: must be at least 16 bytes/,
    );
    assert.throws(
      () => parseConfig({ DATABASE_URL_FILE: secretFile('mysql', 'mysql://db/auth\n') }),
      /^ConfigError: DATABASE_URL: must start with postgres/,
    );
  });

  for (const name of SECRET_SETTINGS) {
    test(`${name} and ${name}_FILE both set: refused`, () => {
      const file = secretFile(`both-${name}`, 'x'.repeat(40));
      assert.throws(
        () => parseConfig({ [name]: 'y'.repeat(40), [`${name}_FILE`]: file }),
        (err: Error) => {
          assert.match(err.message, new RegExp(`^${name}: set either ${name} or ${name}_FILE, not both`));
          assert.doesNotMatch(err.message, /xxxx|yyyy/, 'the secret is not echoed');
          return true;
        },
      );
    });
  }

  test('a missing file: a config error naming the variable and the path', () => {
    const missing = join(dir, 'nope');
    assert.throws(() => parseConfig({ KEY_ENCRYPTION_SECRET_FILE: missing }), {
      name: 'ConfigError',
      message: `KEY_ENCRYPTION_SECRET_FILE: cannot read "${missing}" (ENOENT)`,
    });
  });

  test('a directory, an empty file: config errors', () => {
    assert.throws(() => parseConfig({ REDIS_URL_FILE: dir }), /^ConfigError: REDIS_URL_FILE: cannot read .*\(EISDIR\)/);
    assert.throws(() => parseConfig({ REDIS_URL_FILE: secretFile('empty', '\n') }), /^ConfigError: REDIS_URL_FILE: .* is empty/);
  });

  test('an unreadable file (mode 000): a config error', { skip: process.getuid?.() === 0 && 'root reads any file' }, () => {
    const locked = secretFile('locked', 'x'.repeat(40), 0o000);
    assert.throws(
      () => parseConfig({ JWT_SIGNING_KEY_FILE: locked }),
      /^ConfigError: JWT_SIGNING_KEY_FILE: cannot read .*\(EACCES\)/,
    );
  });

  test('KEY_ENCRYPTION_SECRET_PREVIOUS: needs the new secret, at least 16 bytes', () => {
    assert.throws(
      () => parseConfig({ KEY_ENCRYPTION_SECRET_PREVIOUS_FILE: secretFile('prev', 'the-old-secret-0123456789\n') }),
      /^ConfigError: KEY_ENCRYPTION_SECRET_PREVIOUS: needs KEY_ENCRYPTION_SECRET/,
    );
    assert.throws(
      () => parseConfig({ KEY_ENCRYPTION_SECRET: 'the-new-secret-9876543210', KEY_ENCRYPTION_SECRET_PREVIOUS: 'short' }),
      /^ConfigError: KEY_ENCRYPTION_SECRET_PREVIOUS: must be at least 16 bytes/,
    );
    const config = parseConfig({
      KEY_ENCRYPTION_SECRET: 'the-new-secret-9876543210',
      KEY_ENCRYPTION_SECRET_PREVIOUS_FILE: secretFile('prev-ok', 'the-old-secret-0123456789\n'),
    });
    assert.equal(config.jwt.keyEncryptionSecretPrevious, 'the-old-secret-0123456789');
  });

  test('DATABASE_PASSWORD(_FILE) goes into DATABASE_URL, encoded', () => {
    const config = parseConfig({
      DATABASE_URL: 'postgres://auth@db:5432/auth',
      DATABASE_PASSWORD_FILE: secretFile('dbpw', 'p@ss:w/rd%\n'),
    });
    const url = new URL(config.databaseUrl ?? '');
    assert.equal(decodeURIComponent(url.password), 'p@ss:w/rd%');
    assert.equal(url.host, 'db:5432');
    assert.throws(
      () => parseConfig({ DATABASE_URL: 'postgres://auth:old@db/auth', DATABASE_PASSWORD: 'new' }),
      /^ConfigError: DATABASE_PASSWORD: DATABASE_URL already holds a password/,
    );
    assert.throws(() => parseConfig({ DATABASE_PASSWORD: 'pw' }), /^ConfigError: DATABASE_PASSWORD: needs DATABASE_URL/);
  });
});
