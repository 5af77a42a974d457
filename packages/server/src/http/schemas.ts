// JSON schemas for every body and every success answer: requests are refused with a 400
// naming the field, and answers are serialised from the schema, so no field can leak.
import { PASSWORD_MAX, USERNAME_MAX } from '../auth/rules.js';

const TOKEN_MAX = 4096;

const str = (maxLength: number, format?: string) => ({ type: 'string', minLength: 1, maxLength, ...(format ? { format } : {}) });

const body = (fields: Record<string, object>) => ({
  type: 'object',
  required: Object.keys(fields),
  properties: fields,
  // Unknown fields are ignored, as the original service does.
  additionalProperties: true,
});

export const loginBody = body({ username: str(USERNAME_MAX, 'safe-text'), password: str(PASSWORD_MAX, 'safe-password') });
export const refreshBody = body({ refresh: str(TOKEN_MAX) });
export const verifyBody = body({ token: str(TOKEN_MAX) });
export const logoutBody = body({ refresh_token: str(TOKEN_MAX) });

const obj = (properties: Record<string, object>) => ({
  type: 'object',
  required: Object.keys(properties),
  properties,
  additionalProperties: false,
});

export const tokenPairReply = { 200: obj({ refresh: { type: 'string' }, access: { type: 'string' } }) };
export const refreshReply = {
  200: { ...obj({ access: { type: 'string' } }), properties: { access: { type: 'string' }, refresh: { type: 'string' } } },
};
export const emptyReply = { 200: { type: 'object', additionalProperties: false, properties: {} } };
export const messageReply = { 200: obj({ message: { type: 'string' } }) };
export const logoutAllReply = { 200: obj({ message: { type: 'string' }, sessions_revoked: { type: 'integer' } }) };
export const meReply = { 200: obj({ id: { type: 'integer' }, username: { type: 'string' } }) };
export const statusReply = { 200: obj({ status: { type: 'string' } }) };

const jwk = {
  type: 'object',
  properties: Object.fromEntries(['kty', 'crv', 'x', 'y', 'kid', 'alg', 'use'].map((k) => [k, { type: 'string' }])),
  additionalProperties: false, // never a private parameter ("d"), whatever the key object holds
};
export const jwksReply = { 200: obj({ keys: { type: 'array', items: jwk } }) };
