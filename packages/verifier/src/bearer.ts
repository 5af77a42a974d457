// "Authorization: Bearer <token>" (RFC 6750 2.1), read as the auth service reads it: the
// scheme matched exactly, another scheme counts as no credentials, and exactly one token.
import { MESSAGES } from '@auth-service/protocol';
import { VerifierError } from './errors.js';

export function bearerTokenOf(headerValue: string | readonly string[] | undefined): string {
  const value = Array.isArray(headerValue) ? headerValue[0] : headerValue;
  const parts = typeof value === 'string' ? value.split(' ') : [];
  if (parts[0] !== 'Bearer') throw new VerifierError('not_authenticated', 'missing_token', MESSAGES.notAuthenticated);
  if (parts.length !== 2 || !parts[1]) {
    throw new VerifierError('bad_authorization_header', 'bad_authorization_header', MESSAGES.badAuthHeader);
  }
  return parts[1];
}
