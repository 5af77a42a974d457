// sessions table: one row per login. Logout ("blacklisting") sets revoked_at. Every check is
// keyed by session id and token id (jti), never by token text, so a re-encoded token cannot
// dodge revocation. Which token a session accepts is decided by auth/session-rule.ts alone.
import { one, type Queryable, type Transaction } from '../port.js';

export interface NewSession {
  id: string;
  userId: number;
  refreshJti: string;
  createdAt: Date;
  expiresAt: Date;
  /** Where the login came from, shown to the user (GET /auth/sessions/). */
  clientAddress?: string;
  userAgent?: string;
}

/** What every token check needs: the session's user and whether it is revoked. */
export interface SessionState {
  userId: number;
  isActive: boolean;
  revokedAt: Date | null;
}

/** What a refresh-token check needs, read in one round trip (the session joined with its user). */
export interface RefreshState extends SessionState {
  refreshJti: string;
  previousJti: string | null;
  rotatedAt: Date | null;
  successorToken: string | null;
  /** When a refresh last wrote it (coarse: auth/sessions.ts); the creation time if never. */
  lastUsedAt: Date;
}

// A jti is 32 hex digits in a token and a uuid (16 bytes) in the table: PostgreSQL reads the
// undashed spelling as a uuid, and hands back the dashed one, which these two undo.
const jtiOf = (uuid: string) => uuid.replaceAll('-', '');
const optionalJtiOf = (uuid: string | null) => (uuid === null ? null : jtiOf(uuid));

/**
 * Inserts the session only while its user is active and still has `passwordHash`, reading the
 * user row FOR SHARE: a transaction that changes the password or disables the user (and then
 * revokes the user's sessions) either waits for this insert and revokes its session too, or
 * commits first and this insert finds no row. Returns whether it inserted.
 */
export async function insertSessionForCredentials(db: Queryable, s: NewSession, passwordHash: string): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO sessions (id, user_id, refresh_jti, created_at, expires_at, last_used_at, client_address, user_agent)
     SELECT $1, u.id, $3, $4, $5, $4, $7, $8 FROM users u WHERE u.id = $2 AND u.is_active AND u.password_hash = $6 FOR SHARE
     RETURNING 1`,
    [s.id, s.userId, s.refreshJti, s.createdAt, s.expiresAt, passwordHash, s.clientAddress ?? null, s.userAgent ?? null],
  );
  return rows.length > 0;
}

const REFRESH_SELECT = `SELECT s.user_id AS "userId", s.refresh_jti AS "refreshJti", s.previous_jti AS "previousJti",
  s.rotated_at AS "rotatedAt", s.successor_token AS "successorToken", s.revoked_at AS "revokedAt", u.is_active AS "isActive",
  coalesce(s.last_used_at, s.created_at) AS "lastUsedAt"
  FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1`;

const refreshState = <T extends Pick<RefreshState, 'refreshJti' | 'previousJti'>>(row: T | null): T | null =>
  row && { ...row, refreshJti: jtiOf(row.refreshJti), previousJti: optionalJtiOf(row.previousJti) };

/**
 * Everything a token check of either type reads, in one round trip: what the session cache
 * keeps. Not the successor token (a live credential, and only the rotation's locked read needs it).
 */
export type CheckedState = Omit<RefreshState, 'successorToken'> & { username: string };

const CHECKED_SELECT = `SELECT u.username, s.user_id AS "userId", s.refresh_jti AS "refreshJti", s.previous_jti AS "previousJti",
  s.rotated_at AS "rotatedAt", s.revoked_at AS "revokedAt", u.is_active AS "isActive",
  coalesce(s.last_used_at, s.created_at) AS "lastUsedAt"
  FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1`;

export async function findCheckedState(db: Queryable, sessionId: string): Promise<CheckedState | null> {
  return refreshState(await one<CheckedState>(db, CHECKED_SELECT, [sessionId]));
}

/** The same read, locking the session row until the transaction ends (rotation, logout). */
export async function lockRefreshState(tx: Transaction, sessionId: string): Promise<RefreshState | null> {
  return refreshState(await one<RefreshState>(tx, `${REFRESH_SELECT} FOR UPDATE OF s`, [sessionId]));
}

export async function rotateSession(
  tx: Transaction,
  sessionId: string,
  next: { refreshJti: string; previousJti: string; rotatedAt: Date; successorToken: string; expiresAt: Date },
): Promise<void> {
  await tx.query(
    // A session imported from SimpleJWT is ours once it has a refresh token of ours: it no
    // longer needs SIMPLEJWT_SIGNING_KEY (auth/simplejwt/legacy-status.ts).
    // A rotation writes the row anyway: it records the use too (last_used_at), for free.
    `UPDATE sessions SET refresh_jti = $2, previous_jti = $3, rotated_at = $4, successor_token = $5, expires_at = $6,
       imported_from = NULL, last_used_at = $4
     WHERE id = $1`,
    [sessionId, next.refreshJti, next.previousJti, next.rotatedAt, next.successorToken, next.expiresAt],
  );
}

/** Revokes a session unless it is revoked already; returns its user id, or null when nothing changed. */
export async function revokeSession(db: Queryable, sessionId: string, reason: string, now: Date): Promise<number | null> {
  const row = await one<{ userId: number }>(
    db,
    `UPDATE sessions SET revoked_at = $3, revoked_reason = $2, successor_token = NULL
     WHERE id = $1 AND revoked_at IS NULL RETURNING user_id AS "userId"`,
    [sessionId, reason, now],
  );
  return row?.userId ?? null;
}

/** A live session as its user and an operator see it: when it began, was last used or rotated, ends, and where from. */
export interface SessionSummary {
  id: string;
  createdAt: Date;
  /** The last rotation of its refresh token (null without rotation). */
  lastRefreshAt: Date | null;
  /** Coarse: a refresh records itself at most once an interval (auth/sessions.ts); the creation time if never. */
  lastUsedAt: Date;
  expiresAt: Date;
  imported: boolean;
  /** Of the login that opened it (migration 015); null before that and for imported sessions. */
  clientAddress: string | null;
  userAgent: string | null;
}

/** Up to `limit` of a user's sessions that are neither revoked nor expired at `now`, newest first. */
export function listLiveSessions(db: Queryable, userId: number, now: Date, limit: number): Promise<SessionSummary[]> {
  return db.query<SessionSummary>(
    `SELECT id, created_at AS "createdAt", rotated_at AS "lastRefreshAt", coalesce(last_used_at, created_at) AS "lastUsedAt",
       expires_at AS "expiresAt", imported_from IS NOT NULL AS imported,
       client_address AS "clientAddress", user_agent AS "userAgent"
     FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2
     ORDER BY created_at DESC, id LIMIT $3`,
    [userId, now, limit],
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
