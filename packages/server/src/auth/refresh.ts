// POST /auth/token/refresh/: a refresh token -> a new access token (and, with rotation on,
// a new refresh token). Without rotation this is one database read.

import { newTokenId, type TokenClaims } from '../crypto/tokens.js';
import { findRefreshState, lockRefreshState, type RefreshState, revokeSessionById, rotateSession } from '../db/repos/sessions.js';
import { AuthError, MESSAGES, tokenInvalid } from '../errors.js';
import type { AuthDeps, RequestContext } from './deps.js';

export interface Refreshed {
  access: string;
  refresh?: string;
}

export async function refresh(deps: AuthDeps, token: string, ctx: RequestContext): Promise<Refreshed> {
  const claims = await deps.tokens.verify(token, 'refresh');
  if (deps.config.jwt.rotateRefreshTokens) return rotate(deps, claims, ctx);
  const state = await findRefreshState(deps.db, claims.sid);
  assertLive(state, claims);
  if (state.refreshJti !== claims.jti) throw tokenInvalid();
  return { access: await mintAccess(deps, claims) };
}

/** The session exists, belongs to the token's user, is not revoked, and its user is active. */
export function assertLive(state: RefreshState | null, claims: TokenClaims): asserts state is RefreshState {
  if (!state || state.userId !== claims.user_id) throw tokenInvalid();
  if (state.revokedAt) throw new AuthError('token_not_valid', MESSAGES.tokenBlacklisted);
  if (!state.isActive) throw tokenInvalid();
}

type RotationOutcome = { ok: Refreshed } | { reused: true };

/**
 * Rotation, under a row lock so that concurrent refreshes of one token are serialised:
 * - the current refresh token is retired and gets a successor;
 * - the token retired last, presented again within ROTATION_GRACE_PERIOD (a client whose
 *   answer was lost), gets that same successor;
 * - anything else of this session is reuse of a stolen token: the session is revoked.
 */
async function rotate(deps: AuthDeps, claims: TokenClaims, ctx: RequestContext): Promise<Refreshed> {
  const outcome = await deps.db.transaction(async (tx): Promise<RotationOutcome> => {
    const state = await lockRefreshState(tx, claims.sid);
    assertLive(state, claims);
    const now = deps.now();
    if (state.refreshJti === claims.jti) {
      const jti = newTokenId();
      const next = await deps.tokens.mint('refresh', claims.user_id, claims.sid, jti);
      await rotateSession(tx, claims.sid, {
        refreshJti: jti,
        previousJti: claims.jti,
        rotatedAt: new Date(now),
        successorToken: next.token,
        expiresAt: new Date(next.claims.exp * 1000),
      });
      return { ok: { access: await mintAccess(deps, claims), refresh: next.token } };
    }
    if (isRetryInGrace(deps, state, claims) && state.successorToken) {
      return { ok: { access: await mintAccess(deps, claims), refresh: state.successorToken } };
    }
    await revokeSessionById(tx, claims.sid, 'refresh_token_reused', new Date(now));
    await deps.audit.record('refresh_token_reused', { userId: claims.user_id }, ctx, { sid: claims.sid }, tx);
    return { reused: true };
  });
  if ('reused' in outcome) throw new AuthError('token_not_valid', MESSAGES.tokenBlacklisted);
  return outcome.ok;
}

/** The refresh token retired last, presented again within ROTATION_GRACE_PERIOD. */
export function isRetryInGrace(deps: AuthDeps, state: RefreshState, claims: TokenClaims): boolean {
  if (state.previousJti !== claims.jti || state.rotatedAt === null) return false;
  return deps.now() - state.rotatedAt.getTime() <= deps.config.jwt.rotationGraceMs;
}

async function mintAccess(deps: AuthDeps, claims: TokenClaims): Promise<string> {
  return (await deps.tokens.mint('access', claims.user_id, claims.sid)).token;
}
