// A JWKS answer (RFC 7517 5) into verification keys. Only what we issue is taken: EC P-256 keys
// for ES256 with a kid of our shape; anything else in the set is skipped, never trusted with
// another algorithm (RFC 8725 3.1). Keys already parsed are kept, not parsed again.
import { createPublicKey } from 'node:crypto';
import { KID_PATTERN } from '@auth-service/protocol';
import type { VerificationKey } from './keys.js';

/** More keys than a rotation ever publishes (next, current, retired). */
const MAX_KEYS = 100;

type Jwk = Record<string, unknown>;

/** The ES256 keys of `body`, or a sentence saying why there are none. */
export function parseJwks(body: unknown, known: ReadonlyMap<string, VerificationKey>): Map<string, VerificationKey> | string {
  const list = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) return 'the answer is not a JWKS ({"keys": [...]})';
  const keys = new Map<string, VerificationKey>();
  for (const jwk of list.slice(0, MAX_KEYS) as Jwk[]) {
    const key = es256Key(jwk, known);
    if (key) keys.set(key.kid, key);
  }
  if (keys.size === 0) return 'the JWKS holds no ES256 key (an HS256 service publishes none: give the verifier its secret)';
  return keys;
}

function es256Key(jwk: Jwk, known: ReadonlyMap<string, VerificationKey>): VerificationKey | null {
  if (!jwk || typeof jwk !== 'object') return null;
  const { kid, kty, crv, x, y, alg, use } = jwk;
  if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) return null;
  if (kty !== 'EC' || crv !== 'P-256' || typeof x !== 'string' || typeof y !== 'string') return null;
  if ((alg !== undefined && alg !== 'ES256') || (use !== undefined && use !== 'sig')) return null;
  const cached = known.get(kid);
  if (cached?.alg === 'ES256' && sameKey(cached, x, y)) return cached;
  try {
    return { kid, alg: 'ES256', publicKey: createPublicKey({ key: { kty, crv, x, y }, format: 'jwk' }) };
  } catch {
    return null; // not a point on the curve
  }
}

function sameKey(key: VerificationKey & { alg: 'ES256' }, x: string, y: string): boolean {
  const jwk = key.publicKey.export({ format: 'jwk' });
  return jwk.x === x && jwk.y === y;
}
