// audit_events table: append-only security events (a trigger refuses updates and deletes
// outside the retention purge).
import type { Queryable, Transaction } from '../port.js';

export interface AuditEvent {
  event: string;
  userId?: number | null;
  username?: string | null;
  clientIp?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown> | null;
}

export interface AuditRow extends Required<AuditEvent> {
  id: string;
  at: Date;
}

export interface AuditFilter {
  username?: string;
  since?: Date;
  until?: Date;
  event?: string;
  limit: number;
}

export async function insertAuditEvent(db: Queryable, e: AuditEvent, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO audit_events (at, event, user_id, username, client_ip, user_agent, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      at,
      e.event,
      e.userId ?? null,
      e.username ?? null,
      e.clientIp ?? null,
      e.userAgent ?? null,
      e.details ? JSON.stringify(e.details) : null,
    ],
  );
}

/** Events of a user are matched by name or by id: logouts and token reuse know the id only. */
export function queryAuditEvents(db: Queryable, f: AuditFilter): Promise<AuditRow[]> {
  return db.query<AuditRow>(
    `SELECT id::text AS id, at, event, user_id AS "userId", username, client_ip AS "clientIp",
       user_agent AS "userAgent", details
     FROM audit_events
     WHERE ($1::text IS NULL OR username = $1 OR user_id = (SELECT id FROM users WHERE username = $1))
       AND ($2::timestamptz IS NULL OR at >= $2)
       AND ($3::timestamptz IS NULL OR at < $3) AND ($4::text IS NULL OR event = $4)
     ORDER BY at DESC, id DESC LIMIT $5`,
    [f.username ?? null, f.since ?? null, f.until ?? null, f.event ?? null, f.limit],
  );
}

/**
 * Deletes up to `limit` events older than `before` (retention), through the trigger's gate,
 * which is opened for the transaction only (set_config's third argument): outside one it would
 * close again before the DELETE, and the trigger would refuse it.
 */
export async function deleteOldAuditEvents(tx: Transaction, before: Date, limit: number): Promise<number> {
  await tx.query("SELECT set_config('auth.audit_purge', 'on', true)");
  const rows = await tx.query(
    'DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE at < $1 ORDER BY at LIMIT $2) RETURNING 1',
    [before, limit],
  );
  return rows.length;
}
