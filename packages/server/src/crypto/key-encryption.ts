// Private signing keys at rest: AES-256-GCM under a key derived (scrypt) from
// KEY_ENCRYPTION_SECRET, with the key id as additional authenticated data so that a stored
// ciphertext cannot be swapped onto another key's row. Without the secret, keys are stored
// as plain JWK JSON (docs/security.md says what that means).
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { internalError } from '../errors.js';

const PREFIX = 'enc:v1:';

export function isEncrypted(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

export function encryptPrivateKey(plain: string, kid: string, secret: string | undefined): string {
  if (!secret) return plain;
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(secret, salt), iv);
  cipher.setAAD(Buffer.from(kid));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return PREFIX + [salt, iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join(':');
}

export function decryptPrivateKey(stored: string, kid: string, secret: string | undefined): string {
  if (!isEncrypted(stored)) return stored;
  if (!secret) throw internalError(`signing key ${kid} is encrypted and KEY_ENCRYPTION_SECRET is not set`);
  const [salt, iv, tag, body] = stored
    .slice(PREFIX.length)
    .split(':')
    .map((p) => Buffer.from(p, 'base64url'));
  if (!salt || !iv || !tag || !body) throw internalError(`signing key ${kid}: malformed ciphertext`);
  const decipher = createDecipheriv('aes-256-gcm', deriveKey(secret, salt), iv);
  decipher.setAAD(Buffer.from(kid));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    throw internalError(`signing key ${kid} cannot be decrypted: KEY_ENCRYPTION_SECRET is wrong`);
  }
}

function deriveKey(secret: string, salt: Buffer): Buffer {
  return scryptSync(secret, salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
}
