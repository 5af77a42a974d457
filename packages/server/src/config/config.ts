// The one place that reads process.env. Every option is listed in docs/config.md with its
// default; parseConfig() validates them all once, at start-up, into a frozen object.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { ALGORITHMS, type Algorithm, DEFAULT_AUDIENCE, DEFAULT_ISSUER } from '@auth-service/protocol';
import { openFileLimit, RESERVED_FILES } from './file-limit.js';
import { boolean, ConfigError, durationMs, type Env, integer, list, oneOf, text } from './parse.js';
import { withSecretFiles } from './secret-files.js';

export { ConfigError };

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly tls: { readonly mode: 'native' | 'proxy'; readonly certFile?: string; readonly keyFile?: string };
  /** HTTP2: the native-TLS listener offers h2 before http/1.1 through ALPN (http/http2.ts). */
  readonly http2: boolean;
  readonly databaseUrl?: string;
  readonly dataDir: string;
  readonly db: {
    readonly poolSize: number;
    readonly connectTimeoutMs: number;
    readonly statementTimeoutMs: number;
    /** DATABASE_POOLER: `transaction` when a transaction-pooling PgBouncer is in between. */
    readonly pooler: 'none' | 'transaction';
    /** DATABASE_LISTEN_URL: a direct URL for LISTEN behind such a pooler. */
    readonly listenUrl?: string;
  };
  readonly jwt: {
    readonly algorithm: Algorithm;
    readonly signingKey?: string;
    readonly issuer: string;
    readonly audience: string;
    readonly accessTtlMs: number;
    readonly refreshTtlMs: number;
    readonly leewayMs: number;
    readonly rotateRefreshTokens: boolean;
    readonly rotationGraceMs: number;
    readonly keyEncryptionSecret?: string;
    readonly keyEncryptionSecretPrevious?: string;
    readonly keyReloadMs: number;
    readonly keyRotationDelayMs: number;
  };
  readonly hashing: { readonly concurrency: number; readonly queueLimit: number; readonly queueTimeoutMs: number };
  /** The old SimpleJWT service's HS256 key, to verify its tokens after the switch (never to sign). */
  readonly simplejwt?: { readonly signingKey: string; readonly accessTtlMs: number };
  readonly throttle: {
    readonly freeFailures: number;
    readonly baseDelayMs: number;
    readonly maxDelayMs: number;
    /** Failed attempts per client address per window. */
    readonly clientLimit: number;
    readonly clientWindowMs: number;
    /** Longest a login waits for a turn on its account or address before a 429. */
    readonly waitTimeoutMs: number;
    /** Longest a turn is held by an attempt that never settles (its instance died): derived. */
    readonly leaseMs: number;
    readonly redisUrl?: string;
  };
  readonly http: {
    readonly bodyLimit: number;
    readonly corsOrigins: readonly string[];
    /** REFRESH_COOKIE: login also sets the refresh token as an HttpOnly cookie (http/refresh-cookie.ts). */
    readonly refreshCookie: boolean;
    readonly trustProxy: readonly string[];
    readonly requestTimeoutMs: number;
    readonly shutdownTimeoutMs: number;
    /** SIGTERM: how long readiness answers 503 while requests are still served, before the drain. */
    readonly drainDelayMs: number;
  };
  /** Limits on connections themselves, against floods and slow clients (http/connection-guard.ts). */
  readonly connections: {
    readonly handshakeTimeoutMs: number;
    readonly headersTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
    readonly max: number;
    /** 0: no per-address cap (the default behind a proxy, where every connection is the proxy's). */
    readonly maxPerClient: number;
  };
  readonly revocationFeed: {
    readonly token?: string;
    readonly pollMs: number;
    readonly heartbeatMs: number;
    readonly maxSubscribers: number;
    readonly maxBacklogBytes: number;
  };
  /** auth/session-cache.ts: SESSION_CACHE_TTL (0: off), SESSION_CACHE_SIZE. */
  readonly sessionCache: { readonly ttlMs: number; readonly maxEntries: number };
  readonly purge: { readonly intervalMs: number; readonly batchSize: number; readonly auditRetentionMs: number };
  readonly workers: number;
  readonly logLevel: string;
  readonly accessLog: boolean;
  /** The docs page at /auth/docs/ (DOCS_PAGE); /auth/openapi.json is always served. */
  readonly docsPage: boolean;
  /** GET /metrics on its own listener; undefined (off) unless METRICS_PORT is set. */
  readonly metrics?: { readonly port: number; readonly host: string };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function parseConfig(environment: Env = process.env): Config {
  const env = withSecretFiles(environment);
  const workers = parseWorkers(env);
  const dataDir = resolve(text(env, 'DATA_DIR', './data') ?? './data');
  const db = {
    poolSize: integer(env, 'DB_POOL_SIZE', 10, 1, 1000),
    connectTimeoutMs: durationMs(env, 'DB_CONNECT_TIMEOUT', '5s', 100),
    statementTimeoutMs: durationMs(env, 'DB_STATEMENT_TIMEOUT', '5s', 100),
    pooler: oneOf(env, 'DATABASE_POOLER', ['none', 'transaction'] as const, 'none'),
    listenUrl: parseListenUrl(env),
  };
  const hashing = {
    // Default: the cores shared out among the serving processes, so a cluster does not run
    // more hashing threads than there are cores.
    concurrency: integer(env, 'HASH_CONCURRENCY', Math.max(1, Math.floor(availableParallelism() / workers)), 1, 256),
    queueLimit: integer(env, 'HASH_QUEUE_LIMIT', 64, 0, 100_000),
    queueTimeoutMs: durationMs(env, 'HASH_QUEUE_TIMEOUT', '2s', 1),
  };
  const config: Config = {
    host: text(env, 'HOST', '127.0.0.1') ?? '127.0.0.1',
    port: integer(env, 'PORT', 8443, 0, 65535),
    tls: parseTls(env),
    http2: boolean(env, 'HTTP2', false),
    databaseUrl: parseDatabaseUrl(env),
    dataDir,
    db,
    jwt: parseJwt(env),
    hashing,
    simplejwt: parseSimplejwt(env),
    throttle: parseThrottle(env, db, hashing),
    http: {
      bodyLimit: integer(env, 'BODY_LIMIT', 16_384, 256, 10_485_760),
      corsOrigins: parseOrigins(env),
      refreshCookie: boolean(env, 'REFRESH_COOKIE', false),
      trustProxy: list(env, 'TRUST_PROXY'),
      requestTimeoutMs: durationMs(env, 'REQUEST_TIMEOUT', '10s', 100),
      shutdownTimeoutMs: durationMs(env, 'SHUTDOWN_TIMEOUT', '10s', 0),
      drainDelayMs: durationMs(env, 'SHUTDOWN_DRAIN_DELAY', '5s', 0),
    },
    connections: parseConnections(env),
    revocationFeed: parseRevocationFeed(env),
    sessionCache: {
      ttlMs: durationMs(env, 'SESSION_CACHE_TTL', '5s', 0),
      maxEntries: integer(env, 'SESSION_CACHE_SIZE', 100_000, 1, 10_000_000),
    },
    purge: {
      intervalMs: durationMs(env, 'PURGE_INTERVAL', '10m', 0),
      batchSize: integer(env, 'PURGE_BATCH_SIZE', 1000, 1, 100_000),
      auditRetentionMs: durationMs(env, 'AUDIT_RETENTION', '90d', 60_000),
    },
    workers,
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    accessLog: boolean(env, 'ACCESS_LOG', false),
    docsPage: boolean(env, 'DOCS_PAGE', true),
    metrics: parseMetrics(env),
  };
  if (config.http.refreshCookie && config.http.corsOrigins.length === 0) {
    // The cookie is accepted only from an Origin named there (CSRF): with none, it never would be.
    throw new ConfigError('REFRESH_COOKIE', 'needs CORS_ORIGINS to name the frontends allowed to use the cookie');
  }
  if (config.tls.mode === 'proxy' && config.http.trustProxy.length === 0) {
    throw new ConfigError('TLS_MODE', 'proxy mode needs TRUST_PROXY to name the TLS-terminating proxy');
  }
  return deepFreeze(config);
}

function parseThrottle(env: Env, db: Config['db'], hashing: Config['hashing']): Config['throttle'] {
  const waitTimeoutMs = durationMs(env, 'LOGIN_WAIT_TIMEOUT', '10s', 0);
  return {
    freeFailures: integer(env, 'LOGIN_FREE_FAILURES', 5, 1, 1_000_000),
    baseDelayMs: durationMs(env, 'LOGIN_BASE_DELAY', '1s', 1),
    maxDelayMs: durationMs(env, 'LOGIN_MAX_DELAY', '15m', 1),
    clientLimit: integer(env, 'LOGIN_CLIENT_LIMIT', 100, 1, 1_000_000_000),
    clientWindowMs: durationMs(env, 'LOGIN_CLIENT_WINDOW', '1m', 1000),
    waitTimeoutMs,
    // Past the longest a live attempt can hold a turn (the address's turn is held while the
    // account's is awaited; then up to three statements and the wait for a hashing thread),
    // so that only a dead instance's turn ever expires under a running attempt.
    leaseMs: waitTimeoutMs + hashing.queueTimeoutMs + 3 * db.statementTimeoutMs + 10_000,
    redisUrl: text(env, 'REDIS_URL'),
  };
}

function parseConnections(env: Env): Config['connections'] {
  const requestTimeoutMs = durationMs(env, 'REQUEST_TIMEOUT', '10s', 100);
  const headersTimeoutMs = durationMs(env, 'HEADERS_TIMEOUT', '5s', 100);
  if (headersTimeoutMs > requestTimeoutMs) throw new ConfigError('HEADERS_TIMEOUT', 'must not be longer than REQUEST_TIMEOUT');
  const proxied = (env.TLS_MODE ?? '').trim() === 'proxy';
  return {
    handshakeTimeoutMs: durationMs(env, 'TLS_HANDSHAKE_TIMEOUT', '5s', 100),
    headersTimeoutMs,
    // Longer than the 60 s idle timeout of common load balancers, so that they close first.
    keepAliveTimeoutMs: durationMs(env, 'KEEP_ALIVE_TIMEOUT', '72s', 1000),
    max: integer(env, 'MAX_CONNECTIONS', defaultMaxConnections(), 1, 1_000_000),
    maxPerClient: integer(env, 'MAX_CONNECTIONS_PER_CLIENT', proxied ? 0 : 256, 0, 1_000_000),
  };
}

/** 10,000, or fewer when the open-file limit leaves less room (then all of it but RESERVED_FILES). */
function defaultMaxConnections(): number {
  const limit = openFileLimit();
  return limit === null ? 10_000 : Math.max(64, Math.min(10_000, limit - RESERVED_FILES));
}

function parseTls(env: Env): Config['tls'] {
  const mode = oneOf(env, 'TLS_MODE', ['native', 'proxy'] as const, 'native');
  const certFile = text(env, 'TLS_CERT_FILE');
  const keyFile = text(env, 'TLS_KEY_FILE');
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new ConfigError(certFile ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE', 'TLS_CERT_FILE and TLS_KEY_FILE go together');
  }
  return { mode, certFile, keyFile };
}

function parseDatabaseUrl(env: Env): string | undefined {
  const url = text(env, 'DATABASE_URL');
  if (url === undefined && env.DATABASE_PASSWORD) throw new ConfigError('DATABASE_PASSWORD', 'needs DATABASE_URL');
  if (url === undefined) return undefined;
  if (!/^postgres(ql)?:\/\//.test(url)) throw new ConfigError('DATABASE_URL', 'must start with postgres:// or postgresql://');
  return withDatabasePassword(url, env.DATABASE_PASSWORD);
}

/** DATABASE_PASSWORD (or _FILE): the password kept out of a URL that is not itself secret. */
function withDatabasePassword(url: string, password: string | undefined): string {
  if (password === undefined || password === '') return url;
  const parsed = URL.canParse(url) ? new URL(url) : null;
  if (!parsed) throw new ConfigError('DATABASE_URL', 'is not a URL');
  if (parsed.password) throw new ConfigError('DATABASE_PASSWORD', 'DATABASE_URL already holds a password');
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

/** DATABASE_LISTEN_URL: only behind a transaction pooler (without one, LISTEN uses DATABASE_URL). */
function parseListenUrl(env: Env): string | undefined {
  const url = text(env, 'DATABASE_LISTEN_URL');
  if (url === undefined) return undefined;
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new ConfigError('DATABASE_LISTEN_URL', 'must start with postgres:// or postgresql://');
  if (env.DATABASE_POOLER?.trim() !== 'transaction')
    throw new ConfigError('DATABASE_LISTEN_URL', 'needs DATABASE_POOLER=transaction');
  return url;
}

function parseJwt(env: Env): Config['jwt'] {
  const algorithm = oneOf(env, 'JWT_ALGORITHM', ALGORITHMS, 'ES256');
  const signingKey = text(env, 'JWT_SIGNING_KEY');
  if (algorithm === 'HS256' && (signingKey === undefined || Buffer.byteLength(signingKey) < 32)) {
    // RFC 7518 3.2: an HS256 key must be at least as long as the hash output (256 bits).
    throw new ConfigError('JWT_SIGNING_KEY', 'HS256 needs a secret of at least 32 bytes');
  }
  const keyEncryptionSecret = text(env, 'KEY_ENCRYPTION_SECRET');
  if (keyEncryptionSecret !== undefined && Buffer.byteLength(keyEncryptionSecret) < 16) {
    throw new ConfigError('KEY_ENCRYPTION_SECRET', 'must be at least 16 bytes');
  }
  const keyEncryptionSecretPrevious = text(env, 'KEY_ENCRYPTION_SECRET_PREVIOUS');
  if (keyEncryptionSecretPrevious !== undefined && keyEncryptionSecret === undefined) {
    throw new ConfigError('KEY_ENCRYPTION_SECRET_PREVIOUS', 'needs KEY_ENCRYPTION_SECRET (the new secret)');
  }
  if (keyEncryptionSecretPrevious !== undefined && Buffer.byteLength(keyEncryptionSecretPrevious) < 16) {
    throw new ConfigError('KEY_ENCRYPTION_SECRET_PREVIOUS', 'must be at least 16 bytes');
  }
  return {
    algorithm,
    signingKey: algorithm === 'HS256' ? signingKey : undefined,
    issuer: parseIssuer(env),
    audience: text(env, 'JWT_AUDIENCE', DEFAULT_AUDIENCE) ?? DEFAULT_AUDIENCE,
    accessTtlMs: durationMs(env, 'ACCESS_TOKEN_LIFETIME', '5m', 1000),
    refreshTtlMs: durationMs(env, 'REFRESH_TOKEN_LIFETIME', '1d', 1000),
    leewayMs: durationMs(env, 'TOKEN_LEEWAY', '5s', 0),
    rotateRefreshTokens: boolean(env, 'ROTATE_REFRESH_TOKENS', false),
    rotationGraceMs: durationMs(env, 'ROTATION_GRACE_PERIOD', '5s', 0),
    keyEncryptionSecret,
    keyEncryptionSecretPrevious,
    keyReloadMs: durationMs(env, 'KEY_RELOAD_INTERVAL', '60s', 1000),
    // Envoy's jwt_authn caches a JWKS 10 minutes and never refetches on an unknown kid; never
    // less than our own JWKS max-age (300 s).
    keyRotationDelayMs: durationMs(env, 'KEY_ROTATION_DELAY', '10m', 300_000),
  };
}

// A Bearer credential (RFC 6750 2.1 token68), long enough that guessing it is hopeless.
const FEED_TOKEN = /^[A-Za-z0-9._~+/-]{32,512}=*$/;

function parseRevocationFeed(env: Env): Config['revocationFeed'] {
  const token = text(env, 'REVOCATION_FEED_TOKEN');
  if (token !== undefined && !FEED_TOKEN.test(token)) {
    throw new ConfigError(
      'REVOCATION_FEED_TOKEN',
      'must be 32 to 512 characters of A-Z a-z 0-9 . _ ~ + / - (e.g. openssl rand -hex 32)',
    );
  }
  return {
    token,
    pollMs: durationMs(env, 'REVOCATION_FEED_POLL_INTERVAL', '1s', 50),
    heartbeatMs: durationMs(env, 'REVOCATION_FEED_HEARTBEAT', '5s', 100),
    maxSubscribers: integer(env, 'REVOCATION_FEED_MAX_SUBSCRIBERS', 100, 1, 100_000),
    maxBacklogBytes: integer(env, 'REVOCATION_FEED_MAX_BACKLOG', 1_048_576, 4096, 1_073_741_824),
  };
}

/**
 * A name ("auth-service", the default) or an https URL: discovery (RFC 8414 2, OpenID Connect
 * Discovery 3) derives the metadata's place from a URL issuer, so a URL must be one it can use.
 */
function parseIssuer(env: Env): string {
  const issuer = text(env, 'JWT_ISSUER', DEFAULT_ISSUER) ?? DEFAULT_ISSUER;
  if (!issuer.includes('://')) return issuer;
  const url = URL.canParse(issuer) ? new URL(issuer) : null;
  if (url?.protocol !== 'https:' || url.search || url.hash || url.username || url.password) {
    throw new ConfigError('JWT_ISSUER', 'a URL issuer must be https://host[:port][/path], without query, fragment or user info');
  }
  return issuer;
}

/** SIMPLEJWT_SIGNING_KEY: the old service's key (its SIMPLE_JWT['SIGNING_KEY'], by default its SECRET_KEY). */
function parseSimplejwt(env: Env): Config['simplejwt'] {
  const signingKey = text(env, 'SIMPLEJWT_SIGNING_KEY');
  const accessTtlMs = durationMs(env, 'SIMPLEJWT_ACCESS_TOKEN_LIFETIME', '5m', 1000);
  return signingKey === undefined ? undefined : { signingKey, accessTtlMs };
}

/** "auto": one serving process per core on PostgreSQL; the embedded database allows one. */
function parseWorkers(env: Env): number {
  const embedded = text(env, 'DATABASE_URL') === undefined;
  if ((env.WORKERS ?? 'auto').trim() === 'auto') return embedded ? 1 : availableParallelism();
  const workers = integer(env, 'WORKERS', 1, 1, 64);
  if (workers > 1 && embedded) throw new ConfigError('WORKERS', 'more than one worker needs PostgreSQL (DATABASE_URL)');
  return workers;
}

function parseMetrics(env: Env): Config['metrics'] {
  if (text(env, 'METRICS_PORT') === undefined) return undefined;
  return { port: integer(env, 'METRICS_PORT', 0, 0, 65535), host: text(env, 'METRICS_HOST', '127.0.0.1') ?? '127.0.0.1' };
}

function parseOrigins(env: Env): string[] {
  const origins = list(env, 'CORS_ORIGINS');
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError('CORS_ORIGINS', `"${origin}" is not an origin like https://app.example.com`);
    }
  }
  return origins;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
