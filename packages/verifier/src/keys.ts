// The keys a token may be verified with. Each key has exactly one algorithm (RFC 8725 3.1): a
// token whose header names another one is refused before any signature is computed.
import type { KeyObject } from 'node:crypto';

export type VerificationKey =
  | { readonly kid: string; readonly alg: 'ES256'; readonly publicKey: KeyObject }
  | { readonly kid: string; readonly alg: 'HS256'; readonly secret: Buffer };

/** Where validation looks a kid up: a Map of kid to key is one; so is a key ring. */
export interface KeyLookup {
  get(kid: string): VerificationKey | undefined;
}
