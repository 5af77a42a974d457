// JWS compact serialisation (RFC 7515 3.1, 7.1) for our two algorithms, on node:crypto with
// keys parsed once (ES256 verify ~70 µs here, against ~170 µs through WebCrypto).
import { createHmac, timingSafeEqual, verify } from 'node:crypto';
import type { VerificationKey } from './keys.js';

const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export const encodeSegment = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * The three segments of a compact JWS, or null. Canonical base64url only: a segment whose
 * unused trailing bits are set decodes to the same bytes as another spelling, and accepting
 * both would give one token many texts (and dodge any check keyed by its text).
 */
export function splitCompact(token: string): [string, string, string] | null {
  if (!COMPACT.test(token)) return null;
  const parts = token.split('.') as [string, string, string];
  for (const part of parts) {
    if (Buffer.from(part, 'base64url').toString('base64url') !== part) return null;
  }
  return parts;
}

/** A segment's base64url JSON, when it is an object (a header or a payload); else null. */
export function decodeJsonSegment(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

// ECDSA is malleable: if (r, s) verifies, so does (r, n - s). Tokens are signed with the low s
// only and only that is accepted, so that a token has exactly one valid spelling.
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_HALF_ORDER = P256_ORDER >> 1n;
const sOf = (sig: Buffer) => BigInt(`0x${sig.subarray(32).toString('hex')}`);

/** The low-s form of an ES256 signature (R || S, 32 bytes each). */
export function toLowS(sig: Buffer): Buffer {
  const s = sOf(sig);
  if (s <= P256_HALF_ORDER) return sig;
  return Buffer.concat([sig.subarray(0, 32), Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex')]);
}

export function hs256(secret: Buffer, signingInput: string): Buffer {
  return createHmac('sha256', secret).update(signingInput).digest();
}

/** True when `sig` is a valid signature of `signingInput` under `key`, with the key's one algorithm. */
export function verifySignature(key: VerificationKey, signingInput: string, sig: Buffer): boolean {
  if (key.alg === 'HS256') {
    const expected = hs256(key.secret, signingInput);
    return sig.length === expected.length && timingSafeEqual(sig, expected);
  }
  // ES256 signatures are R || S (RFC 7518 3.4); anything else is refused before OpenSSL sees it,
  // which itself refuses r = 0 or s = 0 (the all-zero signature forgery).
  if (sig.length !== 64 || sOf(sig) > P256_HALF_ORDER) return false;
  return verify('sha256', Buffer.from(signingInput), { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, sig);
}
