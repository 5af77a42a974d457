// Sessions imported from SimpleJWT's outstanding refresh tokens. A re-import inserts the new
// ones and revokes those blacklisted there since; it never un-revokes a session (a logout here
// stands) and never touches one that is another user's or was rotated here.
import { one, type Queryable, type Transaction } from '../port.js';

export const IMPORTED_FROM = 'simplejwt';
export const BLACKLISTED_REASON = 'simplejwt_blacklisted';

export interface ImportedSession {
  id: string;
  userId: number;
  jti: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

/** Returns how many were inserted and how many existing ones were revoked by this batch. */
export async function upsertImportedSessions(
  tx: Transaction,
  sessions: ImportedSession[],
): Promise<{ inserted: number; revoked: number }> {
  if (sessions.length === 0) return { inserted: 0, revoked: 0 };
  const rows = await tx.query<{ inserted: boolean }>(
    `INSERT INTO sessions (id, user_id, refresh_jti, created_at, expires_at, revoked_at, revoked_reason, imported_from)
     SELECT id, user_id, jti, created, expires, revoked, CASE WHEN revoked IS NULL THEN NULL ELSE $7 END, $8
     FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[])
       AS v(id, user_id, jti, created, expires, revoked)
     ON CONFLICT (id) DO UPDATE SET revoked_at = EXCLUDED.revoked_at, revoked_reason = EXCLUDED.revoked_reason,
       successor_token = NULL
     WHERE sessions.user_id = EXCLUDED.user_id AND sessions.imported_from = EXCLUDED.imported_from
       AND sessions.revoked_at IS NULL AND EXCLUDED.revoked_at IS NOT NULL
     RETURNING (xmax = 0) AS inserted`,
    [
      sessions.map((s) => s.id),
      sessions.map((s) => s.userId),
      sessions.map((s) => s.jti),
      sessions.map((s) => s.createdAt),
      sessions.map((s) => s.expiresAt),
      sessions.map((s) => s.revokedAt),
      BLACKLISTED_REASON,
      IMPORTED_FROM,
    ],
  );
  const inserted = rows.filter((r) => r.inserted).length;
  return { inserted, revoked: rows.length - inserted };
}

/** Imported sessions still live at `now`, and when the last of them expires. */
export async function liveImportedSessions(db: Queryable, now: Date): Promise<{ count: number; lastExpiresAt: Date | null }> {
  const row = await one<{ count: string; last: Date | null }>(
    db,
    `SELECT count(*) AS count, max(expires_at) AS last FROM sessions
     WHERE imported_from IS NOT NULL AND revoked_at IS NULL AND expires_at > $1`,
    [now],
  );
  return { count: Number(row?.count ?? 0), lastExpiresAt: row?.last ?? null };
}

/**
 * What a SimpleJWT access token is checked against (it names no session): its user, and
 * whether that user has an imported session that is not revoked and was live at `since`.
 */
export function findLegacyAccessState(
  db: Queryable,
  userId: number,
  since: Date,
): Promise<{ username: string; isActive: boolean; hasImportedSession: boolean } | null> {
  return one(
    db,
    `SELECT u.username, u.is_active AS "isActive", EXISTS (
       SELECT 1 FROM sessions s WHERE s.user_id = u.id AND s.imported_from IS NOT NULL
         AND s.revoked_at IS NULL AND s.expires_at > $2) AS "hasImportedSession"
     FROM users u WHERE u.id = $1`,
    [userId, since],
  );
}
