// Every failure a client can be told about: a stable machine `code` (in every error body), the
// HTTP status it is answered with, and the public messages clients already match on.

/** Each code names one failure; the comment says when it is answered. */
export const ERROR_STATUS = {
  validation_error: 400, // malformed body, missing or bad field, malformed URL
  bad_request: 400, // a request the HTTP parser refuses (malformed request line or header), or two Host headers
  logout_failed: 400, // logout of an invalid, expired or already blacklisted token
  wrong_password: 400, // POST /auth/password/change/: the old password is wrong
  no_active_account: 401, // bad credentials: unknown user, wrong password, disabled user (one answer)
  token_not_valid: 401, // bad signature, expired, wrong type, revoked, malformed
  not_authenticated: 401, // no Authorization header, or another scheme than Bearer
  feed_token_invalid: 401, // the revocation feed's credential (REVOCATION_FEED_TOKEN) is wrong
  bad_authorization_header: 401, // "Bearer" with no token or with extra parts
  user_inactive: 401, // Bearer token of a disabled user (/auth/me/)
  csrf_failed: 403, // REFRESH_COOKIE: a request that sends the cookie without X-Auth-CSRF or from an origin not in CORS_ORIGINS
  not_found: 404,
  session_not_found: 404, // DELETE /auth/sessions/{id}/: no live session of the caller has that id
  feed_disabled: 404, // the revocation feed is off (REVOCATION_FEED_TOKEN is not set)
  discovery_disabled: 404, // issuer metadata needs JWT_ISSUER to be an https URL
  method_not_allowed: 405, // a known path, another method (the answer carries Allow)
  request_timeout: 408, // headers not received within HEADERS_TIMEOUT, or the whole request within REQUEST_TIMEOUT
  payload_too_large: 413,
  uri_too_long: 414, // a request target longer than 8192 bytes
  unsupported_media_type: 415, // a body that is not application/json
  headers_too_large: 431, // request line and headers past 16 KiB (Node's limit)
  throttled: 429, // too many login attempts (Retry-After says when to try again)
  internal_error: 500, // a defect of ours; the body carries only a request id
  method_not_implemented: 501, // a method that is not one of HTTP's own (RFC 9110 9.1), such as FOO
  overloaded: 503, // the password-hashing queue is full (Retry-After)
  service_unavailable: 503, // a dependency (the database, Redis; for a verifier, the auth service's keys) does not answer, or shutting down
  too_many_subscribers: 503, // the revocation feed has REVOCATION_FEED_MAX_SUBSCRIBERS streams open (Retry-After)
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
  badRequest: 'Malformed HTTP request.',
  duplicateHost: 'More than one Host header.',
  requestTimeout: 'The request was not received in time.',
  uriTooLong: 'Request URL is too long.',
  headersTooLarge: 'Request headers are too large.',
  methodNotImplemented: 'Method not implemented.',
  unsupportedMediaType: 'Unsupported media type; send application/json.',
  invalidBody: 'Invalid request body.',
  internal: 'Internal server error.',
  feedDisabled: 'The revocation feed is off: the operator has not set REVOCATION_FEED_TOKEN.',
  feedTokenInvalid: 'The revocation feed credential is missing or wrong.',
  tooManySubscribers: 'Too many revocation feed subscribers on this instance. Try again later.',
  wrongPassword: 'The old password is wrong.',
  passwordChanged: 'Password changed; your other sessions have ended',
  sessionNotFound: 'No such session.',
  csrfFailed: 'Cross-site request refused: send X-Auth-CSRF: 1 from an allowed origin.',
  discoveryDisabled: 'Issuer metadata is served only when JWT_ISSUER is an https URL.',
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
