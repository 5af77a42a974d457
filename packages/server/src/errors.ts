// One error type for every failure: `code` is the stable machine code (protocol's ERROR_STATUS
// maps it to a status, and it is in every error body); the HTTP layer alone turns it into an
// answer. The public message never carries internals: `cause` is for logs only, and a 500
// answers a generic message whatever the error says.
import { type Dependency, type ErrorCode, MESSAGES, unavailableMessage } from '@auth-service/protocol';
import type { Refusal } from '@auth-service/verifier';

export type { Dependency, ErrorCode };

export interface AuthErrorOptions {
  /** Extra public fields for the body (e.g. DRF-style per-field messages). */
  fields?: Record<string, unknown>;
  /** Seconds a client should wait (429, 503). */
  retryAfterSeconds?: number;
  /** Why a token was refused: logged (never the token), not sent. */
  reason?: Refusal | SessionRefusal;
  /** The dependency that failed (503 service_unavailable): named in the answer and the log. */
  dependency?: Dependency;
  /** Internal cause, logged, never sent. */
  cause?: unknown;
}

/** Why a token with a valid signature was refused by its session (auth/session-rule.ts). */
export type SessionRefusal =
  | 'unknown_session'
  | 'user_inactive'
  | 'revoked'
  /** A refresh token the session no longer accepts (replaced by rotation, past the grace period). */
  | 'stale_token'
  /** A stale refresh token presented with rotation on: the session was revoked for it. */
  | 'reuse_detected';

export class AuthError extends Error {
  readonly fields?: Record<string, unknown>;
  readonly retryAfterSeconds?: number;
  readonly reason?: Refusal | SessionRefusal;
  readonly dependency?: Dependency;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AuthErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AuthError';
    this.fields = options.fields;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.reason = options.reason;
    this.dependency = options.dependency;
  }
}

/** True when `err` is ours and, if given, has `code`: the one way errors are classified. */
export function hasCode(err: unknown, code?: ErrorCode): err is AuthError {
  return err instanceof AuthError && (code === undefined || err.code === code);
}

/** A token refused; `message` is the SimpleJWT wording clients read (invalid, blacklisted, wrong type). */
export const tokenRefused = (reason: Refusal | SessionRefusal, message: string = MESSAGES.tokenInvalid) =>
  new AuthError('token_not_valid', message, { reason });

/** A dependency that does not answer: 503, naming it, with a Retry-After. */
export const unavailable = (dependency: Dependency, cause?: unknown) =>
  new AuthError('service_unavailable', unavailableMessage(dependency), { dependency, retryAfterSeconds: 5, cause });

/** A defect or an impossible state: logged with its message, answered as a bare 500. */
export const internalError = (message: string, cause?: unknown) => new AuthError('internal_error', message, { cause });

/** A field that fails a rule: the DRF per-field shape plus our detail. */
export const invalidField = (field: string, message: string) =>
  new AuthError('validation_error', `${field}: ${message}`, { fields: { [field]: [message] } });
