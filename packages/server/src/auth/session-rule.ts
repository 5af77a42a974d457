// Whether a session still accepts a token whose signature and claims are valid: the one rule
// that refresh, logout, verify and every Bearer check apply, in one order.
//  1. the session exists and belongs to the token's user;
//  2. the user is active (disabling a user also revokes its sessions, and the user's state is
//     what the client is told: "User is inactive" on /auth/me/, as the original service says);
//  3. the session is not revoked (logged out, "blacklisted");
//  4. for a refresh token: its jti is the session's current one or, with rotation, the one it
//     replaced, presented again within ROTATION_GRACE_PERIOD (a client whose answer was lost).
import { MESSAGES } from '@auth-service/protocol';
import type { RefreshState, SessionState } from '../db/repos/sessions.js';
import { type AuthError, type SessionRefusal, tokenRefused } from '../errors.js';

export type Judgement<As extends string = 'live'> = { ok: true; as: As } | { ok: false; refusal: SessionRefusal };

const refuse = (refusal: SessionRefusal) => ({ ok: false, refusal }) as const;

/** Steps 1-3: the session of an access token (or of any token) is live. */
export function judgeSession(state: SessionState | null, userId: number): Judgement {
  if (!state || state.userId !== userId) return refuse('unknown_session');
  if (!state.isActive) return refuse('user_inactive');
  if (state.revokedAt) return refuse('revoked');
  return { ok: true, as: 'live' };
}

/** Steps 1-4 for a refresh token: accepted as the current one, or as a retry within the grace period. */
export function judgeRefresh(
  state: Omit<RefreshState, 'successorToken'> | null,
  token: { user_id: number; jti: string },
  now: number,
  rotationGraceMs: number,
): Judgement<'current' | 'grace_retry'> {
  if (!state) return refuse('unknown_session');
  const live = judgeSession(state, token.user_id);
  if (!live.ok) return live;
  if (state.refreshJti === token.jti) return { ok: true, as: 'current' };
  if (state.previousJti === token.jti && state.rotatedAt && now - state.rotatedAt.getTime() <= rotationGraceMs) {
    return { ok: true, as: 'grace_retry' };
  }
  return refuse('stale_token');
}

/** The answer to a refusal: SimpleJWT's "blacklisted" for a revoked session, else "invalid". */
export function sessionRefused(refusal: SessionRefusal): AuthError {
  return tokenRefused(
    refusal,
    refusal === 'revoked' || refusal === 'reuse_detected' ? MESSAGES.tokenBlacklisted : MESSAGES.tokenInvalid,
  );
}
