// Every Django hasher, with hashes made by the real Django: the right password verifies (and
// asks for an argon2id rehash), a wrong one does not; unusable and weak hashes never verify,
// whatever the password; parameters past the bounds are refused before any work is done.
import assert from 'node:assert/strict';
import { pbkdf2Sync } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { classifyHash, HASH_BOUNDS } from '../src/crypto/django-hashes.js';
import { Limiter } from '../src/crypto/limiter.js';
import { PasswordHasher } from '../src/crypto/passwords.js';
import { djangoMissing, FIXTURES, runPython } from './helpers/django.js';

interface Made {
  hasher: string;
  password: string;
  encoded: string;
  made_by: string;
}

const PASSWORDS = [
  'alice-password-1',
  'pässwörd ✓ ünïcode',
  'a-passphrase-longer-than-seventy-two-bytes-which-bcrypt-alone-would-truncate-silently',
];
const VERIFIED = new Set(['pbkdf2_sha256', 'pbkdf2_sha1', 'argon2', 'bcrypt_sha256', 'bcrypt', 'scrypt']);
const WEAK = new Set(['sha1', 'md5', 'unsalted_sha1', 'unsalted_md5', 'crypt']);

describe('Django password hashes', { skip: djangoMissing() }, () => {
  const hasher = new PasswordHasher(new Limiter(2, 1000, 600_000));
  let made: Made[] = [];
  before(async () => {
    made = await runPython<Made[]>(join(FIXTURES, 'django_hashes.py'), PASSWORDS);
  });
  after(() => hasher.close());

  test('Django made a hash with every hasher it ships', () => {
    const hashers = new Set(made.map((m) => m.hasher));
    for (const name of [...VERIFIED, ...WEAK, 'unusable']) assert.ok(hashers.has(name), name);
    assert.ok(made.some((m) => m.encoded.startsWith('pbkdf2_sha256$600000$')));
    assert.ok(made.some((m) => m.encoded.startsWith('argon2$argon2i$')));
  });

  test('each verified format: the right password logs in and asks for argon2id, a wrong one does not', async () => {
    const verified = made.filter((m) => VERIFIED.has(m.hasher));
    assert.ok(verified.length >= 18);
    await Promise.all(
      verified.map(async ({ hasher: name, password, encoded }) => {
        assert.equal(classifyHash(encoded).kind, 'django', encoded);
        assert.deepEqual(await hasher.verify(encoded, password), { ok: true, needsRehash: true }, `${name} ${encoded}`);
        const wrong = await hasher.verify(encoded, `${password}x`);
        // bcrypt reads the first 72 bytes only: Django's bcrypt hasher accepts such a password too.
        const truncated = name === 'bcrypt' && Buffer.byteLength(password) > 72;
        assert.equal(wrong.ok, truncated, `${name} wrong password`);
      }),
    );
  });

  test('bcrypt_sha256 does not truncate: a change past the 72nd byte is a wrong password', async () => {
    const long = made.find((m) => m.hasher === 'bcrypt_sha256' && Buffer.byteLength(m.password) > 72) as Made;
    assert.equal((await hasher.verify(long.encoded, `${long.password}x`)).ok, false);
  });

  test('weak formats and the unusable password never log in, even with the right password', async () => {
    const refused = made.filter((m) => WEAK.has(m.hasher) || m.hasher === 'unusable');
    assert.ok(refused.length >= 10);
    await Promise.all(
      refused.map(async ({ hasher: name, password, encoded }) => {
        const found = classifyHash(encoded);
        assert.equal(found.kind, name === 'unusable' ? 'unusable' : 'weak', encoded);
        if (found.kind === 'weak') assert.equal(found.algorithm, name);
        assert.deepEqual(await hasher.verify(encoded, password), { ok: false, needsRehash: false }, name);
      }),
    );
  });
});

describe('Django hash bounds', () => {
  const pbkdf2 = (iterations: number) =>
    `pbkdf2_sha256$${iterations}$salt$${pbkdf2Sync('pw', 'salt', 1, 32, 'sha256').toString('base64')}`;
  const bcrypt = (cost: string) => `bcrypt$$2b$${cost}$${'a'.repeat(53)}`;
  const argon2 = (params: string) => `argon2$argon2id$v=19$${params}$c2FsdHNhbHQ$aGFzaGhhc2g`;

  test('parameters past the bounds are unsupported, within them accepted', () => {
    assert.equal(classifyHash(pbkdf2(HASH_BOUNDS.pbkdf2Iterations)).kind, 'django');
    assert.equal(classifyHash(pbkdf2(HASH_BOUNDS.pbkdf2Iterations + 1)).kind, 'unsupported');
    assert.equal(classifyHash(pbkdf2(0)).kind, 'unsupported');
    assert.equal(classifyHash(bcrypt('14')).kind, 'django');
    assert.equal(classifyHash(bcrypt('15')).kind, 'unsupported');
    assert.equal(classifyHash(bcrypt('03')).kind, 'unsupported');
    assert.equal(classifyHash(argon2('m=262144,t=10,p=16')).kind, 'django');
    assert.equal(classifyHash(argon2('m=262145,t=2,p=1')).kind, 'unsupported');
    assert.equal(classifyHash(argon2('m=1024,t=11,p=1')).kind, 'unsupported');
    assert.equal(classifyHash(`scrypt$16384$salt$8$1$${'A'.repeat(86)}==`).kind, 'django');
    assert.equal(classifyHash(`scrypt$1048576$salt$8$1$${'A'.repeat(86)}==`).kind, 'unsupported');
    assert.equal(classifyHash(`scrypt$1000$salt$8$1$${'A'.repeat(86)}==`).kind, 'unsupported', 'N not a power of 2');
  });

  test('malformed or foreign hashes are unsupported, never verified', async () => {
    const hasher = new PasswordHasher(new Limiter(1, 10, 60_000));
    try {
      for (const encoded of [
        'pbkdf2_sha256$260000$salt',
        'pbkdf2_sha512_custom$1$a$b',
        'argon2$argon2id$junk',
        'bcrypt$junk',
        'x',
      ]) {
        assert.equal(classifyHash(encoded).kind, 'unsupported', encoded);
        assert.equal((await hasher.verify(encoded, 'pw')).ok, false);
      }
    } finally {
      await hasher.close();
    }
  });

  test('the cost class names algorithm and parameters, never the salt', () => {
    assert.deepEqual(classifyHash(pbkdf2(260000)), { kind: 'django', algorithm: 'pbkdf2_sha256', cost: 'pbkdf2_sha256$260000' });
    assert.deepEqual(classifyHash(argon2('m=102400,t=2,p=8')), {
      kind: 'django',
      algorithm: 'argon2',
      cost: 'argon2$argon2id$v=19$m=102400,t=2,p=8',
    });
  });
});
