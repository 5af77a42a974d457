// One error type for everything a client may be told. `code` is the stable machine code
// (it is in every error body); the HTTP layer alone maps it to a status and a body shape.
// The public message never carries internals: the `cause` is for logs only.

export const ERROR_CODES = [
  'validation_error', // 400: malformed body, missing or bad field
  'no_active_account', // 401: bad credentials (unknown user, wrong password, disabled user)
  'token_not_valid', // 401: bad signature, expired, wrong type, revoked, malformed
  'not_authenticated', // 401: no Authorization header
  'bad_authorization_header', // 401: "Bearer" with no token or with extra parts
  'user_inactive', // 401: Bearer token of a disabled user
  'logout_failed', // 400: logout of an invalid or already blacklisted token
  'not_found', // 404
  'method_not_allowed', // 405
  'payload_too_large', // 413
  'unsupported_media_type', // 415
  'throttled', // 429: too many login attempts
  'overloaded', // 503: password hashing queue full
  'service_unavailable', // 503: database unreachable
  'internal_error', // 500
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AuthErrorOptions {
  /** Extra public fields for the body (e.g. DRF-style per-field messages). */
  fields?: Record<string, unknown>;
  /** Seconds a client should wait (429, 503). */
  retryAfterSeconds?: number;
  /** Internal cause, logged, never sent. */
  cause?: unknown;
}

export class AuthError extends Error {
  readonly fields?: Record<string, unknown>;
  readonly retryAfterSeconds?: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AuthErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AuthError';
    this.fields = options.fields;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The messages clients already match on (SimpleJWT / DRF wording). */
export const MESSAGES = {
  badCredentials: 'No active account found with the given credentials',
  tokenInvalid: 'Token is invalid or expired',
  tokenBlacklisted: 'Token is blacklisted',
  tokenWrongType: 'Token has wrong type',
  logoutFailed: 'Token is invalid or already blacklisted',
  notAuthenticated: 'Authentication credentials were not provided.',
  badAuthHeader: 'Authorization header must contain two space-delimited values',
  userInactive: 'User is inactive',
} as const;

export const tokenInvalid = (cause?: unknown) => new AuthError('token_not_valid', MESSAGES.tokenInvalid, { cause });

/** Raised by the database drivers when the database cannot be reached; the HTTP layer answers 503. */
export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super('database unavailable', { cause });
    this.name = 'DatabaseUnavailableError';
  }
}
