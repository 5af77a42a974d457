// The one place where errors become HTTP answers. An AuthError's code alone decides the status
// (protocol's ERROR_STATUS); Fastify's own errors are classified by their stable `code`, never
// by their message. The field carrying the message keeps the original service's shape
// (`detail`, or `error` on logout). A 5xx says nothing of its cause, only a request id to find
// it in the logs; every token refusal logs its reason (never the token).
import { ERROR_STATUS, MESSAGES } from '@auth-service/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AuthError, hasCode, internalError } from '../errors.js';
import { withSecurityHeaders } from './headers.js';
import { validationError } from './validation.js';

export function toAuthError(err: unknown): AuthError {
  if (hasCode(err)) return err;
  const fe = err as FastifyError;
  if (fe.validation) return validationError(fe);
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AuthError('payload_too_large', MESSAGES.payloadTooLarge);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AuthError('unsupported_media_type', MESSAGES.unsupportedMediaType);
    // Only from Fastify's fallback for a method its router does not know (FOO over HTTP/2;
    // HTTP/1.1's parser refuses such methods before Fastify: client-errors.ts).
    case 'FST_ERR_NOT_FOUND':
      return new AuthError('method_not_implemented', MESSAGES.methodNotImplemented);
  }
  return internalError('unexpected error', err);
}

export function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const error = toAuthError(err);
  const status = ERROR_STATUS[error.code];
  // That fallback runs no hook, so not the one that sets the security headers either.
  if ((err as FastifyError).code === 'FST_ERR_NOT_FOUND') withSecurityHeaders(reply);
  log(error, status, request);
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="api"');
  reply.code(status).send(errorBody(error, status, request));
}

function log(error: AuthError, status: number, request: FastifyRequest): void {
  const { code, reason, dependency } = error;
  if (status >= 500) {
    request.log[status === 500 ? 'error' : 'warn']({ err: error.cause ?? error, code, dependency }, 'request failed');
  } else if (reason) {
    request.log.info({ code, reason, url: request.routeOptions.url }, 'token refused');
  }
}

function errorBody(error: AuthError, status: number, request: FastifyRequest): Record<string, unknown> {
  if (status === 500) return { detail: MESSAGES.internal, code: error.code, request_id: request.id };
  const dependency = error.dependency ? { dependency: error.dependency } : {};
  const logoutShape = (request.routeOptions.config as { logoutErrors?: boolean } | undefined)?.logoutErrors;
  if (logoutShape && status === 400) {
    // The contract: every 400 of logout carries {"error": "Token is invalid or already blacklisted"}.
    const detail = error.code === 'logout_failed' ? undefined : error.message;
    return { error: MESSAGES.logoutFailed, code: error.code, ...(detail ? { detail } : {}), ...error.fields };
  }
  return { ...error.fields, detail: error.message, code: error.code, ...dependency };
}
