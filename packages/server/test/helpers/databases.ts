// The databases every integration test runs against: the embedded PGlite (always, in memory)
// and a real PostgreSQL when one is reachable (a throwaway database per test app, dropped
// afterwards). CI sets REQUIRE_POSTGRES=1 so that an unreachable server fails the run instead
// of silently skipping half the suite.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type Driver = 'pglite' | 'postgres';

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (err) {
    if (process.env.REQUIRE_POSTGRES === '1') throw new Error(`REQUIRE_POSTGRES=1 but ${ADMIN_URL} is unreachable: ${err}`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export const DRIVERS: Driver[] = (await postgresReachable()) ? ['pglite', 'postgres'] : ['pglite'];

/** Creates an empty database on the test server; returns its URL and a dropper. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `auth_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
