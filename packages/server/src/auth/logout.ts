// POST /auth/logout/: blacklist the session of a refresh token. One atomic UPDATE decides, so
// of concurrent logouts exactly one answers 200 and the others get the spec's 400; once it
// has committed, no refresh that starts afterwards can succeed (it reads revoked_at).
import { revokeSession, revokeUserSessions } from '../db/repos/sessions.js';
import { AuthError, MESSAGES } from '../errors.js';
import type { AuthDeps, RequestContext } from './deps.js';

export async function logout(deps: AuthDeps, token: string, ctx: RequestContext): Promise<void> {
  const claims = await deps.tokens.verify(token, 'refresh').catch((err) => {
    throw err instanceof AuthError ? new AuthError('logout_failed', MESSAGES.logoutFailed, { cause: err }) : err;
  });
  const userId = await revokeSession(deps.db, claims.sid, claims.jti, 'logout', new Date(deps.now()));
  if (userId === null) throw new AuthError('logout_failed', MESSAGES.logoutFailed);
  await deps.audit.record('logout', { userId }, ctx, { sid: claims.sid });
}

/** POST /auth/logout/all/: revoke every session of the authenticated user. */
export async function logoutAll(deps: AuthDeps, userId: number, ctx: RequestContext): Promise<number> {
  const revoked = await revokeUserSessions(deps.db, userId, 'logout_all', new Date(deps.now()));
  await deps.audit.record('logout_all', { userId }, ctx, { sessions: revoked });
  return revoked;
}
