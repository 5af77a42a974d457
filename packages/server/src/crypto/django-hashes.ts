// Django's password hash formats (django.contrib.auth.hashers), so that users imported from a
// Django service log in with the passwords they have (and get an argon2id hash at once).
// classifyHash() is pure (the import uses it to decide what it stores); verifyDjangoSync() runs
// on a hashing thread only (hash-worker.ts), never on the event loop.
//
// Every accepted format has bounded parameters: a stored hash decides how much work a login
// costs, and a hash with absurd parameters (a hostile or corrupt import) must not turn one
// login into seconds of CPU or gigabytes of memory. Past the bounds a hash is "unsupported".
import { createHash, pbkdf2Sync, scryptSync, timingSafeEqual } from 'node:crypto';
import { verifySync as argon2Verify } from '@node-rs/argon2';
import { verifySync as bcryptVerify } from '@node-rs/bcrypt';

export const DJANGO_ALGORITHMS = ['pbkdf2_sha256', 'pbkdf2_sha1', 'argon2', 'bcrypt_sha256', 'bcrypt', 'scrypt'] as const;
export type DjangoAlgorithm = (typeof DJANGO_ALGORITHMS)[number];

/** The most work one stored hash may ask for (Django 5.2's defaults are well inside). */
export const HASH_BOUNDS = {
  /** Django 5.2: 1,000,000 for pbkdf2_sha256 (~0.25 s of a core here); twice that, at most. */
  pbkdf2Iterations: 2_000_000,
  /** Django's argon2: m=102400 KiB (100 MiB), t=2, p=8. */
  argon2MemoryKiB: 262_144,
  argon2Time: 10,
  argon2Parallelism: 16,
  /** Django's bcrypt: 12 (each step doubles the cost; 14 is ~1 s here). */
  bcryptCost: 14,
  /** Django's scrypt: N=2^14, r=8, p=1, i.e. 16 MiB. */
  scryptMemoryBytes: 256 * 1024 * 1024,
} as const;

/** Formats Django still reads but that are too weak to accept: one unsalted or salted MD5/SHA1 round, or crypt(3). */
export const WEAK_ALGORITHMS = ['unsalted_md5', 'unsalted_sha1', 'md5', 'sha1', 'crypt'] as const;
export type WeakAlgorithm = (typeof WEAK_ALGORITHMS)[number];

export type HashClass =
  /** Ours: an argon2 PHC string. */
  | { kind: 'argon2' }
  /** A Django hash we verify; `cost` names its algorithm and parameters (not the salt): "pbkdf2_sha256$260000". */
  | { kind: 'django'; algorithm: DjangoAlgorithm; cost: string }
  /** Django's unusable password ("!" and random text, or empty): never logs in. */
  | { kind: 'unusable' }
  | { kind: 'weak'; algorithm: WeakAlgorithm }
  /** Malformed, another hasher, or parameters past HASH_BOUNDS. */
  | { kind: 'unsupported'; detail: string };

const unsupported = (detail: string): HashClass => ({ kind: 'unsupported', detail });

export function classifyHash(encoded: string): HashClass {
  if (encoded === '' || encoded.startsWith('!')) return { kind: 'unusable' };
  if (encoded.startsWith('$argon2')) return { kind: 'argon2' };
  const weak = weakAlgorithm(encoded);
  if (weak) return { kind: 'weak', algorithm: weak };
  const algorithm = encoded.slice(0, encoded.indexOf('$'));
  switch (algorithm) {
    case 'pbkdf2_sha256':
    case 'pbkdf2_sha1':
      return classifyPbkdf2(algorithm, encoded);
    case 'argon2':
      return classifyArgon2(encoded);
    case 'bcrypt':
    case 'bcrypt_sha256':
      return classifyBcrypt(algorithm, encoded);
    case 'scrypt':
      return classifyScrypt(encoded);
    default:
      return unsupported(algorithm ? `hasher "${algorithm.slice(0, 40)}"` : 'not a Django hash');
  }
}

/** As Django's identify_hasher() names the formats it would only read. */
function weakAlgorithm(encoded: string): WeakAlgorithm | null {
  if ((encoded.length === 32 && !encoded.includes('$')) || (encoded.length === 37 && encoded.startsWith('md5$$'))) {
    return 'unsalted_md5';
  }
  if (encoded.length === 46 && encoded.startsWith('sha1$$')) return 'unsalted_sha1';
  for (const algorithm of ['md5', 'sha1', 'crypt'] as const) if (encoded.startsWith(`${algorithm}$`)) return algorithm;
  return null;
}

/** "pbkdf2_sha256$<iterations>$<salt>$<base64 hash>" */
function classifyPbkdf2(algorithm: 'pbkdf2_sha256' | 'pbkdf2_sha1', encoded: string): HashClass {
  const [, iterations, salt, hash, extra] = encoded.split('$');
  const rounds = Number(iterations);
  if (extra !== undefined || !salt || !hash || !/^\d{1,9}$/.test(iterations ?? '')) return unsupported(`malformed ${algorithm}`);
  if (rounds < 1 || rounds > HASH_BOUNDS.pbkdf2Iterations) return unsupported(`${algorithm} with ${rounds} iterations`);
  return { kind: 'django', algorithm, cost: `${algorithm}$${rounds}` };
}

/** "argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>": "argon2" and a PHC string. */
function classifyArgon2(encoded: string): HashClass {
  const match =
    /^argon2\$(argon2id|argon2i|argon2d)\$(?:v=(\d+)\$)?m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/.exec(encoded);
  if (!match) return unsupported('malformed argon2');
  const [m, t, p] = [Number(match[3]), Number(match[4]), Number(match[5])];
  if (m > HASH_BOUNDS.argon2MemoryKiB || t > HASH_BOUNDS.argon2Time || p > HASH_BOUNDS.argon2Parallelism || t < 1 || p < 1) {
    return unsupported(`argon2 with m=${m},t=${t},p=${p}`);
  }
  return { kind: 'django', algorithm: 'argon2', cost: `argon2$${match[1]}$v=${match[2] ?? '16'}$m=${m},t=${t},p=${p}` };
}

/** "bcrypt$$2b$12$<53 characters>", and bcrypt_sha256 alike (bcrypt of the password's SHA-256 in hex). */
function classifyBcrypt(algorithm: 'bcrypt' | 'bcrypt_sha256', encoded: string): HashClass {
  const match = /^[a-z_0-9]+\$\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/.exec(encoded);
  if (!match) return unsupported(`malformed ${algorithm}`);
  const cost = Number(match[1]);
  if (cost < 4 || cost > HASH_BOUNDS.bcryptCost) return unsupported(`${algorithm} with cost ${cost}`);
  return { kind: 'django', algorithm, cost: `${algorithm}$${cost}` };
}

/** Django 4.0+: "scrypt$<N>$<salt>$<r>$<p>$<base64 hash of 64 bytes>". */
function classifyScrypt(encoded: string): HashClass {
  const params = scryptParams(encoded);
  if (!params) return unsupported('malformed scrypt');
  const { n, r, p } = params;
  if (scryptMemory(params) > HASH_BOUNDS.scryptMemoryBytes) return unsupported(`scrypt with N=${n},r=${r},p=${p}`);
  return { kind: 'django', algorithm: 'scrypt', cost: `scrypt$${n}$${r}$${p}` };
}

function scryptParams(encoded: string) {
  const [, n, salt, r, p, hash, extra] = encoded.split('$');
  const numbers = [n, r, p].map((v) => (/^\d{1,8}$/.test(v ?? '') ? Number(v) : 0));
  const [N = 0, R = 0, P = 0] = numbers;
  if (extra !== undefined || !salt || !hash || N < 2 || (N & (N - 1)) !== 0 || R < 1 || P < 1) return null;
  return { n: N, r: R, p: P, salt, hash };
}

/** What node:crypto's scrypt allocates: 128 * N * r, plus 128 * r * p. */
const scryptMemory = ({ n, r, p }: { n: number; r: number; p: number }) => 128 * n * r + 128 * r * p;

/** Whether `password` matches a Django hash that classifyHash() accepts; false for anything else. */
export function verifyDjangoSync(encoded: string, password: string): boolean {
  const found = classifyHash(encoded);
  if (found.kind !== 'django') return false;
  switch (found.algorithm) {
    case 'pbkdf2_sha256':
    case 'pbkdf2_sha1':
      return verifyPbkdf2(encoded, password, found.algorithm === 'pbkdf2_sha256' ? 'sha256' : 'sha1');
    case 'argon2':
      return argon2Verify(encoded.slice('argon2'.length), password);
    case 'bcrypt':
      return bcryptVerify(password, encoded.slice('bcrypt$'.length));
    case 'bcrypt_sha256':
      return bcryptVerify(createHash('sha256').update(password).digest('hex'), encoded.slice('bcrypt_sha256$'.length));
    case 'scrypt':
      return verifyScrypt(encoded, password);
  }
}

function verifyPbkdf2(encoded: string, password: string, digest: 'sha256' | 'sha1'): boolean {
  const [, iterations, salt, expected] = encoded.split('$') as [string, string, string, string];
  const want = Buffer.from(expected, 'base64');
  if (want.length !== (digest === 'sha256' ? 32 : 20)) return false;
  return timingSafeEqual(want, pbkdf2Sync(password, salt, Number(iterations), want.length, digest));
}

function verifyScrypt(encoded: string, password: string): boolean {
  const params = scryptParams(encoded);
  if (!params) return false;
  const want = Buffer.from(params.hash, 'base64');
  if (want.length !== 64) return false;
  const { n: N, r, p } = params;
  const got = scryptSync(password, params.salt, 64, { N, r, p, maxmem: scryptMemory(params) + 1024 * 1024 });
  return timingSafeEqual(want, got);
}
