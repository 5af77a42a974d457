// How a refused request is answered, the same by every adapter (Fastify, Express/Connect, the
// WebSocket upgrade): RFC 6750 3 challenges with the auth service's JSON error body.
//  - no token: 401, `WWW-Authenticate: Bearer realm="…"` (no error attribute, RFC 6750 3.1);
//  - a malformed Authorization header: 401 with error="invalid_request";
//  - a token refused: 401 with error="invalid_token";
//  - keys that cannot be fetched: 503 with Retry-After, so that a client does not log its user
//    out because the auth service is down.
import { ERROR_STATUS, MESSAGES } from '@auth-service/protocol';
import { isVerifierError, type VerifierError } from './errors.js';

export interface RefusalAnswer {
  status: number;
  headers: Record<string, string>;
  body: { detail: string; code: string; dependency?: string };
}

export function refusalAnswer(err: unknown, realm = 'api'): RefusalAnswer {
  if (!isVerifierError(err)) {
    // Not a refusal: a defect (of ours or of the caller's code). Nothing of it is sent.
    return { status: 500, headers: {}, body: { detail: MESSAGES.internal, code: 'internal_error' } };
  }
  const headers: Record<string, string> = {};
  if (err.status === 401) headers['www-authenticate'] = challenge(err, realm);
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
  const dependency = err.code === 'service_unavailable' ? { dependency: 'auth-service' } : {};
  return { status: ERROR_STATUS[err.code], headers, body: { detail: err.message, code: err.code, ...dependency } };
}

function challenge(err: VerifierError, realm: string): string {
  const base = `Bearer realm="${realm}"`;
  if (err.code === 'not_authenticated') return base;
  if (err.code === 'bad_authorization_header') return `${base}, error="invalid_request"`;
  return `${base}, error="invalid_token"`;
}
