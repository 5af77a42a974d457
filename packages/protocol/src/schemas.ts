// JSON schemas of every request body and every answer (JSON Schema draft 2020-12 keywords that
// OpenAPI 3.1 reads as they are). The server validates requests and serialises answers from
// them, so no field can be missing or leak; the types below are derived from the same objects.
import { ERROR_CODES } from './errors.js';
import { PASSWORD_MAX, TOKEN_MAX_LENGTH, USERNAME_MAX } from './limits.js';
import type { FromSchema } from './schema-types.js';

const text = <const N extends number, const F extends string | undefined = undefined>(maxLength: N, format?: F) =>
  ({ type: 'string', minLength: 1, maxLength, ...(format ? { format } : {}) }) as {
    readonly type: 'string';
    readonly minLength: 1;
    readonly maxLength: N;
    readonly format?: F;
  };

/** A request body: the named fields are required; unknown fields are ignored, as the original service does. */
const body = <const P extends Record<string, object>>(properties: P) =>
  ({
    type: 'object',
    required: Object.keys(properties) as (keyof P & string)[],
    properties,
    additionalProperties: true,
  }) as const;

/** An answer: exactly these fields (the serialiser drops anything else). */
const answer = <const P extends Record<string, object>, const R extends readonly (keyof P & string)[]>(
  properties: P,
  required: R,
) => ({ type: 'object', required, properties, additionalProperties: false }) as const;

const token = text(TOKEN_MAX_LENGTH);

export const loginBody = body({ username: text(USERNAME_MAX, 'safe-text'), password: text(PASSWORD_MAX, 'safe-password') });
export const refreshBody = body({ refresh: token });
export const verifyBody = body({ token });
export const logoutBody = body({ refresh_token: token });

export const tokenPairAnswer = answer({ refresh: { type: 'string' }, access: { type: 'string' } }, ['refresh', 'access']);
/** `refresh` only when rotation is on. */
export const refreshAnswer = answer({ access: { type: 'string' }, refresh: { type: 'string' } }, ['access']);
export const emptyAnswer = answer({}, []);
export const messageAnswer = answer({ message: { type: 'string' } }, ['message']);
export const logoutAllAnswer = answer({ message: { type: 'string' }, sessions_revoked: { type: 'integer' } }, [
  'message',
  'sessions_revoked',
]);
export const meAnswer = answer({ id: { type: 'integer' }, username: { type: 'string' } }, ['id', 'username']);
export const statusAnswer = answer({ status: { type: 'string' } }, ['status']);

/** GET /auth/forward-auth/: the identity also goes out as X-Auth-* response headers. */
export const forwardAuthAnswer = answer({ user_id: { type: 'integer' }, username: { type: 'string' }, sid: { type: 'string' } }, [
  'user_id',
  'username',
  'sid',
]);

const names = { type: 'array', items: { type: 'string' } } as const;
/** Issuer metadata (RFC 8414 3.2, OpenID Connect Discovery 1.0 4.2): where the keys are. */
export const issuerMetadataAnswer = answer(
  {
    issuer: { type: 'string' },
    jwks_uri: { type: 'string' },
    response_types_supported: names,
    subject_types_supported: names,
    id_token_signing_alg_values_supported: names,
    token_endpoint_auth_methods_supported: names,
  },
  ['issuer', 'jwks_uri'],
);

const jwkText = { type: 'string' } as const;
/** A public JWK: never a private parameter ("d"), whatever the key object holds. */
export const publicJwk = answer(
  { kty: jwkText, crv: jwkText, x: jwkText, y: jwkText, kid: jwkText, alg: jwkText, use: jwkText },
  ['kty', 'kid', 'alg'],
);
export const jwksAnswer = answer({ keys: { type: 'array', items: publicJwk } }, ['keys']);

/** GET /auth/openapi.json: an OpenAPI 3.1 document (its own schema is the OpenAPI specification's). */
export const openapiAnswer = {
  type: 'object',
  required: ['openapi', 'info', 'paths'],
  properties: {
    openapi: { type: 'string' },
    info: { type: 'object', additionalProperties: true },
    paths: { type: 'object', additionalProperties: true },
  },
  additionalProperties: true,
} as const;

/** Every error body: `code` always; the message in `detail` (or `error` on logout, as the original service). */
export const errorAnswer = {
  type: 'object',
  required: ['code'],
  properties: {
    code: { type: 'string', enum: ERROR_CODES },
    detail: { type: 'string' },
    error: { type: 'string' },
    request_id: { type: 'string' },
    dependency: { type: 'string' },
  },
  additionalProperties: true,
} as const;

export type LoginBody = FromSchema<typeof loginBody>;
export type RefreshBody = FromSchema<typeof refreshBody>;
export type VerifyBody = FromSchema<typeof verifyBody>;
export type LogoutBody = FromSchema<typeof logoutBody>;
export type TokenPair = FromSchema<typeof tokenPairAnswer>;
export type RefreshAnswer = FromSchema<typeof refreshAnswer>;
export type MessageAnswer = FromSchema<typeof messageAnswer>;
export type LogoutAllAnswer = FromSchema<typeof logoutAllAnswer>;
export type MeAnswer = FromSchema<typeof meAnswer>;
export type StatusAnswer = FromSchema<typeof statusAnswer>;
export type PublicJwk = FromSchema<typeof publicJwk>;
export type Jwks = FromSchema<typeof jwksAnswer>;
export type ForwardAuthAnswer = FromSchema<typeof forwardAuthAnswer>;
export type IssuerMetadata = FromSchema<typeof issuerMetadataAnswer>;
