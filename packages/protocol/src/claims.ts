// The claims of the tokens we issue. SimpleJWT's claims (token_type, exp, iat, jti, user_id), so
// that clients and services written against the original service keep reading them, plus sub,
// iss and aud (RFC 7519 4.1) and sid, the session a token belongs to (revocation is by session).

export const TOKEN_TYPES = ['access', 'refresh'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

export interface TokenClaims {
  token_type: TokenType;
  /** Seconds since the epoch. */
  exp: number;
  iat: number;
  /** The token's own id: 32 lowercase hex digits (a uuid4 without dashes, as SimpleJWT spells it). */
  jti: string;
  user_id: number;
  /** The user id as a string (RFC 7519 4.1.2 wants a string). */
  sub: string;
  iss: string;
  aud: string;
  /** The session id: a uuid, the same in every token of one login. */
  sid: string;
}

export interface AccessClaims extends TokenClaims {
  token_type: 'access';
}

export interface RefreshClaims extends TokenClaims {
  token_type: 'refresh';
}

export const JTI_PATTERN = /^[0-9a-f]{32}$/;
export const SID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Key ids we issue are 16 characters; a little room for keys made elsewhere (HS256 kids). */
export const KID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The JOSE header `typ` of each token type (RFC 8725 3.11, explicit typing): access tokens are
 * RFC 9068 `at+jwt`; refresh tokens a type of their own, which no resource server accepts.
 */
export const TOKEN_TYP = { access: 'at+jwt', refresh: 'refresh+jwt' } as const;
/** The `typ` of tokens issued before explicit typing: accepted (with their old audience) until they expire. */
export const LEGACY_TYP = 'JWT';

/**
 * The audience of refresh tokens: only the auth service reads them, so a generic verifier
 * configured with our issuer and JWT_AUDIENCE (jose, PyJWT, jsonwebtoken) refuses one.
 */
export const refreshAudience = (issuer: string) => `${issuer}#refresh`;

/** What the service issues when JWT_ISSUER / JWT_AUDIENCE are not set. */
export const DEFAULT_ISSUER = 'auth-service';
export const DEFAULT_AUDIENCE = 'auth-service';
