// POST /auth/token/refresh/: a refresh token -> a new access token (and, with rotation on,
// a new refresh token). Without rotation this is one database read. A refresh token of the old
// service (SIMPLEJWT_SIGNING_KEY) counts as the token of its imported session, and gets ours.
import type { RefreshAnswer } from '@auth-service/protocol';
import type { Database, Transaction } from '../db/port.js';
import { lockRefreshState, revokeSession, rotateSession } from '../db/repos/sessions.js';
import { hasCode } from '../errors.js';
import type { AuditLog } from './audit.js';
import type { Clock, RequestContext } from './context.js';
import { type AuthMetrics, type RefreshOutcome, tokenFailure } from './metrics.js';
import type { SessionCache } from './session-cache.js';
import { judgeRefresh, sessionRefused } from './session-rule.js';
import { noteSessionUse } from './sessions.js';
import { type LegacyTokens, refreshTokenOf, type SessionToken } from './simplejwt/legacy-tokens.js';
import { newTokenId, type Tokens } from './tokens.js';

export interface RotationPolicy {
  /** ROTATE_REFRESH_TOKENS */
  enabled: boolean;
  /** ROTATION_GRACE_PERIOD */
  graceMs: number;
}

export interface RefreshDeps {
  db: Database;
  tokens: Pick<Tokens, 'mint' | 'verify'>;
  /** Set with SIMPLEJWT_SIGNING_KEY. */
  legacy?: LegacyTokens;
  audit: Pick<AuditLog, 'recordIn'>;
  now: Clock;
  rotation: RotationPolicy;
  metrics: Pick<AuthMetrics, 'refresh' | 'sessionsRevoked'>;
  sessionCache: Pick<SessionCache, 'state' | 'used' | 'settle' | 'forget'>;
}

export async function refresh(deps: RefreshDeps, token: string, ctx: RequestContext): Promise<RefreshAnswer> {
  try {
    const { answer, outcome } = await attempt(deps, token, ctx);
    deps.metrics.refresh(outcome);
    return answer;
  } catch (err) {
    deps.metrics.refresh(hasCode(err) && err.reason === 'reuse_detected' ? 'reuse_detected' : tokenFailure(err));
    throw err;
  }
}

type Refreshed = { answer: RefreshAnswer; outcome: RefreshOutcome };

async function attempt(deps: RefreshDeps, token: string, ctx: RequestContext): Promise<Refreshed> {
  const claims = await refreshTokenOf(deps, token);
  if (deps.rotation.enabled) return rotate(deps, claims, ctx);
  const state = await deps.sessionCache.state(deps.db, claims.sid);
  const now = deps.now();
  const judged = judgeRefresh(state, claims, now, deps.rotation.graceMs);
  if (!judged.ok) throw sessionRefused(judged.refusal);
  if (state && (await noteSessionUse(deps.db, claims.sid, state.lastUsedAt, now))) {
    deps.sessionCache.used(claims.sid, new Date(now));
  }
  return { answer: { access: mintAccess(deps, claims) }, outcome: 'ok' };
}

type RotationOutcome = { ok: Refreshed } | { reused: true };

/**
 * Rotation, under a row lock so that concurrent refreshes of one token are serialised:
 * - the current refresh token is retired and gets a successor;
 * - the token retired last, presented again within ROTATION_GRACE_PERIOD (a client whose
 *   answer was lost), gets that same successor;
 * - any other token of this session is reuse of a stolen token: the session is revoked.
 */
async function rotate(deps: RefreshDeps, claims: SessionToken, ctx: RequestContext): Promise<Refreshed> {
  const outcome = await deps.db.transaction(async (tx): Promise<RotationOutcome> => {
    const state = await lockRefreshState(tx, claims.sid);
    const now = deps.now();
    const judged = judgeRefresh(state, claims, now, deps.rotation.graceMs);
    if (judged.ok && judged.as === 'current') {
      const next = deps.tokens.mint('refresh', claims.user_id, claims.sid, newTokenId());
      await rotateSession(tx, claims.sid, {
        refreshJti: next.claims.jti,
        previousJti: claims.jti,
        rotatedAt: new Date(now),
        successorToken: next.token,
        expiresAt: new Date(next.claims.exp * 1000),
      });
      return { ok: { answer: { access: mintAccess(deps, claims), refresh: next.token }, outcome: 'ok' } };
    }
    if (judged.ok && state?.successorToken) {
      return { ok: { answer: { access: mintAccess(deps, claims), refresh: state.successorToken }, outcome: 'grace_retry' } };
    }
    if (!judged.ok && judged.refusal !== 'stale_token') throw sessionRefused(judged.refusal);
    await revokeForReuse(deps, tx, claims, ctx, now);
    return { reused: true };
  });
  if ('reused' in outcome) {
    await deps.sessionCache.settle({ sessionId: claims.sid });
    deps.metrics.sessionsRevoked('refresh_token_reused', 1);
    throw sessionRefused('reuse_detected');
  }
  deps.sessionCache.forget(claims.sid);
  return outcome.ok;
}

/**
 * A retired refresh token presented again past the grace period is a stolen copy (or a client
 * that lost track): the whole session is revoked, in the caller's transaction, and audited.
 */
export async function revokeForReuse(
  deps: Pick<RefreshDeps, 'audit'>,
  tx: Transaction,
  claims: SessionToken,
  ctx: RequestContext,
  now: number,
): Promise<void> {
  await revokeSession(tx, claims.sid, 'refresh_token_reused', new Date(now));
  await deps.audit.recordIn(tx, { event: 'refresh_token_reused', userId: claims.user_id, details: { sid: claims.sid } }, ctx);
}

function mintAccess(deps: RefreshDeps, claims: SessionToken): string {
  return deps.tokens.mint('access', claims.user_id, claims.sid).token;
}
