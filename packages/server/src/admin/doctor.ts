// `npx auth-service doctor`: what is wrong with this deployment, checked from its settings,
// without starting the service or changing anything (no migration, no key created). Each check
// says ok, warn (works, but act soon) or fail (the service would not start or not work);
// a check that needs a failed one is skipped.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { Redis } from 'ioredis';
import { KeyRing } from '../auth/keys/ring.js';
import { KeyStore } from '../auth/keys/store.js';
import { type Config, ConfigError, parseConfig } from '../config/config.js';
import type { Env } from '../config/parse.js';
import { tlsPaths, tlsServerOptions } from '../crypto/tls.js';
import { describeCertificate } from '../crypto/tls-reload.js';
import { embeddedLockOwner } from '../db/embedded-lock.js';
import { loadMigrations } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import type { Database } from '../db/port.js';
import { appliedMigrationVersions, databaseNow } from '../db/repos/diagnostics.js';

export type Status = 'ok' | 'warn' | 'fail' | 'skipped';

export interface Check {
  check: string;
  status: Status;
  detail: string;
}

/** A certificate that expires sooner than this is a warning. */
export const CERTIFICATE_WARN_DAYS = 30;
const DAY_MS = 86_400_000;
const REDIS_TIMEOUT_MS = 3000;

export async function runDoctor(env: Env = process.env): Promise<Check[]> {
  let config: Config;
  try {
    config = parseConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const skipped = ['database', 'migrations', 'keys', 'clock', 'certificate', 'redis'].map((check) =>
      skip(check, 'needs valid settings'),
    );
    return [{ check: 'settings', status: 'fail', detail: err.message }, ...skipped];
  }
  const checks: Check[] = [
    {
      check: 'settings',
      status: 'ok',
      detail: `${config.databaseUrl ? 'PostgreSQL' : 'embedded database'}, ${config.jwt.algorithm}`,
    },
  ];
  checks.push(...(await databaseChecks(config)));
  checks.push(certificateCheck(config), await redisCheck(config));
  return checks;
}

export const hasFailure = (checks: Check[]) => checks.some((c) => c.status === 'fail');

const skip = (check: string, detail: string): Check => ({ check, status: 'skipped', detail });

async function databaseChecks(config: Config): Promise<Check[]> {
  const dependent = ['migrations', 'keys', 'clock'];
  const owner = config.databaseUrl ? null : embeddedLockOwner(config.dataDir);
  if (owner !== null) {
    const detail = `the embedded database is held by the running service (pid ${owner}); ask its /auth/health/ready/`;
    return [skip('database', detail), ...dependent.map((c) => skip(c, detail))];
  }
  if (!config.databaseUrl && !existsSync(join(config.dataDir, 'pglite'))) {
    // Opening it would create it: doctor changes nothing.
    const detail = `no embedded database in ${config.dataDir} yet (the first start creates it)`;
    return [{ check: 'database', status: 'fail', detail }, ...dependent.map((c) => skip(c, 'needs the database'))];
  }
  let db: Database;
  try {
    db = await openDatabase(config);
    await db.ping();
  } catch (err) {
    return [
      { check: 'database', status: 'fail', detail: `unreachable: ${(err as Error).message}` },
      ...dependent.map((c) => skip(c, 'needs the database')),
    ];
  }
  try {
    return [
      { check: 'database', status: 'ok', detail: config.databaseUrl ? redactedUrl(config.databaseUrl) : config.dataDir },
      await migrationsCheck(db),
      await keysCheck(db, config),
      await clockCheck(db, config),
    ];
  } finally {
    await db.close().catch(() => {});
  }
}

async function migrationsCheck(db: Database): Promise<Check> {
  const applied = new Set(await appliedMigrationVersions(db));
  const pending = loadMigrations().filter((m) => !applied.has(m.version));
  if (pending.length === 0) return { check: 'migrations', status: 'ok', detail: `${applied.size} applied, none pending` };
  const names = pending.map((m) => `${String(m.version).padStart(3, '0')}_${m.name}`).join(', ');
  return { check: 'migrations', status: 'fail', detail: `pending: ${names} (npx auth-service migrate, or start the service)` };
}

/** The key that signs now decrypts with the settings given; other keys that do not are a warning. */
async function keysCheck(db: Database, config: Config): Promise<Check> {
  const { jwt } = config;
  if (jwt.algorithm === 'HS256') return { check: 'keys', status: 'ok', detail: 'HS256: JWT_SIGNING_KEY' };
  const ring = new KeyRing(jwt.algorithm, Math.max(jwt.accessTtlMs, jwt.refreshTtlMs) + jwt.leewayMs, Date.now);
  const store = new KeyStore(db, ring, jwt, Date.now);
  try {
    await store.load({ strict: true });
  } catch (err) {
    return { check: 'keys', status: 'fail', detail: (err as Error).message };
  }
  try {
    return { check: 'keys', status: 'ok', detail: `current key ${ring.signer().kid} decrypts` };
  } catch {
    return { check: 'keys', status: 'fail', detail: 'no current signing key (the service creates one at its first start)' };
  }
}

/** Token times are compared across instances and verifiers: a clock off by more than the leeway refuses good tokens. */
async function clockCheck(db: Database, config: Config): Promise<Check> {
  const before = Date.now();
  const theirs = await databaseNow(db);
  const after = Date.now();
  const skewMs = Math.round(theirs - (before + after) / 2);
  const detail = `${skewMs} ms against the database's clock (round trip ${after - before} ms; TOKEN_LEEWAY ${config.jwt.leewayMs} ms)`;
  const off = Math.abs(skewMs) - (after - before) / 2;
  if (off > config.jwt.leewayMs) return { check: 'clock', status: 'fail', detail };
  if (off > config.jwt.leewayMs / 2) return { check: 'clock', status: 'warn', detail };
  return { check: 'clock', status: 'ok', detail };
}

function certificateCheck(config: Config): Check {
  if (config.tls.mode === 'proxy') return skip('certificate', 'TLS_MODE=proxy: the proxy holds it');
  const paths = tlsPaths(config);
  let cert: Buffer;
  try {
    cert = readFileSync(paths.cert);
    createSecureContext(tlsServerOptions({ cert, key: readFileSync(paths.key) }));
  } catch (err) {
    if (!paths.configured)
      return {
        check: 'certificate',
        status: 'warn',
        detail: 'none yet: the first start generates a self-signed one (development only)',
      };
    return { check: 'certificate', status: 'fail', detail: `${paths.cert}: ${(err as Error).message}` };
  }
  const { subject, validTo } = describeCertificate(cert);
  const days = Math.floor((new Date(validTo).getTime() - Date.now()) / DAY_MS);
  const detail = `${subject.replaceAll('\n', ', ')}, expires ${validTo} (in ${days} days)${paths.configured ? '' : ', self-signed (development only)'}`;
  if (days < 0) return { check: 'certificate', status: 'fail', detail: `expired ${validTo}` };
  if (days < CERTIFICATE_WARN_DAYS) return { check: 'certificate', status: 'warn', detail };
  return { check: 'certificate', status: 'ok', detail };
}

async function redisCheck(config: Config): Promise<Check> {
  const url = config.throttle.redisUrl;
  if (!url) return skip('redis', 'REDIS_URL not set (the throttle uses the database)');
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: REDIS_TIMEOUT_MS,
    retryStrategy: () => null,
  });
  redis.on('error', () => {}); // reported below
  try {
    await redis.connect();
    await redis.ping();
    return { check: 'redis', status: 'ok', detail: redactedUrl(url) };
  } catch (err) {
    return { check: 'redis', status: 'fail', detail: `${redactedUrl(url)}: ${(err as Error).message}` };
  } finally {
    redis.disconnect();
  }
}

/** A URL as it may be printed: without its password. */
function redactedUrl(raw: string): string {
  if (!URL.canParse(raw)) return '(not a URL)';
  const url = new URL(raw);
  if (url.password) url.password = '***';
  return url.toString();
}
