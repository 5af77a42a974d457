// createVerifier: the auth service's definition of a valid access token (validateToken, the
// same code the service runs), with the keys fetched and cached (jwks.ts) or a shared HS256
// secret, and sessions revoked through the revocation feed refused.
import { Agent } from 'node:https';
import type { AccessClaims } from '@auth-service/protocol';
import { bearerTokenOf } from './bearer.js';
import { refused } from './errors.js';
import { JwksClient, type JwksStatus } from './jwks.js';
import { type KeyLookup, sharedSecretKey } from './keys.js';
import { type Settings, settingsOf, type VerifierOptions } from './options.js';
import { openRevocationFeed, type RevocationFeed } from './revocations.js';
import { type Validation, validateToken } from './validate.js';
import { VerifiedCache } from './verified-cache.js';

export type { VerifierOptions };

export interface Verifier {
  /** The claims of a valid access token; throws a VerifierError (`code`, `reason`) otherwise. */
  verify(token: unknown): Promise<AccessClaims>;
  /** The same, from an `Authorization` header value ("Bearer <token>"). */
  verifyAuthorization(headerValue: string | readonly string[] | undefined): Promise<AccessClaims>;
  /** False while the revocation feed has not reported the session revoked (always, without a feed). */
  isRevoked(sid: string): boolean;
  /** When a token with these claims stops being valid here (ms since the epoch, leeway included). */
  expiresAt(claims: Pick<AccessClaims, 'exp'>): number;
  now(): number;
  status(): { keys: JwksStatus | 'shared secret'; revocations?: Record<string, unknown> };
  close(): Promise<void>;
}

export function createVerifier(options: VerifierOptions): Verifier {
  return new TokenVerifier(settingsOf(options), options);
}

class TokenVerifier implements Verifier {
  private readonly agent?: Agent;
  private readonly jwks?: JwksClient;
  private readonly keys: KeyLookup;
  private readonly feed?: RevocationFeed;
  private readonly verified: VerifiedCache;

  constructor(
    private readonly settings: Settings,
    options: VerifierOptions,
  ) {
    this.verified = new VerifiedCache(settings.cacheSize);
    if (settings.url) this.agent = new Agent({ keepAlive: true, maxSockets: 4, ca: settings.ca });
    if (settings.secret !== undefined) {
      const key = sharedSecretKey(settings.secret);
      this.keys = new Map([[key.kid, key]]);
    } else {
      const { url, cooldownMs, timeoutMs, maxStaleMs, now } = settings;
      this.jwks = new JwksClient({ url: url as URL, agent: this.agent as Agent, cooldownMs, timeoutMs, maxStaleMs, now });
      this.keys = { get: (kid) => (this.jwks?.usable() ? this.jwks.get(kid) : undefined) };
    }
    if (options.revocations) {
      this.feed = openRevocationFeed({ url: settings.url as URL, ca: settings.ca, ...options.revocations });
    }
  }

  async verify(token: unknown): Promise<AccessClaims> {
    const result = await this.validate(token);
    if (!result.ok) throw refused(result.reason);
    if (this.feed?.isRevoked(result.claims.sid)) throw refused('revoked');
    return result.claims;
  }

  verifyAuthorization(headerValue: string | readonly string[] | undefined): Promise<AccessClaims> {
    try {
      return this.verify(bearerTokenOf(headerValue));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  isRevoked(sid: string): boolean {
    return this.feed?.isRevoked(sid) ?? false;
  }

  expiresAt(claims: Pick<AccessClaims, 'exp'>): number {
    return (claims.exp + this.settings.leewayS) * 1000;
  }

  now(): number {
    return this.settings.now();
  }

  status() {
    return { keys: this.jwks?.status() ?? ('shared secret' as const), ...(this.feed ? { revocations: this.feed.status() } : {}) };
  }

  async close(): Promise<void> {
    await this.feed?.close();
    this.agent?.destroy();
  }

  /**
   * validateToken with the cached keys. Only a kid we do not have involves the network: the
   * first keys (or keys past maxStale) are awaited; otherwise one shared refetch per cooldown.
   */
  private async validate(token: unknown): Promise<Validation<'access'>> {
    const jwks = this.jwks;
    jwks?.maintain();
    const result = this.check(token);
    if (result.ok || result.reason !== 'unknown_key' || !jwks) return result;
    if (!jwks.usable()) {
      await jwks.ensure();
      return this.check(token);
    }
    if (!(await jwks.refetchForUnknownKid())) {
      // An unknown-kid fetch ran less than a cooldown ago: its answer stands, unless it failed.
      if (jwks.failing()) throw jwks.unavailable(jwks.cooldownLeftMs());
      return result;
    }
    // The kid may be a key the service has and we could not fetch: not the client's fault.
    if (jwks.failing()) throw jwks.unavailable(this.settings.cooldownMs);
    return this.check(token);
  }

  private check(token: unknown): Validation<'access'> {
    const { issuer, audience, leewayS, now } = this.settings;
    return validateToken(token, {
      keys: this.keys,
      algorithms: [this.jwks ? 'ES256' : 'HS256'],
      issuer,
      audience,
      leewayS,
      now: now(),
      expected: 'access',
      verified: this.verified,
    });
  }
}
