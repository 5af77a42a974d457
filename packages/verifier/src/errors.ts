// What a verifier throws: one error class with a stable `code` (protocol's ERROR_STATUS gives
// its HTTP status, the same as the auth service answers) and a `reason` naming the check that
// failed. Callers classify by `code` and `reason`, never by the message.
import { ERROR_STATUS, MESSAGES, unavailableMessage } from '@auth-service/protocol';
import type { Refusal } from './refusals.js';

/** Why a request or token was refused, beyond validateToken's own refusals. */
export const VERIFIER_REASONS = {
  missing_token: 'no Authorization header, or another scheme than Bearer',
  bad_authorization_header: '"Bearer" with no token or with extra parts',
  revoked: 'the revocation feed reports the session of the token revoked',
  keys_unavailable: 'the signing keys could not be fetched, and no cached key can decide',
  revocations_stale: "the revocation feed has been silent longer than staleAfter, and the policy is onStale: 'refuse'",
} as const;

export type VerifierReason = Refusal | keyof typeof VERIFIER_REASONS;

export type VerifierErrorCode = 'token_not_valid' | 'not_authenticated' | 'bad_authorization_header' | 'service_unavailable';

export class VerifierError extends Error {
  /** The HTTP status this error is answered with (401 or 503). */
  readonly status: number;

  constructor(
    readonly code: VerifierErrorCode,
    readonly reason: VerifierReason,
    message: string,
    /** Seconds a client should wait before trying again (503 only). */
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'VerifierError';
    this.status = ERROR_STATUS[code];
  }
}

export const isVerifierError = (err: unknown): err is VerifierError => err instanceof VerifierError;

export const refused = (reason: Refusal | 'revoked') =>
  new VerifierError(
    'token_not_valid',
    reason,
    reason === 'revoked' ? MESSAGES.tokenBlacklisted : reason === 'type' ? MESSAGES.tokenWrongType : MESSAGES.tokenInvalid,
  );

export const keysUnavailable = (detail: string, retryAfterSeconds: number, cause?: unknown) =>
  new VerifierError(
    'service_unavailable',
    'keys_unavailable',
    `${unavailableMessage('auth-service')} (${detail})`,
    Math.max(1, Math.ceil(retryAfterSeconds)),
    { cause },
  );

/** isRevoked's refusal to answer under `onStale: 'refuse'`: a 503, never a 401 (the user is not logged out). */
export const revocationsStale = (message: string, retryAfterSeconds: number) =>
  new VerifierError('service_unavailable', 'revocations_stale', message, Math.max(1, Math.ceil(retryAfterSeconds)));
