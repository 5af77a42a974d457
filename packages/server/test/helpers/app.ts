// Builds the real application (no port) on a chosen database, for app.inject() tests.
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { CLI_CONTEXT } from '../../src/auth/context.js';
import { createUser } from '../../src/auth/users.js';
import { type Config, parseConfig } from '../../src/config/config.js';
import { openPglite } from '../../src/db/drivers/pglite.js';
import { openPostgres } from '../../src/db/drivers/postgres.js';
import type { Database } from '../../src/db/port.js';
import { buildApp } from '../../src/http/app.js';
import { type AppLogger, SILENT_LOGGER } from '../../src/logger.js';
import { openRuntime, type Runtime, startServing } from '../../src/runtime.js';
import { createTestDatabase, type Driver } from './databases.js';
import { type Endpoint, injectEndpoint } from './endpoint.js';

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
  /** The app's endpoints through app.inject(). */
  api: Endpoint;
  deps: Runtime;
  db: Database;
  config: Config;
  clock: TestClock;
  /** Creates a user through the use case; returns its id. */
  user(username: string, password?: string): Promise<number>;
  close(): Promise<void>;
}

/** Settings that depend on the test database's URL (PostgreSQL only). */
export type EnvFor = (databaseUrl: string) => Promise<Record<string, string>>;

export async function createTestApp(
  driver: Driver,
  env: Record<string, string> = {},
  clock = new TestClock(),
  envFor?: EnvFor,
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'auth-test-'));
  const pgdb = driver === 'postgres' ? await createTestDatabase() : undefined;
  const config = parseConfig({
    DATA_DIR: dataDir,
    PURGE_INTERVAL: '0',
    LOGIN_CLIENT_LIMIT: '100000',
    ...(pgdb ? { DATABASE_URL: pgdb.url } : {}),
    ...env,
    ...(pgdb && envFor ? await envFor(pgdb.url) : {}),
  });
  const database = pgdb ? openPostgres({ url: pgdb.url, ...config.db }) : await openPglite('memory');
  const deps = await openRuntime(config, { log: SILENT_LOGGER, now: clock.now, database, migrate: true });
  await startServing(deps);
  const app = buildApp(deps);
  await app.ready();
  return {
    app,
    api: injectEndpoint(app),
    deps,
    db: database,
    config,
    clock,
    user: (username, password = `${username}-password-1`) => createUser(deps, username, password, CLI_CONTEXT),
    async close() {
      await app.close();
      await deps.close();
      await pgdb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A test app for the enclosing describe(): built before its first test, closed after its last
 * (it registers both hooks itself). Its members are there once the tests run.
 */
export function useTestApp(driver: Driver, env: Record<string, string> = {}, clock = new TestClock(), envFor?: EnvFor): TestApp {
  const handle = {} as TestApp;
  before(async () => {
    Object.assign(handle, await createTestApp(driver, env, clock, envFor));
  });
  after(() => handle.close?.());
  return handle;
}

/**
 * A second instance of the service on the same database (its own connection pool on
 * PostgreSQL, the same PGlite otherwise): what another process of a deployment would see.
 */
export async function anotherInstance(t: TestApp, options: { logger?: AppLogger } = {}): Promise<TestInstance> {
  const own = t.config.databaseUrl
    ? openPostgres({ url: t.config.databaseUrl, ...t.config.db })
    : { ...t.db, close: async () => {} };
  const deps = await openRuntime(t.config, { log: options.logger ?? SILENT_LOGGER, now: t.clock.now, database: own });
  await startServing(deps);
  const app = buildApp(deps, { logger: options.logger });
  await app.ready();
  return {
    app,
    deps,
    async close() {
      await app.close();
      await deps.close();
    },
  };
}

export interface TestInstance {
  app: FastifyInstance;
  deps: Runtime;
  close(): Promise<void>;
}

/** The private key the service signs with now (ES256): for forgeries that must be signed "by us". */
export function serviceSigningKey(t: { deps: Runtime }): KeyObject {
  const key = t.deps.ring.signer();
  if (key.alg !== 'ES256') throw new Error('the service signs with HS256 here');
  return key.privateKey;
}
