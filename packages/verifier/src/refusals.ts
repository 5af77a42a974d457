// Why a token was refused: a closed set, so that logs, metrics and callers can tell which check
// failed without ever seeing the token. Every reason is answered as `token_not_valid`.

export const REFUSALS = {
  malformed: 'not a compact JWS of canonical base64url JSON, or too long',
  header: 'a header parameter outside alg, typ and kid, a typ we do not issue (at+jwt, refresh+jwt, JWT), or a bad kid',
  algorithm: 'an algorithm not accepted here, or not the one of the key named by kid',
  unknown_key: 'kid names no key we trust',
  signature: 'the signature does not verify',
  claims: 'a claim we rely on (jti, sid, user_id, sub, token_type, exp, iat) is missing or malformed, or exp is not after iat',
  expired: 'exp is past, beyond the leeway',
  not_yet_valid: 'iat or nbf is in the future, beyond the leeway',
  issuer: 'iss is not the expected issuer',
  audience: 'aud does not name the expected audience',
  type: 'token_type or the header typ is not the one this caller accepts',
} as const;

export type Refusal = keyof typeof REFUSALS;
