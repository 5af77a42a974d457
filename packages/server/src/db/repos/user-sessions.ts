// A user's own view of their sessions (GET/DELETE /auth/sessions/, the password change, the
// CLI's `sessions` commands). Revoking goes through the same UPDATE of revoked_at as logout,
// so the sessions trigger (migration 013) puts every such end in the revocation feed.
import { one, type Queryable } from '../port.js';

export interface SessionRow {
  id: string;
  userId: number;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  clientAddress: string | null;
  userAgent: string | null;
}

const SESSION_COLUMNS = `s.id, s.user_id AS "userId", s.created_at AS "createdAt",
  coalesce(s.last_used_at, s.created_at) AS "lastUsedAt", s.expires_at AS "expiresAt",
  s.client_address AS "clientAddress", s.user_agent AS "userAgent"`;

/** The user's live sessions (not revoked, not expired at `now`), newest first. */
export function listLiveSessions(db: Queryable, userId: number, now: Date): Promise<SessionRow[]> {
  return db.query<SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM sessions s
     WHERE s.user_id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
     ORDER BY s.created_at DESC, s.id`,
    [userId, now],
  );
}

/** One session by id, any user's, live or not (the CLI's `sessions revoke` reports on it). */
export function findSession(db: Queryable, sessionId: string): Promise<SessionRow | null> {
  return one<SessionRow>(db, `SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.id = $1`, [sessionId]);
}

/**
 * Revokes the session `sessionId` if it is a live session of `userId` (null: any user's, for
 * the operator); returns its user id, or null when there was no such live session.
 */
export async function revokeLiveSession(
  db: Queryable,
  sessionId: string,
  userId: number | null,
  reason: string,
  now: Date,
): Promise<number | null> {
  const row = await one<{ userId: number }>(
    db,
    `UPDATE sessions SET revoked_at = $4, revoked_reason = $3, successor_token = NULL
     WHERE id = $1 AND ($2::integer IS NULL OR user_id = $2) AND revoked_at IS NULL AND expires_at > $4
     RETURNING user_id AS "userId"`,
    [sessionId, userId, reason, now],
  );
  return row?.userId ?? null;
}

/** Revokes every live session of a user but `keep` (the caller's own); returns how many. */
export async function revokeOtherSessions(
  db: Queryable,
  userId: number,
  keep: string | null,
  reason: string,
  now: Date,
): Promise<number> {
  const rows = await db.query(
    `UPDATE sessions SET revoked_at = $4, revoked_reason = $3, successor_token = NULL
     WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id <> $2::uuid)
     RETURNING 1`,
    [userId, keep, reason, now],
  );
  return rows.length;
}

/** Records a use of the session unless one was recorded after `since` (at most one write per interval). */
export async function touchSession(db: Queryable, sessionId: string, now: Date, since: Date): Promise<void> {
  await db.query(
    `UPDATE sessions SET last_used_at = $2
     WHERE id = $1 AND revoked_at IS NULL AND coalesce(last_used_at, created_at) < $3`,
    [sessionId, now, since],
  );
}
