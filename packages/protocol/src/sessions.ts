// The self-service endpoints: a user's own sessions (GET and DELETE /auth/sessions/) and their
// own password (POST /auth/password/change/). Bodies and answers, as schemas and types.
import { PASSWORD_MAX } from './limits.js';
import type { FromSchema } from './schema-types.js';

// anyOf, not a type list: the schema types (schema-types.ts) read one type per schema.
const nullableText = { anyOf: [{ type: 'string' }, { type: 'null' }] } as const;

/** One live session of the caller. `last_used` is coarse (docs/api.md): it moves at most once an hour. */
export const sessionInfo = {
  type: 'object',
  required: ['id', 'created', 'last_used', 'client_address', 'user_agent', 'current'],
  properties: {
    id: { type: 'string' },
    created: { type: 'string' },
    last_used: { type: 'string' },
    client_address: nullableText,
    user_agent: nullableText,
    current: { type: 'boolean' },
  },
  additionalProperties: false,
} as const;

export const sessionsAnswer = {
  type: 'object',
  required: ['sessions'],
  properties: { sessions: { type: 'array', items: sessionInfo } },
  additionalProperties: false,
} as const;

const password = { type: 'string', minLength: 1, maxLength: PASSWORD_MAX, format: 'safe-password' } as const;

/** The new password's own rules (length, characters) are those of `user create`, checked by the server. */
export const passwordChangeBody = {
  type: 'object',
  required: ['old_password', 'new_password'],
  properties: { old_password: password, new_password: password },
  additionalProperties: true,
} as const;

export type SessionInfo = FromSchema<typeof sessionInfo>;
export type SessionsAnswer = FromSchema<typeof sessionsAnswer>;
export type PasswordChangeBody = FromSchema<typeof passwordChangeBody>;
