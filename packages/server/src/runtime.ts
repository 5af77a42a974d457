// The composition root: every service the use cases need, built from the config without I/O
// (createServices), then brought up by named start-up steps (openRuntime) and taken down by
// close(), in the reverse order, written out. The server, the cluster primary, the CLI and the
// tests all start through here.
import { AuditLog } from './auth/audit.js';
import type { Clock } from './auth/context.js';
import { calibrateFailureFloor } from './auth/failure-floor.js';
import { stagedRotationDelayMs } from './auth/keys/operations.js';
import { KeyRing } from './auth/keys/ring.js';
import { KeyStore } from './auth/keys/store.js';
import type { PurgePolicy } from './auth/maintenance.js';
import { type AuthMetrics, NO_METRICS } from './auth/metrics.js';
import type { RotationPolicy } from './auth/refresh.js';
import { RevocationFeed } from './auth/revocations/feed.js';
import { SessionCache } from './auth/session-cache.js';
import { LegacyTokens } from './auth/simplejwt/legacy-tokens.js';
import { createThrottle, databaseThrottleStore, type Throttle } from './auth/throttle.js';
import { redisThrottleStore } from './auth/throttle-redis.js';
import { Tokens } from './auth/tokens.js';
import type { Config } from './config/config.js';
import { Limiter } from './crypto/limiter.js';
import { PasswordHasher } from './crypto/passwords.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/open.js';
import type { Database } from './db/port.js';
import type { Logger } from './logger.js';

/** Everything a use case may ask for; each use case names the few members it needs. */
export interface Services {
  db: Database;
  now: Clock;
  log: Logger;
  passwords: PasswordHasher;
  throttle: Throttle;
  ring: KeyRing;
  keyStore: KeyStore;
  tokens: Tokens;
  /** The old SimpleJWT service's tokens, read only (SIMPLEJWT_SIGNING_KEY); undefined when unset. */
  legacy?: LegacyTokens;
  audit: AuditLog;
  rotation: RotationPolicy;
  purge: PurgePolicy;
  keyRotation: { stagedDelayMs: number };
  /** GET /auth/revocations/: started by startServing when REVOCATION_FEED_TOKEN is set. */
  revocations: RevocationFeed;
  /** Session states checked lately, forgotten on the database's word (started by startServing). */
  sessionCache: SessionCache;
  /** Outcomes for metrics (../metrics/ with METRICS_PORT; NO_METRICS otherwise). */
  metrics: AuthMetrics;
}

export interface Runtime extends Services {
  config: Config;
  /** Stops what the start-up steps started, in order: revocation feed, session cache, throttle store, hashing threads, database. */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  log: Logger;
  now?: Clock;
  /** An open database to use instead of the configured one (tests). It is closed with the runtime. */
  database?: Database;
  /** Apply pending migrations first (the service on start-up, the CLI; not cluster workers). */
  migrate?: boolean;
  /** Where outcomes are counted; NO_METRICS by default. */
  metrics?: AuthMetrics;
}

/** Revocations per read, while catching up and on the tail: bounds the memory of one read. */
const FEED_PAGE_SIZE = 500;

/** Builds the services. No I/O: nothing connects, spawns or reads until a start-up step asks. */
export function createServices(
  db: Database,
  config: Config,
  options: { now?: Clock; log: Logger; metrics?: AuthMetrics },
): Services {
  const now = options.now ?? Date.now;
  const metrics = options.metrics ?? NO_METRICS;
  const { jwt, hashing } = config;
  const ring = new KeyRing(jwt.algorithm, Math.max(jwt.accessTtlMs, jwt.refreshTtlMs) + jwt.leewayMs, now);
  const keyStore = new KeyStore(db, ring, jwt, now);
  const throttleStore = config.throttle.redisUrl
    ? redisThrottleStore(config.throttle.redisUrl, config.throttle, () => metrics.redisError())
    : databaseThrottleStore(db, config.throttle);
  return {
    db,
    now,
    log: options.log,
    passwords: new PasswordHasher(
      new Limiter(hashing.concurrency, hashing.queueLimit, hashing.queueTimeoutMs, (seconds) => metrics.hashWaited(seconds)),
    ),
    throttle: createThrottle(throttleStore, now, config.throttle.waitTimeoutMs),
    ring,
    keyStore,
    tokens: new Tokens(ring, keyStore, jwt, now),
    legacy: config.simplejwt
      ? new LegacyTokens(
          { key: config.simplejwt.signingKey, accessTtlMs: config.simplejwt.accessTtlMs, leewayMs: jwt.leewayMs },
          now,
        )
      : undefined,
    audit: new AuditLog(db, now, options.log),
    rotation: { enabled: jwt.rotateRefreshTokens, graceMs: jwt.rotationGraceMs },
    purge: { ...config.purge, leewayMs: jwt.leewayMs, revocationWindowMs: jwt.accessTtlMs + jwt.leewayMs },
    keyRotation: { stagedDelayMs: stagedRotationDelayMs(jwt.keyRotationDelayMs, jwt.keyReloadMs) },
    revocations: new RevocationFeed(
      { db, now, log: options.log },
      { ...config.revocationFeed, windowMs: jwt.accessTtlMs + jwt.leewayMs, pageSize: FEED_PAGE_SIZE },
    ),
    sessionCache: new SessionCache({ db, log: options.log }, config.sessionCache),
    metrics,
  };
}

/**
 * Opens the database and brings up what every process needs: the schema (with `migrate`),
 * the first signing key (created by whichever process gets there first), the key ring.
 */
export async function openRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const { log } = options;
  const db =
    options.database ?? (await openDatabase(config, (err) => log.warn({ err }, 'database connection lost; the pool reconnects')));
  const services = createServices(db, config, options);
  const close = async () => {
    await services.revocations.close();
    await services.sessionCache.close();
    await services.throttle.close();
    await services.passwords.close();
    await db.close();
  };
  try {
    if (options.migrate) {
      const applied = await migrate(db);
      if (applied.length) log.info({ applied }, 'migrations applied');
    }
    await services.keyStore.ensureSigningKey();
    await services.keyStore.load({ strict: true });
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
  return { ...services, config, close };
}

/**
 * The steps only a serving process needs: the hashing threads and the dummy hash (so that the
 * first unknown-user login costs what any login costs), the failure floor timed on the hashes
 * in the users table (so that no failed login tells which kind of hash it checked), the
 * throttle's store (Redis), the revocation feed's tail (LISTEN), when the feed is on, and the
 * session cache's LISTEN (a process that never starts it, such as the CLI, reads every state).
 */
export async function startServing(
  services: Pick<Services, 'db' | 'passwords' | 'throttle' | 'revocations' | 'sessionCache'>,
): Promise<void> {
  await services.passwords.warmUp();
  await calibrateFailureFloor(services);
  await services.throttle.connect();
  await services.revocations.start();
  await services.sessionCache.start();
}
