// The old service's tokens, checked on their own terms: SimpleJWT's HS256 tokens carry no kid,
// iss, aud, sub or sid, so the one definition of a valid token of ours
// (@auth-service/verifier's validateToken) refuses them, as it must. This is the separate,
// explicit definition of a valid token *of the old format*, used only when
// SIMPLEJWT_SIGNING_KEY is set and only after validateToken refused the token for its header
// (no kid); what such a token may then do is decided by legacy-tokens.ts, never here.
//
// As strict as ours where the formats agree: compact JWS of canonical base64url (PyJWT also
// takes other spellings of the last character; the old service's own tokens are canonical),
// bounded length, a header of exactly alg HS256 and typ JWT (RFC 8725 3.1: the algorithm is
// fixed by the key, never by the token), the HMAC compared in constant time, then the claims,
// their times by our own rule (the verifier's timeRefusal).
import { JTI_PATTERN, TOKEN_MAX_LENGTH, type TokenType } from '@auth-service/protocol';
import { decodeJsonSegment, type Refusal, splitCompact, timeRefusal, verifySignature } from '@auth-service/verifier';

/** SimpleJWT's claims (user_id is its default USER_ID_CLAIM). */
export interface LegacyClaims {
  token_type: TokenType;
  exp: number;
  iat: number;
  jti: string;
  user_id: number;
}

export interface LegacyValidateOptions {
  /** The old service's HS256 key (its SIMPLE_JWT SIGNING_KEY, by default its SECRET_KEY). */
  key: Buffer;
  expected: TokenType;
  /** Milliseconds since the epoch. */
  now: number;
  leewayS: number;
  /** An access token may not claim to live longer than this from now (SimpleJWT's ACCESS_TOKEN_LIFETIME). */
  accessLifetimeS: number;
}

export type LegacyValidation = { ok: true; claims: LegacyClaims } | { ok: false; reason: Refusal };

const refuse = (reason: Refusal) => ({ ok: false, reason }) as const;

export function validateLegacyToken(token: unknown, o: LegacyValidateOptions): LegacyValidation {
  if (typeof token !== 'string' || token.length > TOKEN_MAX_LENGTH) return refuse('malformed');
  const parts = splitCompact(token);
  if (!parts) return refuse('malformed');
  const header = decodeJsonSegment(parts[0]);
  if (!header) return refuse('malformed');
  if (Object.keys(header).some((name) => name !== 'alg' && name !== 'typ')) return refuse('header');
  if (header.typ !== undefined && header.typ !== 'JWT') return refuse('header');
  if (header.alg !== 'HS256') return refuse('algorithm');
  const key = { kid: 'simplejwt', alg: 'HS256', secret: o.key } as const;
  if (!verifySignature(key, `${parts[0]}.${parts[1]}`, Buffer.from(parts[2], 'base64url'))) return refuse('signature');
  const payload = decodeJsonSegment(parts[1]);
  if (!payload) return refuse('malformed');
  return checkClaims(payload, o);
}

function checkClaims(payload: Record<string, unknown>, o: LegacyValidateOptions): LegacyValidation {
  const c = payload as unknown as LegacyClaims & { nbf?: unknown; sid?: unknown };
  // A token that names a session is of our format: it never passes as an old one.
  if (!wellFormed(c) || c.sid !== undefined) return refuse('claims');
  const times = timeRefusal(c, o.now, o.leewayS);
  if (times) return refuse(times);
  if (c.token_type !== o.expected) return refuse('type');
  // An access token of the old service lives ACCESS_TOKEN_LIFETIME: one that claims more was
  // not made by it as configured, and is not honoured past what it could have been given.
  if (c.token_type === 'access' && c.exp - o.now / 1000 > o.accessLifetimeS + o.leewayS) return refuse('claims');
  return { ok: true, claims: { token_type: c.token_type, exp: c.exp, iat: c.iat, jti: c.jti, user_id: c.user_id } };
}

function wellFormed(c: LegacyClaims): boolean {
  return (
    typeof c.jti === 'string' &&
    JTI_PATTERN.test(c.jti) &&
    Number.isSafeInteger(c.user_id) &&
    c.user_id > 0 &&
    (c.token_type === 'access' || c.token_type === 'refresh')
  );
}
