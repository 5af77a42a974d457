// createVerifier's options, checked once: a mistake in them is a TypeError at start-up, never
// a verifier that quietly accepts or refuses the wrong tokens.
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from '@auth-service/protocol';
import type { RevocationFeedOptions } from './revocations.js';

export interface VerifierOptions {
  /** The auth service's base URL (https://auth.internal:8443), its JWKS URL, or its discovery document. */
  url?: string | URL;
  /** A PEM (or several) to trust for the auth service's certificate: private or self-signed CAs. */
  ca?: string | Buffer;
  /** Default: the service's default issuer, "auth-service" (set it to the service's JWT_ISSUER). */
  issuer?: string;
  /** Default: the service's default audience, "auth-service" (set it to the service's JWT_AUDIENCE). */
  audience?: string;
  /** HS256 with this shared secret (the service's JWT_SIGNING_KEY) instead of the JWKS. */
  secret?: string;
  /** Clock skew tolerated on exp, iat and nbf, in seconds (default 5, as the service's TOKEN_LEEWAY). */
  clockTolerance?: number;
  /** Subscribe to the revocation feed: tokens of a revoked session are refused (reason `revoked`). */
  revocations?: Omit<RevocationFeedOptions, 'url' | 'ca'> & Partial<Pick<RevocationFeedOptions, 'url' | 'ca'>>;
  /** The key cache; every figure in seconds. */
  jwks?: {
    /** At most one fetch for unknown kids per this many seconds (default 10). */
    cooldown?: number;
    /** A fetch that has not answered after this long fails (default 5). */
    timeout?: number;
    /** Cached keys keep verifying this long after the last successful fetch while fetches fail (default 86400). */
    maxStale?: number;
  };
  /** Tokens whose signature was verified before, kept to skip that signature on reuse (default 10000; 0: none). */
  cacheSize?: number;
  /** Milliseconds since the epoch (default Date.now): for tests. */
  clock?: () => number;
}

export interface Settings {
  url?: URL;
  ca?: string | Buffer;
  issuer: string;
  audience: string;
  secret?: string;
  leewayS: number;
  cooldownMs: number;
  timeoutMs: number;
  maxStaleMs: number;
  cacheSize: number;
  now: () => number;
}

export function settingsOf(options: VerifierOptions): Settings {
  const url = options.url === undefined ? undefined : new URL(options.url);
  if (url && url.protocol !== 'https:') throw new TypeError(`createVerifier: url must be https (got ${url.protocol})`);
  if (!url && options.secret === undefined) throw new TypeError('createVerifier: give the auth service url, or a secret (HS256)');
  if (options.secret !== undefined && Buffer.byteLength(options.secret) < 32) {
    throw new TypeError('createVerifier: an HS256 secret has at least 32 bytes (RFC 7518 3.2)');
  }
  if (options.revocations && !url) throw new TypeError('createVerifier: revocations need the auth service url');
  const jwks = options.jwks ?? {};
  return {
    url,
    ca: options.ca,
    issuer: nonEmpty('issuer', options.issuer ?? DEFAULT_ISSUER),
    audience: nonEmpty('audience', options.audience ?? DEFAULT_AUDIENCE),
    secret: options.secret,
    leewayS: seconds('clockTolerance', options.clockTolerance, 5, 0, 300),
    cooldownMs: seconds('jwks.cooldown', jwks.cooldown, 10, 1, 3600) * 1000,
    timeoutMs: seconds('jwks.timeout', jwks.timeout, 5, 0.1, 60) * 1000,
    maxStaleMs: seconds('jwks.maxStale', jwks.maxStale, 86_400, 0, 30 * 86_400) * 1000,
    cacheSize: seconds('cacheSize', options.cacheSize, 10_000, 0, 10_000_000),
    now: options.clock ?? Date.now,
  };
}

function nonEmpty(name: string, value: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`createVerifier: ${name} must be a non-empty string`);
  return value;
}

function seconds(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new TypeError(`createVerifier: ${name} must be a number from ${min} to ${max}`);
  }
  return value;
}
