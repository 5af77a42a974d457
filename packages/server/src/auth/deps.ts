// What the use cases need, passed in explicitly (no globals, no framework): the database
// port, the settings, the clock, and the crypto services. buildDeps() wires the real ones.
import type { Config } from '../config/config.js';
import { KeyRing } from '../crypto/key-ring.js';
import { Limiter } from '../crypto/limiter.js';
import { PasswordHasher } from '../crypto/passwords.js';
import { TokenService } from '../crypto/tokens.js';
import type { Database } from '../db/port.js';
import { AuditLog } from './audit.js';
import { openThrottle, type Throttle } from './throttle.js';

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AuthDeps {
  db: Database;
  config: Config;
  now: () => number;
  passwords: PasswordHasher;
  hashLimiter: Limiter;
  keys: KeyRing;
  tokens: TokenService;
  throttle: Throttle;
  audit: AuditLog;
  log: Logger;
}

/** Who is asking: recorded in the audit trail and used by the per-client throttle. */
export interface RequestContext {
  clientIp?: string;
  userAgent?: string;
}

export const CLI_CONTEXT: RequestContext = { clientIp: 'cli', userAgent: 'auth-service cli' };

export interface BuildDepsOptions {
  now?: () => number;
  log: Logger;
  /** false: no login throttle (nor its Redis), for the CLI, which never logs anyone in. */
  throttle?: boolean;
}

const NO_THROTTLE: Throttle = {
  reserve: async () => {},
  succeeded: async () => {},
  ping: async () => {},
  close: async () => {},
};

export async function buildDeps(db: Database, config: Config, options: BuildDepsOptions): Promise<AuthDeps> {
  const now = options.now ?? Date.now;
  const { jwt } = config;
  const keys = new KeyRing(db, {
    algorithm: jwt.algorithm,
    signingKey: jwt.signingKey,
    keyEncryptionSecret: jwt.keyEncryptionSecret,
    retentionMs: Math.max(jwt.accessTtlMs, jwt.refreshTtlMs) + jwt.leewayMs,
    now,
  });
  await keys.init();
  const hashLimiter = new Limiter(config.hashing.concurrency, config.hashing.queueLimit, config.hashing.queueTimeoutMs);
  const passwords = new PasswordHasher(hashLimiter);
  await passwords.warmUp();
  return {
    db,
    config,
    now,
    passwords,
    hashLimiter,
    keys,
    tokens: new TokenService(keys, jwt, now),
    throttle: options.throttle === false ? NO_THROTTLE : await openThrottle(db, config.throttle, now),
    audit: new AuditLog(db, now, options.log),
    log: options.log,
  };
}

export async function closeDeps(deps: AuthDeps): Promise<void> {
  await deps.throttle.close();
  await deps.passwords.close();
}
