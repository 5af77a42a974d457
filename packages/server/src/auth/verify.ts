// Access-token checks for /auth/me/ and every Bearer route, and /auth/token/verify/: a valid
// signature is not enough, the session must be live by the session rule (one database read).
import { MESSAGES } from '@auth-service/protocol';
import type { Database } from '../db/port.js';
import { findAccessState, findRefreshState } from '../db/repos/sessions.js';
import { AuthError, hasCode, type SessionRefusal } from '../errors.js';
import type { Clock } from './context.js';
import type { RotationPolicy } from './refresh.js';
import { judgeRefresh, judgeSession, sessionRefused } from './session-rule.js';
import type { Tokens } from './tokens.js';

export interface Identity {
  id: number;
  username: string;
  /** The session the token belongs to (forward auth hands it to the upstream). */
  sessionId: string;
}

export interface AuthenticateDeps {
  db: Database;
  tokens: Pick<Tokens, 'verify'>;
}

/** The user an access token speaks for; throws token_not_valid, or user_inactive for a disabled user. */
export async function authenticate(deps: AuthenticateDeps, token: string): Promise<Identity> {
  const claims = await deps.tokens.verify(token, 'access');
  const state = await findAccessState(deps.db, claims.sid);
  if (!state) throw accessRefused('unknown_session');
  const judged = judgeSession(state, claims.user_id);
  if (!judged.ok) throw accessRefused(judged.refusal);
  return { id: claims.user_id, username: state.username, sessionId: claims.sid };
}

export interface VerifyDeps extends AuthenticateDeps {
  now: Clock;
  rotation: Pick<RotationPolicy, 'graceMs'>;
}

/**
 * POST /auth/token/verify/: a token of ours, access or refresh, whose session is live. As
 * SimpleJWT's verify, it answers valid or invalid only: a disabled user's token is invalid.
 */
export async function verifyToken(deps: VerifyDeps, token: string): Promise<void> {
  // Either type is accepted here: as an access token first (the common case), and only when
  // that fails on the type alone, as a refresh token.
  const access = await deps.tokens.verify(token, 'access').catch((err) => {
    if (hasCode(err, 'token_not_valid') && err.reason === 'type') return null;
    throw err;
  });
  if (access) {
    const judged = judgeSession(await findAccessState(deps.db, access.sid), access.user_id);
    if (!judged.ok) throw sessionRefused(judged.refusal);
    return;
  }
  const claims = await deps.tokens.verify(token, 'refresh');
  const judged = judgeRefresh(await findRefreshState(deps.db, claims.sid), claims, deps.now(), deps.rotation.graceMs);
  if (!judged.ok) throw sessionRefused(judged.refusal);
}

function accessRefused(refusal: SessionRefusal): AuthError {
  if (refusal === 'user_inactive') return new AuthError('user_inactive', MESSAGES.userInactive, { reason: refusal });
  return sessionRefused(refusal);
}
