// sessions table: one row per login. Logout ("blacklisting") sets revoked_at. Every check
// is keyed by session id and token id (jti), so a re-encoded token cannot dodge revocation.
import { one, type Queryable } from '../port.js';

export interface NewSession {
  id: string;
  userId: number;
  refreshJti: string;
  createdAt: Date;
  expiresAt: Date;
}

/** What refresh needs, read in one round trip (session joined with its user). */
export interface RefreshState {
  userId: number;
  refreshJti: string;
  previousJti: string | null;
  rotatedAt: Date | null;
  successorToken: string | null;
  revokedAt: Date | null;
  isActive: boolean;
}

/** What an access-token check needs (me, verify): the session's state and its user. */
export interface AccessState {
  userId: number;
  username: string;
  isActive: boolean;
  revokedAt: Date | null;
}

/**
 * Inserts the session only while its user is active and still has `passwordHash`, reading the
 * user row FOR SHARE: a transaction that changes the password or disables the user (and then
 * revokes the user's sessions) either waits for this insert and revokes its session too, or
 * commits first and this insert finds no row. Returns whether it inserted.
 */
export async function insertSessionForCredentials(db: Queryable, s: NewSession, passwordHash: string): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO sessions (id, user_id, refresh_jti, created_at, expires_at)
     SELECT $1, u.id, $3, $4, $5 FROM users u WHERE u.id = $2 AND u.is_active AND u.password_hash = $6 FOR SHARE
     RETURNING 1`,
    [s.id, s.userId, s.refreshJti, s.createdAt, s.expiresAt, passwordHash],
  );
  return rows.length > 0;
}

const REFRESH_SELECT = `SELECT s.user_id AS "userId", replace(s.refresh_jti::text, '-', '') AS "refreshJti",
  replace(s.previous_jti::text, '-', '') AS "previousJti", s.rotated_at AS "rotatedAt",
  s.successor_token AS "successorToken", s.revoked_at AS "revokedAt", u.is_active AS "isActive"
  FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1`;

export function findRefreshState(db: Queryable, sessionId: string): Promise<RefreshState | null> {
  return one<RefreshState>(db, REFRESH_SELECT, [sessionId]);
}

/** The same read, locking the session row until the transaction ends (rotation). */
export function lockRefreshState(tx: Queryable, sessionId: string): Promise<RefreshState | null> {
  return one<RefreshState>(tx, `${REFRESH_SELECT} FOR UPDATE OF s`, [sessionId]);
}

export async function rotateSession(
  tx: Queryable,
  sessionId: string,
  next: { refreshJti: string; previousJti: string; rotatedAt: Date; successorToken: string; expiresAt: Date },
): Promise<void> {
  await tx.query(
    `UPDATE sessions SET refresh_jti = $2, previous_jti = $3, rotated_at = $4, successor_token = $5, expires_at = $6
     WHERE id = $1`,
    [sessionId, next.refreshJti, next.previousJti, next.rotatedAt, next.successorToken, next.expiresAt],
  );
}

export function findAccessState(db: Queryable, sessionId: string): Promise<AccessState | null> {
  return one<AccessState>(
    db,
    `SELECT u.id AS "userId", u.username, u.is_active AS "isActive", s.revoked_at AS "revokedAt"
     FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1`,
    [sessionId],
  );
}

/**
 * Revokes a live session if the token presented is one it still accepts (its current
 * refresh token, or with rotation the one it replaced). Returns the user id, or null when
 * nothing was revoked (unknown, already revoked, or a stale token): one atomic statement,
 * so of two concurrent logouts exactly one succeeds.
 */
export async function revokeSession(
  db: Queryable,
  sessionId: string,
  jti: string,
  reason: string,
  now: Date,
): Promise<number | null> {
  const row = await one<{ userId: number }>(
    db,
    `UPDATE sessions SET revoked_at = $4, revoked_reason = $3, successor_token = NULL
     WHERE id = $1 AND revoked_at IS NULL AND expires_at > $4 AND (refresh_jti = $2::uuid OR previous_jti = $2::uuid)
     RETURNING user_id AS "userId"`,
    [sessionId, jti, reason, now],
  );
  return row?.userId ?? null;
}

/** Revokes a session whatever token it accepts (reuse detection). */
export async function revokeSessionById(db: Queryable, sessionId: string, reason: string, now: Date): Promise<void> {
  await db.query(
    'UPDATE sessions SET revoked_at = $3, revoked_reason = $2, successor_token = NULL WHERE id = $1 AND revoked_at IS NULL',
    [sessionId, reason, now],
  );
}

/** Revokes every live session of a user; returns how many. */
export async function revokeUserSessions(db: Queryable, userId: number, reason: string, now: Date): Promise<number> {
  const rows = await db.query(
    `UPDATE sessions SET revoked_at = $3, revoked_reason = $2, successor_token = NULL
     WHERE user_id = $1 AND revoked_at IS NULL RETURNING 1`,
    [userId, reason, now],
  );
  return rows.length;
}

/**
 * Deletes up to `limit` sessions that expired before `before` (their tokens can no longer
 * pass the exp check, so their rows, revoked or not, are no longer needed). Bounded, so a
 * purge never holds locks for long.
 */
export async function deleteExpiredSessions(db: Queryable, before: Date, limit: number): Promise<number> {
  const rows = await db.query(
    `DELETE FROM sessions WHERE id IN (
       SELECT id FROM sessions WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING 1`,
    [before, limit],
  );
  return rows.length;
}

/** Clears up to `limit` successor tokens handed out before `before` (past the grace period). */
export async function forgetSuccessorTokens(db: Queryable, before: Date, limit: number): Promise<number> {
  const rows = await db.query(
    `UPDATE sessions SET successor_token = NULL WHERE id IN (
       SELECT id FROM sessions WHERE successor_token IS NOT NULL AND rotated_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING 1`,
    [before, limit],
  );
  return rows.length;
}

export async function countSessions(db: Queryable): Promise<number> {
  const row = await one<{ n: number }>(db, 'SELECT count(*)::int AS n FROM sessions');
  return row?.n ?? 0;
}
