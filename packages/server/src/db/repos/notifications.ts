// NOTIFY on a channel, and whether any connection LISTENs on it (the session cache:
// auth/session-cache.ts).
import { one, type Queryable } from '../port.js';

export async function notify(db: Queryable, channel: string, payload: string): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [channel, payload]);
}

/**
 * Whether a connection to this database LISTENs on `channel`: a listener connection runs
 * nothing after its LISTEN, so that statement stays its last query in pg_stat_activity. Only
 * PostgreSQL has the view; elsewhere (PGlite, one process) the answer is no.
 */
export async function someoneListens(db: Queryable & { kind: string }, channel: string): Promise<boolean> {
  if (db.kind !== 'postgres') return false;
  const row = await one<{ listening: boolean }>(
    db,
    `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query = $1) AS listening`,
    [`LISTEN "${channel}"`],
  );
  return row?.listening ?? false;
}
