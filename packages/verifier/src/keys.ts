// The keys a token may be verified with. Each key has exactly one algorithm (RFC 8725 3.1): a
// token whose header names another one is refused before any signature is computed.
import { createHash, type KeyObject } from 'node:crypto';

export type VerificationKey =
  | { readonly kid: string; readonly alg: 'ES256'; readonly publicKey: KeyObject }
  | { readonly kid: string; readonly alg: 'HS256'; readonly secret: Buffer };

/** Where validation looks a kid up: a Map of kid to key is one; so is a key ring. */
export interface KeyLookup {
  get(kid: string): VerificationKey | undefined;
}

/**
 * The HS256 key of a shared secret (JWT_SIGNING_KEY). Its kid names the secret without
 * revealing it, and is the same wherever the secret is: the service signs with it, and a
 * verifier given the same secret finds it.
 */
export function sharedSecretKey(secret: string): { readonly kid: string; readonly alg: 'HS256'; readonly secret: Buffer } {
  const bytes = Buffer.from(secret, 'utf8');
  const kid = `hs256-${createHash('sha256').update(bytes).digest('base64url').slice(0, 12)}`;
  return { kid, alg: 'HS256', secret: bytes };
}
