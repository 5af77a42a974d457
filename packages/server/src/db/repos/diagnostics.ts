// What `doctor` asks the database: its clock, and which migrations it has.
import type { Queryable } from '../port.js';

/** The database's clock, in milliseconds since the epoch. */
export async function databaseNow(db: Queryable): Promise<number> {
  const [row] = await db.query<{ now: Date }>('SELECT now() AS now');
  return new Date(row?.now ?? 0).getTime();
}

/** Versions recorded in schema_migrations; empty when the table does not exist yet. */
export async function appliedMigrationVersions(db: Queryable): Promise<number[]> {
  const [exists] = await db.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (!exists?.present) return [];
  return (await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) =>
    Number(r.version),
  );
}
