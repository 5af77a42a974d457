// Opens the configured database: PostgreSQL when DATABASE_URL is set, otherwise the embedded
// PGlite database in DATA_DIR (guarded by a lock file so that one process owns it).
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { openPglite } from './drivers/pglite.js';
import { openPostgres } from './drivers/postgres.js';
import { acquireEmbeddedLock } from './embedded-lock.js';
import type { Database } from './port.js';

export async function openDatabase(config: Config, onError?: (err: Error) => void): Promise<Database> {
  if (config.databaseUrl) {
    return openPostgres({ url: config.databaseUrl, ...config.db, onError });
  }
  const lock = acquireEmbeddedLock(config.dataDir);
  try {
    const db = await openPglite(join(config.dataDir, 'pglite'));
    return {
      ...db,
      close: async () => {
        await db.close();
        lock.release();
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}
