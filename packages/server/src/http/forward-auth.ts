// GET /auth/forward-auth/: for gateways that ask per request whether to let it through (nginx
// auth_request, Caddy forward_auth, Traefik ForwardAuth). The answer is a status the gateway
// acts on, never a redirect or a 404 (nginx turns those into a 500 for the client):
//  - 200 and the identity in X-Auth-User-Id, X-Auth-Username, X-Auth-Session-Id, always all
//    three, so that a gateway that copies them over the client's request leaves no client-sent
//    copy of any of them in place;
//  - 401 with WWW-Authenticate for no token or a token refused (the same checks as /auth/me/,
//    revocation included: one database read);
//  - 503 for our own failure (database down, or anything we did not expect): "try again",
//    not "log the user out".
import { ERROR_STATUS, forwardAuthAnswer } from '@auth-service/protocol';
import type { RouteOptions } from 'fastify';
import { type AuthenticateDeps, authenticate } from '../auth/verify.js';
import { AuthError } from '../errors.js';
import { asBearerError, bearerToken } from './bearer.js';
import { toAuthError } from './errors.js';
import { BEARER_ERRORS, route } from './route.js';

export const FORWARD_AUTH_PATH = '/auth/forward-auth/';

export function forwardAuthRoute(deps: AuthenticateDeps): RouteOptions {
  return route({
    method: 'GET',
    url: FORWARD_AUTH_PATH,
    docs: {
      tag: 'gateway',
      summary: 'Forward auth: may this request through? (nginx auth_request, Traefik, Caddy)',
      description:
        'On 200 the identity is also in the X-Auth-User-Id, X-Auth-Username (percent-encoded UTF-8) and X-Auth-Session-Id headers. A refusal is a 401; a failure of ours a 503, never a redirect.',
      auth: 'bearer',
      errors: [...BEARER_ERRORS, 'service_unavailable'],
      example: { user_id: 42, username: 'alice', sid: '0b6c3f8e-5a55-4a1f-9d0c-7f6e2b1d4c3a' },
    },
    schema: { response: { 200: forwardAuthAnswer } },
    handler: async (request, reply) => {
      const who = await authenticate(deps, bearerToken(request)).catch((err) => Promise.reject(gatewayError(err)));
      reply.header('x-auth-user-id', String(who.id));
      reply.header('x-auth-username', headerValue(who.username));
      reply.header('x-auth-session-id', who.sessionId);
      return { user_id: who.id, username: who.username, sid: who.sessionId };
    },
  });
}

/** A refusal stays a 401; every other failure is ours, and a gateway must hear "try again". */
function gatewayError(err: unknown): AuthError {
  const error = toAuthError(err);
  const status = ERROR_STATUS[error.code];
  if (status === 401) return asBearerError(error) as AuthError;
  if (status === 503) return error;
  return new AuthError('service_unavailable', 'The auth service could not check this request. Try again.', {
    retryAfterSeconds: 1,
    cause: err,
  });
}

/**
 * A username as a header value: usernames may hold any Unicode, and a header carries bytes
 * (RFC 9110 5.5). Characters Django allows in usernames pass as they are; anything else, "%"
 * included, is percent-encoded UTF-8, so decodeURIComponent() gives back the exact name.
 */
export function headerValue(username: string): string {
  let out = '';
  for (const char of username) out += /^[A-Za-z0-9._~@+-]$/.test(char) ? char : encodeURIComponent(char);
  return out;
}
