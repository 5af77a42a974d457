// revocations table: written only by the sessions trigger (migration 013), read by the feed.
// Ids are bigints, handed around as decimal strings (pg returns them so; no precision lost).
import { one, type Queryable } from '../port.js';

export interface RevocationRow {
  id: string;
  sessionId: string;
  revokedAt: Date;
}

/** Up to `limit` revocations after cursor `after`, revoked at or after `since`, in id order. */
export function readRevocations(db: Queryable, after: string, since: Date, limit: number): Promise<RevocationRow[]> {
  return db.query<RevocationRow>(
    `SELECT id::text AS id, session_id AS "sessionId", revoked_at AS "revokedAt" FROM revocations
     WHERE id > $1 AND revoked_at >= $2 ORDER BY id LIMIT $3`,
    [after, since, limit],
  );
}

/** The newest cursor, "0" when the table is empty. */
export async function lastRevocationId(db: Queryable): Promise<string> {
  const row = await one<{ id: string }>(db, 'SELECT coalesce(max(id), 0)::text AS id FROM revocations');
  return row?.id ?? '0';
}

/** Deletes up to `limit` revocations older than `before` (no token of theirs can pass any more). */
export async function deleteOldRevocations(db: Queryable, before: Date, limit: number): Promise<number> {
  const rows = await db.query(
    `DELETE FROM revocations WHERE id IN (SELECT id FROM revocations WHERE revoked_at < $1 ORDER BY revoked_at LIMIT $2)
     RETURNING 1`,
    [before, limit],
  );
  return rows.length;
}
