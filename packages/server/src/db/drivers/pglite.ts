// The embedded default: PGlite (PostgreSQL compiled to WebAssembly) in a directory on disk,
// or in memory for tests. It is single-connection: PGlite queues queries, and a transaction
// holds the connection until it ends, so transactions are serialised.
import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable } from '../port.js';

export async function openPglite(dataDir: string | 'memory'): Promise<Database> {
  const db = await PGlite.create(dataDir === 'memory' ? 'memory://' : dataDir);
  const run = async <T>(target: Queryable | PGlite, sql: string, params?: readonly unknown[]) => {
    const result = await (target as PGlite).query<T>(sql, params as unknown[]);
    return result.rows;
  };
  return {
    kind: 'pglite',
    query: (sql, params) => run(db, sql, params),
    exec: async (sql) => void (await db.exec(sql)),
    transaction: (fn) =>
      db.transaction(async (tx) =>
        fn({ query: (sql, params) => run(tx as never, sql, params), exec: async (sql) => void (await tx.exec(sql)) }),
      ),
    async ping() {
      await db.query('SELECT 1');
    },
    close: () => db.close(),
  };
}
