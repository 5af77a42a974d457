// The Django database itself, read in one REPEATABLE READ, READ ONLY transaction: users and
// tokens come from one snapshot (a token blacklisted while the import runs is either seen with
// its blacklisting or not at all), and nothing is ever written there. Keyset pagination by id.
import pg from 'pg';
import { type DjangoSource, type DjangoToken, type DjangoUser, SourceError } from './source.js';

const USERS = `SELECT id, username, password, is_active AS "isActive", date_joined AS "dateJoined"
  FROM auth_user WHERE id > $1 ORDER BY id LIMIT $2`;

const TOKENS = `SELECT o.id, o.jti, o.user_id AS "userId", o.created_at AS "createdAt", o.expires_at AS "expiresAt",
    b.blacklisted_at AS "blacklistedAt"
  FROM token_blacklist_outstandingtoken o LEFT JOIN token_blacklist_blacklistedtoken b ON b.token_id = o.id
  WHERE o.id > $1 AND o.expires_at > $3 ORDER BY o.id LIMIT $2`;

export async function openDjangoDatabase(url: string): Promise<DjangoSource> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  const description = withoutPassword(url);
  try {
    await client.connect();
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  } catch (err) {
    await client.end().catch(() => {});
    throw new SourceError(`cannot read the Django database ${description}: ${(err as Error).message}`);
  }
  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    try {
      return (await client.query(sql, params)).rows as T[];
    } catch (err) {
      throw new SourceError(`reading ${description}: ${(err as Error).message}`);
    }
  };
  return {
    description,
    async size() {
      const [row] = await query<{ users: string; maxId: number | null }>(
        'SELECT count(*) AS users, max(id) AS "maxId" FROM auth_user',
      );
      return { users: Number(row?.users ?? 0), maxUserId: Number(row?.maxId ?? 0) };
    },
    users: (batchSize) =>
      pages(
        (after) => query<DjangoUser>(USERS, [after, batchSize]),
        (u) => ({ ...u, id: Number(u.id) }),
      ),
    async tokens(batchSize, now) {
      const [found] = await query<{ present: boolean }>(
        "SELECT to_regclass('token_blacklist_outstandingtoken') IS NOT NULL AND to_regclass('token_blacklist_blacklistedtoken') IS NOT NULL AS present",
      );
      if (!found?.present) return null;
      return pages(
        (after) => query<DjangoToken & { id: string }>(TOKENS, [after, batchSize, now]),
        ({ id: _, ...t }) => ({ ...t, userId: t.userId === null ? null : Number(t.userId) }),
      );
    },
    async close() {
      await client.query('ROLLBACK').catch(() => {});
      await client.end().catch(() => {});
    },
  };
}

/** Pages of rows after the last id seen, until a page comes back empty (a bigint id is a string in pg). */
async function* pages<T extends { id: number | string }, U>(page: (after: number) => Promise<T[]>, map: (row: T) => U) {
  let after = 0;
  for (;;) {
    const rows = await page(after);
    if (rows.length === 0) return;
    after = Number(rows[rows.length - 1]?.id);
    yield rows.map(map);
  }
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the Django database';
  }
}
