// Checks on the request itself, before any route: two Host headers are a 400 (RFC 9112 3.2: a
// proxy and we could disagree on which host was meant; Node keeps only the first), and a request
// target past MAX_URL_BYTES is a 414 (no path of ours is longer than a few dozen bytes).
import { MESSAGES } from '@auth-service/protocol';
import type { FastifyInstance } from 'fastify';
import { AuthError } from '../errors.js';

export const MAX_URL_BYTES = 8192;

export function registerRequestChecks(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (request.raw.url && request.raw.url.length > MAX_URL_BYTES) throw new AuthError('uri_too_long', MESSAGES.uriTooLong);
    if (hostHeaders(request.raw.rawHeaders) > 1) throw new AuthError('bad_request', MESSAGES.duplicateHost);
  });
}

function hostHeaders(raw: string[]): number {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === 'host') count++;
  return count;
}
