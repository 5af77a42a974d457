// Signing keys as this process holds them: one shape per algorithm, parsed once into
// node:crypto KeyObjects (never per request). ES256 pairs are generated here and stored (by
// auth/keys) as JWK JSON, the private half encrypted when KEY_ENCRYPTION_SECRET is set; the
// HS256 key is the shared secret of JWT_SIGNING_KEY, never published.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import type { PublicJwk } from '@auth-service/protocol';
import { sharedSecretKey as secretKeyOf } from '@auth-service/verifier';
import { decryptPrivateKey, encryptPrivateKey } from './key-encryption.js';

export interface KeyTimes {
  /** Published (JWKS) from here. */
  createdAt: Date;
  /** Signs from here (a staged rotation publishes a key before it signs). */
  activatesAt: Date;
  /** Stops signing here (may be in the future: the moment its successor activates). */
  retiredAt: Date | null;
  /** Revoked (leaked): neither signs nor verifies nor is published from here. */
  revokedAt?: Date | null;
}

export type SigningKey =
  | (KeyTimes & { kid: string; alg: 'ES256'; publicKey: KeyObject; privateKey: KeyObject; publicJwk: PublicJwk })
  | (KeyTimes & { kid: string; alg: 'HS256'; secret: Buffer });

/** A key as stored: the public JWK, and the private JWK as JSON or as its ciphertext. */
export interface StoredKey extends KeyTimes {
  kid: string;
  alg: string;
  publicJwk: Record<string, unknown>;
  privateJwk: string;
}

/** A new ES256 pair, ready to store; it signs from `activatesAt`. */
export function generateEs256Key(secret: string | undefined, now: Date, activatesAt = now): StoredKey {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomUUID().replaceAll('-', '').slice(0, 16);
  const privateJwk = encryptPrivateKey(JSON.stringify(privateKey.export({ format: 'jwk' })), kid, secret);
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  return { kid, alg: 'ES256', publicJwk: { kty, crv, x, y }, privateJwk, createdAt: now, activatesAt, retiredAt: null };
}

/**
 * Parses a stored ES256 key; throws when its private half cannot be decrypted. `secrets`: the
 * current KEY_ENCRYPTION_SECRET, then the previous one while keys are being re-encrypted.
 */
export function parseStoredKey(row: StoredKey, secrets: string | undefined | readonly (string | undefined)[]): SigningKey {
  const privateJwk = JSON.parse(decryptWithAny(row.privateJwk, row.kid, secrets));
  const { kty, crv, x, y } = row.publicJwk as Record<string, string>;
  return {
    kid: row.kid,
    alg: 'ES256',
    publicKey: createPublicKey({ key: row.publicJwk as never, format: 'jwk' }),
    privateKey: createPrivateKey({ key: privateJwk, format: 'jwk' }),
    publicJwk: { kty: kty as string, crv, x, y, kid: row.kid, alg: 'ES256', use: 'sig' },
    createdAt: row.createdAt,
    activatesAt: row.activatesAt,
    retiredAt: row.retiredAt,
    revokedAt: row.revokedAt ?? null,
  };
}

/** The private JWK, decrypted with the first secret that opens it; the first one's error otherwise. */
export function decryptWithAny(
  stored: string,
  kid: string,
  secrets: string | undefined | readonly (string | undefined)[],
): string {
  const candidates = Array.isArray(secrets) ? secrets : [secrets];
  let first: unknown;
  for (const secret of candidates) {
    try {
      return decryptPrivateKey(stored, kid, secret as string | undefined);
    } catch (err) {
      first ??= err;
    }
  }
  throw first;
}

/** The HS256 key of a shared secret; its kid names the secret without revealing it. */
export function sharedSecretKey(secret: string): SigningKey {
  const since = new Date(0);
  return { ...secretKeyOf(secret), createdAt: since, activatesAt: since, retiredAt: null };
}
