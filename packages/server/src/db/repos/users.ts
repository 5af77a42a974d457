// users table. Expected absences are null, and so is a taken username on insert: a value, not a throw.
import { one, type Queryable } from '../port.js';

export interface UserRow {
  id: number;
  username: string;
  passwordHash: string;
  isActive: boolean;
}

export interface UserSummary {
  id: number;
  username: string;
  isActive: boolean;
  createdAt: Date;
}

const COLUMNS = 'id, username, password_hash AS "passwordHash", is_active AS "isActive"';

export function findUserByUsername(db: Queryable, username: string): Promise<UserRow | null> {
  return one<UserRow>(db, `SELECT ${COLUMNS} FROM users WHERE username = $1`, [username]);
}

/** Inserts a user; returns its id, or null when the username is taken. */
export async function insertUser(db: Queryable, username: string, passwordHash: string): Promise<number | null> {
  const row = await one<{ id: number }>(
    db,
    'INSERT INTO users (username, password_hash) VALUES ($1, $2) ON CONFLICT (username) DO NOTHING RETURNING id',
    [username, passwordHash],
  );
  return row?.id ?? null;
}

export async function updatePasswordHash(db: Queryable, id: number, passwordHash: string): Promise<void> {
  await db.query('UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1', [id, passwordHash]);
}

/**
 * Replaces `expected` by `passwordHash` (a rehash of the same password), unless the hash
 * changed meanwhile: a password set by an operator must never be overwritten by the rehash of
 * the old one. Returns whether it replaced it.
 */
export async function replacePasswordHash(db: Queryable, id: number, expected: string, passwordHash: string): Promise<boolean> {
  const rows = await db.query(
    'UPDATE users SET password_hash = $3, updated_at = now() WHERE id = $1 AND password_hash = $2 RETURNING 1',
    [id, expected, passwordHash],
  );
  return rows.length > 0;
}

/** Sets is_active; returns the user id, or null when there is no such user. */
export async function setUserActive(db: Queryable, username: string, active: boolean): Promise<number | null> {
  const row = await one<{ id: number }>(
    db,
    'UPDATE users SET is_active = $2, updated_at = now() WHERE username = $1 RETURNING id',
    [username, active],
  );
  return row?.id ?? null;
}

export function listUsers(db: Queryable): Promise<UserSummary[]> {
  return db.query<UserSummary>('SELECT id, username, is_active AS "isActive", created_at AS "createdAt" FROM users ORDER BY id');
}
