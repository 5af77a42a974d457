// Builds the real application (no port) on a chosen database, for app.inject() tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type AuthDeps, buildDeps, CLI_CONTEXT, closeDeps } from '../../src/auth/deps.js';
import { createUser } from '../../src/auth/users.js';
import { type Config, parseConfig } from '../../src/config/config.js';
import { openPglite } from '../../src/db/drivers/pglite.js';
import { openPostgres } from '../../src/db/drivers/postgres.js';
import { migrate } from '../../src/db/migrate.js';
import type { Database } from '../../src/db/port.js';
import { buildApp } from '../../src/http/app.js';
import { createTestDatabase, type Driver } from './databases.js';

export { DRIVERS, type Driver } from './databases.js';

/** A clock tests can move: deps.now reads it. */
export class TestClock {
  constructor(public ms = Date.now()) {}
  now = () => this.ms;
  advance(ms: number) {
    this.ms += ms;
  }
}

export interface TestApp {
  app: FastifyInstance;
  deps: AuthDeps;
  db: Database;
  config: Config;
  clock: TestClock;
  /** Creates a user through the use case; returns its id. */
  user(username: string, password?: string): Promise<number>;
  close(): Promise<void>;
}

const silent = { info() {}, warn() {}, error() {} };

export async function createTestApp(driver: Driver, env: Record<string, string> = {}, clock = new TestClock()): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'auth-test-'));
  const pgdb = driver === 'postgres' ? await createTestDatabase() : undefined;
  const config = parseConfig({
    DATA_DIR: dataDir,
    PURGE_INTERVAL: '0',
    LOGIN_CLIENT_LIMIT: '100000',
    ...(pgdb ? { DATABASE_URL: pgdb.url } : {}),
    ...env,
  });
  const db = pgdb ? openPostgres({ url: pgdb.url, ...config.db }) : await openPglite('memory');
  await migrate(db);
  const deps = await buildDeps(db, config, { log: silent, now: clock.now });
  const app = buildApp(deps);
  await app.ready();
  return {
    app,
    deps,
    db,
    config,
    clock,
    user: (username, password = `${username}-password-1`) => createUser(deps, username, password, CLI_CONTEXT),
    async close() {
      await app.close();
      await closeDeps(deps);
      await db.close();
      await pgdb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
