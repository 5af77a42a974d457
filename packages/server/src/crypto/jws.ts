// Signing our tokens (JWS compact serialisation, RFC 7515 3.1, 7.1). Verification is the
// verifier package's, which every consumer runs too; this is its other half. ES256 signs with
// the low s only, the one spelling verification accepts.
import { sign } from 'node:crypto';
import { TOKEN_TYP, type TokenType } from '@auth-service/protocol';
import { encodeSegment, hs256, toLowS } from '@auth-service/verifier';
import type { SigningKey } from './signing-keys.js';

/**
 * The encoded protected header of a key and token type never changes: callers compute it once.
 * `typ` says what the token is (RFC 8725 3.11; at+jwt for access tokens, RFC 9068).
 */
export function encodeHeader(key: SigningKey, type: TokenType): string {
  return encodeSegment(JSON.stringify({ alg: key.alg, typ: TOKEN_TYP[type], kid: key.kid }));
}

export function signCompact(key: SigningKey, encodedHeader: string, payload: object): string {
  const signingInput = `${encodedHeader}.${encodeSegment(JSON.stringify(payload))}`;
  return `${signingInput}.${encodeSegment(signature(key, signingInput))}`;
}

function signature(key: SigningKey, signingInput: string): Buffer {
  if (key.alg === 'HS256') return hs256(key.secret, signingInput);
  return toLowS(sign('sha256', Buffer.from(signingInput), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }));
}
