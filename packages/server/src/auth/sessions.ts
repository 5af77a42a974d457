// A user's own sessions: GET /auth/sessions/ lists the live ones, DELETE /auth/sessions/{id}/
// ends one; the CLI's `sessions revoke` ends any user's (`sessions list` is users.ts's).
// Ending a session is a logout of it: the same UPDATE of revoked_at (so the revocation feed
// and every verifier see it), audited in the same transaction.
import { MESSAGES, type SessionInfo } from '@auth-service/protocol';
import type { Database } from '../db/port.js';
import { listLiveSessions, type SessionSummary } from '../db/repos/sessions.js';
import { revokeLiveSession, touchSession } from '../db/repos/user-sessions.js';
import { AuthError } from '../errors.js';
import type { AuditLog } from './audit.js';
import type { Clock, RequestContext } from './context.js';
import type { SessionCache } from './session-cache.js';

/**
 * How stale `last_used` may get: a refresh writes it only when it is older than this, so that
 * refreshing stays one read (plus one write per session per interval at most).
 */
export const LAST_USED_INTERVAL_MS = 3_600_000;

/** The newest sessions GET /auth/sessions/ lists at most: bounds the answer of a user who logs in in a loop. */
export const SESSIONS_LISTED_MAX = 1000;

export interface SessionsDeps {
  db: Database;
  audit: Pick<AuditLog, 'recordIn'>;
  now: Clock;
  sessionCache: Pick<SessionCache, 'settle'>;
}

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The caller's live sessions; `currentId` (the presented token's session) is flagged. */
export async function listSessions(
  deps: Pick<SessionsDeps, 'db' | 'now'>,
  userId: number,
  currentId: string,
): Promise<SessionInfo[]> {
  const rows = await listLiveSessions(deps.db, userId, new Date(deps.now()), SESSIONS_LISTED_MAX);
  return rows.map((row) => describeSession(row, currentId));
}

function describeSession(row: SessionSummary, currentId: string): SessionInfo {
  return {
    id: row.id,
    created: row.createdAt.toISOString(),
    last_used: row.lastUsedAt.toISOString(),
    client_address: row.clientAddress,
    user_agent: row.userAgent,
    current: currentId !== '' && row.id === currentId,
  };
}

/**
 * Ends one live session of `userId`. Another user's session, one already ended, and an id
 * that is no session at all are the same 404: the answer tells nothing about ids not yours.
 */
export async function endSession(deps: SessionsDeps, userId: number, sessionId: string, ctx: RequestContext): Promise<void> {
  if (!SESSION_ID.test(sessionId)) throw sessionNotFound();
  await deps.db.transaction(async (tx) => {
    const revoked = await revokeLiveSession(tx, sessionId.toLowerCase(), userId, 'session_ended', new Date(deps.now()));
    if (revoked === null) throw sessionNotFound();
    await deps.audit.recordIn(tx, { event: 'session_ended', userId, details: { sid: sessionId.toLowerCase() } }, ctx);
  });
  await deps.sessionCache.settle({ sessionId: sessionId.toLowerCase() });
}

/** `sessions revoke <id>`: ends any user's live session, for an operator; returns its user id. */
export async function revokeSessionById(deps: SessionsDeps, sessionId: string, ctx: RequestContext): Promise<number> {
  if (!SESSION_ID.test(sessionId)) throw sessionNotFound();
  const sid = sessionId.toLowerCase();
  const userId = await deps.db.transaction(async (tx) => {
    const userId = await revokeLiveSession(tx, sid, null, 'revoked_by_operator', new Date(deps.now()));
    if (userId === null) throw sessionNotFound();
    await deps.audit.recordIn(tx, { event: 'session_ended', userId, details: { sid, by: 'operator' } }, ctx);
    return userId;
  });
  await deps.sessionCache.settle({ sessionId: sid });
  return userId;
}

/** After an accepted refresh: records the use, unless it was recorded within the interval; says whether it wrote. */
export async function noteSessionUse(db: Database, sessionId: string, lastUsedAt: Date, now: number): Promise<boolean> {
  if (now - lastUsedAt.getTime() < LAST_USED_INTERVAL_MS) return false;
  await touchSession(db, sessionId, new Date(now), new Date(now - LAST_USED_INTERVAL_MS));
  return true;
}

function sessionNotFound(): AuthError {
  return new AuthError('session_not_found', MESSAGES.sessionNotFound);
}
