// The definition of a valid token, in one place: the auth service and every verifier run this
// same function. Stateless and synchronous: keys, clock and expectations come in as arguments.
//
// In order, each step refusing with a reason (refusals.ts):
//  1. compact JWS, canonical base64url, bounded length;
//  2. header: only alg, typ and kid (RFC 8725 3.10: key material or key locations supplied by the
//     token, jku/x5u/jwk/x5c, and crit are never honoured), a typ we issue, a well-formed kid;
//  3. algorithm: one of those accepted, and exactly the algorithm of the key kid names
//     (RFC 8725 3.1: never "none", never an algorithm picked by the token);
//  4. signature (ES256 in its low-s spelling only), then the claims: shapes, the times (exp and
//     iat finite, exp after iat; exp/iat/nbf with a leeway: times.ts), iss, the token type (RFC 8725 3.11: access and refresh tokens are not
//     interchangeable: the header typ, at+jwt or refresh+jwt, and token_type must both say so),
//     and last aud (a refresh token has an audience of its own, so that verifiers that read
//     neither typ nor token_type refuse it too).
//  Tokens issued before explicit typing (typ JWT, a refresh token with the access audience) are
//  accepted until they expire: `legacyAudience` names the audience such refresh tokens carry.
import {
  type AccessClaims,
  ALGORITHMS,
  type Algorithm,
  JTI_PATTERN,
  KID_PATTERN,
  LEGACY_TYP,
  type RefreshClaims,
  SID_PATTERN,
  TOKEN_MAX_LENGTH,
  TOKEN_TYP,
  type TokenClaims,
  type TokenType,
} from '@auth-service/protocol';
import { decodeJsonSegment, splitCompact, verifySignature } from './jws.js';
import type { KeyLookup } from './keys.js';
import type { Refusal } from './refusals.js';
import { timeRefusal } from './times.js';
import type { VerifiedCache } from './verified-cache.js';

export interface ValidateOptions<T extends TokenType> {
  keys: KeyLookup;
  /** Header algorithms accepted at all (default: every algorithm we know). */
  algorithms?: readonly Algorithm[];
  issuer: string;
  /** The audience a token of the expected type carries. */
  audience: string;
  /** The audience of a legacy token (typ JWT) of the expected type, when it differs (refresh). */
  legacyAudience?: string;
  /** Clock skew tolerated on exp, iat and nbf, in seconds. */
  leewayS: number;
  /** Milliseconds since the epoch. */
  now: number;
  /** The one token type the caller accepts; there is no default, so it cannot be forgotten. */
  expected: T;
  /** Tokens whose signature was verified before (skips only the signature check). */
  verified?: VerifiedCache;
}

export type ClaimsOf<T extends TokenType> = T extends 'access' ? AccessClaims : RefreshClaims;

export type Validation<T extends TokenType> =
  | { ok: true; claims: ClaimsOf<T>; kid: string }
  | { ok: false; reason: Refusal; kid?: string };

const HEADER_PARAMETERS = new Set(['alg', 'typ', 'kid']);
const TYPS: readonly unknown[] = [TOKEN_TYP.access, TOKEN_TYP.refresh, LEGACY_TYP];

export function validateToken<T extends TokenType>(token: unknown, options: ValidateOptions<T>): Validation<T> {
  const known = typeof token === 'string' ? options.verified?.get(token) : undefined;
  if (known && options.keys.get(known.kid)) return checkClaims(known.payload, known.typ, known.kid, options);
  if (typeof token !== 'string' || token.length > TOKEN_MAX_LENGTH) return refuse('malformed');
  const parts = splitCompact(token);
  if (!parts) return refuse('malformed');
  const header = decodeJsonSegment(parts[0]);
  if (!header) return refuse('malformed');
  const { kid, alg } = header;
  if (Object.keys(header).some((name) => !HEADER_PARAMETERS.has(name))) return refuse('header');
  const typ = header.typ ?? LEGACY_TYP;
  if (!TYPS.includes(typ)) return refuse('header');
  if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) return refuse('header');
  if (!(options.algorithms ?? ALGORITHMS).includes(alg as Algorithm)) return refuse('algorithm', kid);
  const key = options.keys.get(kid);
  if (!key) return refuse('unknown_key', kid);
  if (alg !== key.alg) return refuse('algorithm', kid);
  if (!verifySignature(key, `${parts[0]}.${parts[1]}`, Buffer.from(parts[2], 'base64url'))) return refuse('signature', kid);
  const payload = decodeJsonSegment(parts[1]);
  if (!payload) return refuse('malformed', kid);
  options.verified?.add(token, { kid, typ: typ as string, payload });
  return checkClaims(payload, typ as string, kid, options);
}

/** RFC 7519 4.1 registered claims with the leeway, after the shape of every claim we rely on. */
function checkClaims<T extends TokenType>(
  payload: Record<string, unknown>,
  typ: string,
  kid: string,
  o: ValidateOptions<T>,
): Validation<T> {
  const c = payload as unknown as TokenClaims & { nbf?: unknown };
  if (!wellFormed(c)) return refuse('claims', kid);
  const times = timeRefusal(c, o.now, o.leewayS);
  if (times) return refuse(times, kid);
  if (c.iss !== o.issuer) return refuse('issuer', kid);
  const legacy = typ === LEGACY_TYP;
  if (c.token_type !== o.expected || !(legacy || typ === TOKEN_TYP[o.expected])) return refuse('type', kid);
  const audience = legacy ? (o.legacyAudience ?? o.audience) : o.audience;
  if (!audienceMatches(c.aud, audience)) return refuse('audience', kid);
  return { ok: true, claims: c as ClaimsOf<T>, kid };
}

function wellFormed(c: TokenClaims): boolean {
  return (
    typeof c.jti === 'string' &&
    JTI_PATTERN.test(c.jti) &&
    typeof c.sid === 'string' &&
    SID_PATTERN.test(c.sid) &&
    Number.isSafeInteger(c.user_id) &&
    c.user_id > 0 &&
    c.sub === String(c.user_id) &&
    (c.token_type === 'access' || c.token_type === 'refresh')
  );
}

function audienceMatches(aud: unknown, audience: string): boolean {
  return aud === audience || (Array.isArray(aud) && aud.includes(audience));
}

const refuse = (reason: Refusal, kid?: string) => ({ ok: false, reason, ...(kid ? { kid } : {}) }) as const;
