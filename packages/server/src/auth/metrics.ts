// What the use cases report for metrics: outcomes, by name, through this small interface. The
// use cases never see a metrics library; the runtime hands them one implementation (the
// Prometheus one in ../metrics/, when METRICS_PORT is set) or NO_METRICS.
import { hasCode } from '../errors.js';

export type LoginOutcome = 'success' | 'bad_credentials' | 'throttled' | 'overloaded' | 'unavailable' | 'error';
export type RefreshOutcome = 'ok' | 'grace_retry' | 'reuse_detected' | 'invalid' | 'unavailable' | 'error';
export type VerifyOutcome = 'valid' | 'invalid' | 'unavailable' | 'error';
/** /auth/token/verify/ ('verify') or a Bearer access token on a route ('bearer'). */
export type VerifyKind = 'verify' | 'bearer';
/** The revoked_reason of a session (db/repos/sessions.ts). */
export type RevocationCause = 'logout' | 'logout_all' | 'refresh_token_reused' | 'password_changed' | 'user_disabled';

export const LOGIN_OUTCOMES: readonly LoginOutcome[] = [
  'success',
  'bad_credentials',
  'throttled',
  'overloaded',
  'unavailable',
  'error',
];
export const REFRESH_OUTCOMES: readonly RefreshOutcome[] = [
  'ok',
  'grace_retry',
  'reuse_detected',
  'invalid',
  'unavailable',
  'error',
];
export const VERIFY_OUTCOMES: readonly VerifyOutcome[] = ['valid', 'invalid', 'unavailable', 'error'];
export const REVOCATION_CAUSES: readonly RevocationCause[] = [
  'logout',
  'logout_all',
  'refresh_token_reused',
  'password_changed',
  'user_disabled',
];

export interface AuthMetrics {
  login(outcome: LoginOutcome): void;
  refresh(outcome: RefreshOutcome): void;
  verification(kind: VerifyKind, outcome: VerifyOutcome): void;
  sessionsRevoked(cause: RevocationCause, count: number): void;
  /** A Redis command failed or the connection reported an error. */
  redisError(): void;
  /** How long a password hash waited for a hashing thread (0 when one was free). */
  hashWaited(seconds: number): void;
}

export const NO_METRICS: AuthMetrics = {
  login: () => {},
  refresh: () => {},
  verification: () => {},
  sessionsRevoked: () => {},
  redisError: () => {},
  hashWaited: () => {},
};

/** A failed login's outcome. */
export function loginFailure(err: unknown): LoginOutcome {
  if (hasCode(err, 'no_active_account')) return 'bad_credentials';
  const outcome = failureOutcome(err);
  return outcome === 'invalid' ? 'error' : outcome;
}

/** A failed refresh's or verification's outcome. */
export function tokenFailure(err: unknown): 'invalid' | 'unavailable' | 'error' {
  const outcome = failureOutcome(err);
  return outcome === 'invalid' || outcome === 'unavailable' ? outcome : 'error';
}

/** The outcome of a failure that is no refusal of the client's credentials. */
export function failureOutcome(err: unknown): 'throttled' | 'overloaded' | 'unavailable' | 'invalid' | 'error' {
  if (hasCode(err, 'throttled')) return 'throttled';
  if (hasCode(err, 'overloaded')) return 'overloaded';
  if (hasCode(err, 'service_unavailable')) return 'unavailable';
  if (hasCode(err, 'token_not_valid') || hasCode(err, 'user_inactive') || hasCode(err, 'no_active_account')) return 'invalid';
  return 'error';
}
