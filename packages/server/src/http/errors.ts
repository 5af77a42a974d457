// The one place where errors become HTTP answers. Every error body has a stable `code`;
// the field carrying the message keeps the original service's shape (`detail`, or `error`
// on logout). A 5xx says nothing of its cause, only a request id to find it in the logs.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { OverloadedError } from '../crypto/limiter.js';
import { AuthError, DatabaseUnavailableError, type ErrorCode, MESSAGES } from '../errors.js';
import { validationError } from './validation.js';

const STATUS: Record<ErrorCode, number> = {
  validation_error: 400,
  logout_failed: 400,
  no_active_account: 401,
  token_not_valid: 401,
  not_authenticated: 401,
  bad_authorization_header: 401,
  user_inactive: 401,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  throttled: 429,
  overloaded: 503,
  service_unavailable: 503,
  internal_error: 500,
};

export function toAuthError(err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  if (err instanceof DatabaseUnavailableError) {
    return new AuthError('service_unavailable', 'Service temporarily unavailable. Try again later.', {
      retryAfterSeconds: 5,
      cause: err,
    });
  }
  if (err instanceof OverloadedError) {
    return new AuthError('overloaded', 'Too many logins in progress. Try again shortly.', { retryAfterSeconds: 1, cause: err });
  }
  const fe = err as FastifyError;
  if (fe.validation) return validationError(fe);
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AuthError('payload_too_large', 'Request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AuthError('unsupported_media_type', 'Unsupported media type; send application/json.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AuthError(
        'validation_error',
        `JSON parse error - ${fe.message.replace(/^Body is not valid JSON but content-type is set to 'application\/json'/, '').trim() || 'invalid JSON'}`,
      );
  }
  if (fe.statusCode === 400 || (err instanceof SyntaxError && fe.statusCode === undefined)) {
    return new AuthError('validation_error', `JSON parse error - ${fe.message}`);
  }
  return new AuthError('internal_error', 'Internal server error.', { cause: err });
}

export function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const error = toAuthError(err);
  const status = STATUS[error.code];
  if (status >= 500)
    request.log[status === 500 ? 'error' : 'warn']({ err: error.cause ?? error, code: error.code }, 'request failed');
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="api"');
  reply.code(status).send(errorBody(error, status, request));
}

function errorBody(error: AuthError, status: number, request: FastifyRequest): Record<string, unknown> {
  if (status === 500) return { detail: error.message, code: error.code, request_id: request.id };
  const logoutShape = (request.routeOptions.config as { logoutErrors?: boolean } | undefined)?.logoutErrors;
  if (logoutShape && status === 400) {
    // The contract: every 400 of logout carries {"error": "Token is invalid or already blacklisted"}.
    const detail = error.code === 'logout_failed' ? undefined : error.message;
    return { error: MESSAGES.logoutFailed, code: error.code, ...(detail ? { detail } : {}), ...error.fields };
  }
  return { ...error.fields, detail: error.message, code: error.code };
}
