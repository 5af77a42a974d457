// Every failure a client can be told about: a stable machine `code` (in every error body), the
// HTTP status it is answered with, and the public messages clients already match on.

/** Each code names one failure; the comment says when it is answered. */
export const ERROR_STATUS = {
  validation_error: 400, // malformed body, missing or bad field, malformed URL
  logout_failed: 400, // logout of an invalid, expired or already blacklisted token
  no_active_account: 401, // bad credentials: unknown user, wrong password, disabled user (one answer)
  token_not_valid: 401, // bad signature, expired, wrong type, revoked, malformed
  not_authenticated: 401, // no Authorization header, or another scheme than Bearer
  bad_authorization_header: 401, // "Bearer" with no token or with extra parts
  user_inactive: 401, // Bearer token of a disabled user (/auth/me/)
  not_found: 404,
  method_not_allowed: 405, // a known path, another method (the answer carries Allow)
  payload_too_large: 413,
  unsupported_media_type: 415, // a body that is not application/json
  throttled: 429, // too many login attempts (Retry-After says when to try again)
  internal_error: 500, // a defect of ours; the body carries only a request id
  overloaded: 503, // the password-hashing queue is full (Retry-After)
  service_unavailable: 503, // a dependency (the database, Redis; for a verifier, the auth service's keys) does not answer, or shutting down
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}

/** The dependencies a 503 service_unavailable can name. */
export type Dependency = 'database' | 'redis' | 'auth-service';

/**
 * Public messages. The first group is SimpleJWT's and DRF's wording, which clients of the
 * original service match on; keep it word for word.
 */
export const MESSAGES = {
  badCredentials: 'No active account found with the given credentials',
  tokenInvalid: 'Token is invalid or expired',
  tokenBlacklisted: 'Token is blacklisted',
  tokenWrongType: 'Token has wrong type',
  bearerInvalid: 'Given token not valid for any token type',
  logoutFailed: 'Token is invalid or already blacklisted',
  notAuthenticated: 'Authentication credentials were not provided.',
  badAuthHeader: 'Authorization header must contain two space-delimited values',
  userInactive: 'User is inactive',
  loggedOut: 'Logged out successfully',
  loggedOutAll: 'Logged out of all sessions',

  notFound: 'Not found.',
  throttled: 'Too many login attempts. Try again later.',
  overloaded: 'Too many logins in progress. Try again shortly.',
  shuttingDown: 'The service is shutting down. Try again.',
  payloadTooLarge: 'Request body is too large.',
  unsupportedMediaType: 'Unsupported media type; send application/json.',
  invalidBody: 'Invalid request body.',
  internal: 'Internal server error.',
} as const;

const DEPENDENCY_NAMES: Record<Dependency, string> = {
  database: 'The database',
  redis: 'Redis (login throttle)',
  // Named by verifiers (@auth-service/verifier) that cannot fetch the signing keys.
  'auth-service': 'The auth service (its signing keys)',
};

/** The detail of a 503 service_unavailable that names what failed. */
export function unavailableMessage(dependency: Dependency): string {
  return `${DEPENDENCY_NAMES[dependency]} is unavailable. Try again later.`;
}
