// POST /auth/logout/: blacklist the session of a refresh token. The session row is locked while
// the session rule judges the token, so of concurrent logouts exactly one answers 200 and the
// others get the contract's 400; once it has committed, no refresh that starts afterwards can
// succeed (it reads revoked_at). With rotation, a retired refresh token past the grace period
// is reuse here as at refresh: the session is revoked, and the answer is still the 400.
import { MESSAGES } from '@auth-service/protocol';
import type { Database } from '../db/port.js';
import { lockRefreshState, revokeSession, revokeUserSessions } from '../db/repos/sessions.js';
import { AuthError, hasCode } from '../errors.js';
import type { AuditLog } from './audit.js';
import type { Clock, RequestContext } from './context.js';
import type { AuthMetrics } from './metrics.js';
import { type RotationPolicy, revokeForReuse } from './refresh.js';
import type { SessionCache } from './session-cache.js';
import { judgeRefresh } from './session-rule.js';
import { type LegacyTokens, refreshTokenOf } from './simplejwt/legacy-tokens.js';
import type { Tokens } from './tokens.js';

export interface LogoutDeps {
  db: Database;
  tokens: Pick<Tokens, 'verify'>;
  /** Set with SIMPLEJWT_SIGNING_KEY: the old service's refresh tokens log out their imported session. */
  legacy?: LegacyTokens;
  audit: Pick<AuditLog, 'recordIn'>;
  now: Clock;
  rotation: RotationPolicy;
  metrics: Pick<AuthMetrics, 'sessionsRevoked'>;
  sessionCache: Pick<SessionCache, 'settle'>;
}

export async function logout(deps: LogoutDeps, token: string, ctx: RequestContext): Promise<void> {
  const claims = await refreshTokenOf(deps, token).catch((err) => {
    throw hasCode(err, 'token_not_valid') ? logoutFailed(err.reason, err) : err;
  });
  const loggedOut = await deps.db.transaction(async (tx) => {
    const now = deps.now();
    const judged = judgeRefresh(await lockRefreshState(tx, claims.sid), claims, now, deps.rotation.graceMs);
    if (judged.ok) {
      await revokeSession(tx, claims.sid, 'logout', new Date(now));
      await deps.audit.recordIn(tx, { event: 'logout', userId: claims.user_id, details: { sid: claims.sid } }, ctx);
      return true;
    }
    if (judged.refusal !== 'stale_token' || !deps.rotation.enabled) throw logoutFailed(judged.refusal);
    await revokeForReuse(deps, tx, claims, ctx, now);
    return false;
  });
  // The reuse revocation commits; only then is the presenter told no. Either way, no answer
  // before every instance has been sent the change (session-cache.ts).
  await deps.sessionCache.settle({ sessionId: claims.sid });
  deps.metrics.sessionsRevoked(loggedOut ? 'logout' : 'refresh_token_reused', 1);
  if (!loggedOut) throw logoutFailed('reuse_detected');
}

export interface LogoutAllDeps {
  db: Database;
  audit: Pick<AuditLog, 'recordBestEffort'>;
  now: Clock;
  metrics: Pick<AuthMetrics, 'sessionsRevoked'>;
  sessionCache: Pick<SessionCache, 'settle'>;
}

/** POST /auth/logout/all/: revoke every session of the authenticated user. */
export async function logoutAll(deps: LogoutAllDeps, userId: number, ctx: RequestContext): Promise<number> {
  const revoked = await revokeUserSessions(deps.db, userId, 'logout_all', new Date(deps.now()));
  // Nothing revoked (a race with another logout): nothing to wait for, and no amplification.
  if (revoked > 0) await deps.sessionCache.settle({ userId });
  deps.metrics.sessionsRevoked('logout_all', revoked);
  await deps.audit.recordBestEffort({ event: 'logout_all', userId, details: { sessions: revoked } }, ctx);
  return revoked;
}

function logoutFailed(reason: AuthError['reason'], cause?: unknown): AuthError {
  return new AuthError('logout_failed', MESSAGES.logoutFailed, { reason, cause });
}
