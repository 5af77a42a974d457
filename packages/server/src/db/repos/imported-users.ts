// Users written by `import django`: in batches, with their Django ids. Which row does what is
// decided by the use case (auth/simplejwt/import-users.ts); these statements only carry it out.
import { one, type Queryable, type Transaction } from '../port.js';

export interface ExistingUser {
  id: number;
  username: string;
  passwordHash: string;
  importedPasswordHash: string | null;
  isActive: boolean;
}

export interface ImportedUser {
  id: number;
  username: string;
  passwordHash: string;
  isActive: boolean;
  createdAt: Date | null;
}

/** The users here that hold one of these ids or usernames. */
export function findUsersByIdsOrNames(db: Queryable, ids: number[], usernames: string[]): Promise<ExistingUser[]> {
  return db.query<ExistingUser>(
    `SELECT id, username, password_hash AS "passwordHash", imported_password_hash AS "importedPasswordHash",
       is_active AS "isActive"
     FROM users WHERE id = ANY($1::int[]) OR username = ANY($2::text[])`,
    [ids, usernames],
  );
}

/** Inserts users with their ids; returns the ids inserted (one taken meanwhile is left out). */
export async function insertImportedUsers(tx: Transaction, users: ImportedUser[]): Promise<Set<number>> {
  if (users.length === 0) return new Set();
  const rows = await tx.query<{ id: number }>(
    `INSERT INTO users (id, username, password_hash, imported_password_hash, is_active, created_at)
     SELECT id, username, hash, hash, active, COALESCE(joined, now())
     FROM unnest($1::int[], $2::text[], $3::text[], $4::boolean[], $5::timestamptz[]) AS v(id, username, hash, active, joined)
     ON CONFLICT DO NOTHING RETURNING id`,
    [
      users.map((u) => u.id),
      users.map((u) => u.username),
      users.map((u) => u.passwordHash),
      users.map((u) => u.isActive),
      users.map((u) => u.createdAt),
    ],
  );
  return new Set(rows.map((r) => r.id));
}

/**
 * Applies a re-import to users that exist here with the same id and username: `passwordHash`
 * only while the stored hash is still the one imported last (`expected`), `isActive` as given.
 */
export async function updateImportedUsers(
  tx: Transaction,
  users: Array<{ id: number; username: string; passwordHash: string; expected: string; isActive: boolean }>,
): Promise<void> {
  if (users.length === 0) return;
  await tx.query(
    `UPDATE users u SET
       password_hash = CASE WHEN u.password_hash = v.expected THEN v.hash ELSE u.password_hash END,
       imported_password_hash = CASE WHEN u.password_hash = v.expected THEN v.hash ELSE u.imported_password_hash END,
       is_active = v.active, updated_at = now()
     FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::boolean[]) AS v(id, username, hash, expected, active)
     WHERE u.id = v.id AND u.username = v.username`,
    [
      users.map((u) => u.id),
      users.map((u) => u.username),
      users.map((u) => u.passwordHash),
      users.map((u) => u.expected),
      users.map((u) => u.isActive),
    ],
  );
}

/**
 * Moves the users id sequence past `maxId`, never back: ids given by an import do not advance
 * it, and the next `user create` would fail on a duplicate key. The table lock orders this
 * against a concurrent insert, which takes its id from the sequence under its own lock.
 */
export async function moveUserIdsPast(tx: Transaction, maxId: number): Promise<number> {
  await tx.query('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
  const row = await one<{ next: string }>(
    tx,
    `SELECT setval(s.seq, GREATEST($1::bigint, COALESCE(pg_sequence_last_value(s.seq), 0), COALESCE(m.max, 0), 1)) + 1 AS next
     FROM (SELECT pg_get_serial_sequence('users', 'id')::regclass AS seq) s, (SELECT max(id) AS max FROM users) m`,
    [maxId],
  );
  return Number(row?.next);
}

/**
 * One stored hash of each class other than `currentPrefix` (the failure floor times them). The
 * predicate is the one of users_legacy_hash_class_idx (migration 025), so that index serves it.
 */
export async function legacyHashSamples(db: Queryable, currentPrefix: string, limit = 20): Promise<string[]> {
  const rows = await db.query<{ hash: string }>(
    `SELECT DISTINCT ON (password_hash_class(password_hash)) password_hash AS hash FROM users
     WHERE password_hash NOT LIKE $1 AND password_hash NOT LIKE '!%'
     ORDER BY password_hash_class(password_hash) LIMIT $2`,
    [`${currentPrefix}%`, limit],
  );
  return rows.map((r) => r.hash);
}
