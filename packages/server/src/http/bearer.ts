// "Authorization: Bearer <token>" (RFC 6750 2.1). The scheme is matched exactly, as the
// original service does: another scheme counts as no credentials.
import { MESSAGES } from '@auth-service/protocol';
import type { FastifyRequest } from 'fastify';
import { AuthError, hasCode } from '../errors.js';

export function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const parts = header?.split(' ') ?? [];
  if (parts[0] !== 'Bearer') throw new AuthError('not_authenticated', MESSAGES.notAuthenticated);
  if (parts.length !== 2 || !parts[1]) throw new AuthError('bad_authorization_header', MESSAGES.badAuthHeader);
  return parts[1];
}

/**
 * Bearer failures keep SimpleJWT's shape: a generic detail plus the per-token-class message
 * in `messages`, so clients that read either keep working.
 */
export function asBearerError(err: unknown): unknown {
  if (!hasCode(err, 'token_not_valid')) return err;
  return new AuthError('token_not_valid', MESSAGES.bearerInvalid, {
    cause: err,
    reason: err.reason,
    fields: { messages: [{ token_class: 'AccessToken', token_type: 'access', message: err.message }] },
  });
}
