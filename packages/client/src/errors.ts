// One error class for every failure the client reports. `code` is the server's stable code
// (packages/protocol's ERROR_STATUS) when the server answered, or one of the client's own.
import type { ErrorCode } from '@auth-service/protocol';

/** The server's codes, and the client's own: no answer at all, or an answer that is not ours. */
export type AuthErrorCode = ErrorCode | 'network_error' | 'bad_response';

export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    /** The HTTP status, when the server answered. */
    readonly status?: number,
    /** Seconds to wait (Retry-After), on `throttled`, `overloaded`, `service_unavailable`. */
    readonly retryAfter?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const notAuthenticated = () => new AuthError('not_authenticated', 'Not logged in', 401);

export const networkError = (cause: unknown) =>
  new AuthError('network_error', 'The service could not be reached', undefined, undefined, { cause });

/** The error of a non-2xx answer: its body's code and message, its Retry-After. */
export function answerError(res: Response, body: unknown): AuthError {
  const data = (body ?? {}) as { code?: unknown; detail?: unknown; error?: unknown };
  const code = typeof data.code === 'string' ? (data.code as AuthErrorCode) : 'bad_response';
  const message = String(data.detail ?? data.error ?? `HTTP ${res.status}`);
  const retryAfter = Number(res.headers.get('retry-after')) || undefined;
  return new AuthError(code, message, res.status, retryAfter);
}
