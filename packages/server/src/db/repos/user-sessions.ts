// Ending sessions on a user's or an operator's word (DELETE /auth/sessions/, the password
// change, `sessions revoke`), and the coarse record of a session's use. (Listing them:
// sessions.ts, listLiveSessions.) Revoking goes through the same UPDATE of revoked_at as logout,
// so the sessions trigger (migration 013) puts every such end in the revocation feed.
import { one, type Queryable } from '../port.js';

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
