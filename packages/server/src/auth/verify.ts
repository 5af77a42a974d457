// Access-token checks for /auth/me/ and /auth/token/verify/: a valid signature is not
// enough, the session must not be revoked and the user must be active (one database read).
import type { TokenClaims } from '../crypto/tokens.js';
import { findAccessState, findRefreshState } from '../db/repos/sessions.js';
import { AuthError, MESSAGES, tokenInvalid } from '../errors.js';
import type { AuthDeps } from './deps.js';
import { assertLive, isRetryInGrace } from './refresh.js';

export interface Identity {
  id: number;
  username: string;
}

/** The user an access token speaks for; throws token_not_valid / user_inactive. */
export async function authenticate(deps: AuthDeps, token: string): Promise<Identity> {
  return liveAccess(deps, await deps.tokens.verify(token, 'access'));
}

/** POST /auth/token/verify/: any token of ours, access or refresh, that is still live. */
export async function verifyToken(deps: AuthDeps, token: string): Promise<void> {
  const claims = await deps.tokens.verify(token);
  if (claims.token_type === 'access') {
    // SimpleJWT's verify answers only valid/invalid: a disabled user's token is just invalid here.
    await liveAccess(deps, claims).catch((err) => {
      throw err instanceof AuthError && err.code === 'user_inactive' ? tokenInvalid() : err;
    });
    return;
  }
  const state = await findRefreshState(deps.db, claims.sid);
  assertLive(state, claims);
  if (state.refreshJti !== claims.jti && !isRetryInGrace(deps, state, claims)) throw tokenInvalid();
}

async function liveAccess(deps: AuthDeps, claims: TokenClaims): Promise<Identity> {
  const state = await findAccessState(deps.db, claims.sid);
  if (!state || state.userId !== claims.user_id) throw tokenInvalid();
  // Disabling a user also revokes its sessions: the user's state is what the client is told
  // (docs/api.md: "user disabled" -> user_inactive), checked before the session's.
  if (!state.isActive) throw new AuthError('user_inactive', MESSAGES.userInactive);
  if (state.revokedAt) throw new AuthError('token_not_valid', MESSAGES.tokenBlacklisted);
  return { id: state.userId, username: state.username };
}
