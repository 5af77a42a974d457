// The embedded default: PGlite (PostgreSQL compiled to WebAssembly) in a directory on disk,
// or in memory for tests. It is single-connection: PGlite queues queries, and a transaction
// holds the connection until it ends, so transactions are serialised.
import { PGlite, type Transaction as PgliteTransaction } from '@electric-sql/pglite';
import { asTransaction, type Database, type Queryable } from '../port.js';

const over = (target: PGlite | PgliteTransaction): Queryable => ({
  query: async <T>(sql: string, params?: readonly unknown[]) => (await target.query<T>(sql, params as unknown[])).rows,
  exec: async (sql: string) => void (await target.exec(sql)),
});

export async function openPglite(dataDir: string | 'memory'): Promise<Database> {
  const db = await PGlite.create(dataDir === 'memory' ? 'memory://' : dataDir);
  return {
    kind: 'pglite',
    ...over(db),
    transaction: (fn) => db.transaction((tx) => fn(asTransaction(over(tx)))),
    async ping() {
      await db.query('SELECT 1');
    },
    // In-process: PGlite delivers a NOTIFY to its listeners when the transaction commits.
    async listen(channel, onNotify, onState) {
      const stop = await db.listen(channel, (payload) => onNotify(payload));
      onState?.(true); // in-process: nothing can come between this listener and the database
      return async () => {
        if (!db.closed) await stop();
      };
    },
    close: () => db.close(),
  };
}
