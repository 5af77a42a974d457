// Minting our tokens, and checking the ones that come back with the one definition of a valid
// token (@auth-service/verifier's validateToken, which every consumer runs too). Claims stay
// compatible with SimpleJWT (token_type, exp, iat, jti, user_id) and add sub, iss, aud and sid.
// A refresh token must not pass for an access token at any verifier, including those that read
// neither typ nor token_type: it has a typ (refresh+jwt) and an audience (<issuer>#refresh) of
// its own; access tokens are typ at+jwt (RFC 9068) for JWT_AUDIENCE.
import { randomUUID } from 'node:crypto';
import { MESSAGES, refreshAudience, type TokenClaims, type TokenType } from '@auth-service/protocol';
import { type ClaimsOf, VerifiedCache, validateToken } from '@auth-service/verifier';
import { encodeHeader, signCompact } from '../crypto/jws.js';
import type { SigningKey } from '../crypto/signing-keys.js';
import { tokenRefused } from '../errors.js';
import type { Clock } from './context.js';
import type { KeyRing } from './keys/ring.js';
import type { KeyStore } from './keys/store.js';

export interface TokenSettings {
  issuer: string;
  audience: string;
  accessTtlMs: number;
  refreshTtlMs: number;
  leewayMs: number;
}

export interface Minted<T extends TokenType> {
  token: string;
  claims: ClaimsOf<T>;
}

export const newTokenId = () => randomUUID().replaceAll('-', '');
export const newSessionId = () => randomUUID();

export class Tokens {
  private readonly headers = new Map<string, string>();
  private readonly verified = new VerifiedCache();

  constructor(
    private readonly ring: KeyRing,
    private readonly store: Pick<KeyStore, 'reloadForUnknownKid'>,
    private readonly settings: TokenSettings,
    private readonly now: Clock,
  ) {}

  /** Signs a token of `type` for a user's session; the caller may fix its `jti`. */
  mint<T extends TokenType>(type: T, userId: number, sid: string, jti = newTokenId()): Minted<T> {
    const key = this.ring.signer();
    const nowMs = this.now();
    const ttl = type === 'access' ? this.settings.accessTtlMs : this.settings.refreshTtlMs;
    const claims: TokenClaims = {
      token_type: type,
      exp: Math.floor((nowMs + ttl) / 1000),
      iat: Math.floor(nowMs / 1000),
      jti,
      user_id: userId,
      sub: String(userId),
      iss: this.settings.issuer,
      aud: type === 'access' ? this.settings.audience : refreshAudience(this.settings.issuer),
      sid,
    };
    return { token: signCompact(key, this.headerOf(key, type), claims), claims: claims as ClaimsOf<T> };
  }

  /**
   * The claims of `token` if it is a valid token of the `expected` type; else throws
   * token_not_valid with the reason (logged, never sent). A kid we do not know reloads the keys
   * once (a rotation made by another instance) before it is refused.
   */
  async verify<T extends TokenType>(token: unknown, expected: T): Promise<ClaimsOf<T>> {
    let result = this.validate(token, expected);
    if (!result.ok && result.reason === 'unknown_key' && (await this.store.reloadForUnknownKid())) {
      result = this.validate(token, expected);
    }
    if (result.ok) return result.claims;
    throw tokenRefused(result.reason, result.reason === 'type' ? MESSAGES.tokenWrongType : MESSAGES.tokenInvalid);
  }

  private validate<T extends TokenType>(token: unknown, expected: T) {
    const { issuer, audience, leewayMs } = this.settings;
    return validateToken(token, {
      keys: this.ring,
      algorithms: [this.ring.algorithm],
      issuer,
      // Refresh tokens issued before they had an audience of their own carry JWT_AUDIENCE.
      ...(expected === 'access' ? { audience } : { audience: refreshAudience(issuer), legacyAudience: audience }),
      leewayS: leewayMs / 1000,
      now: this.now(),
      expected,
      verified: this.verified,
    });
  }

  private headerOf(key: SigningKey, type: TokenType): string {
    const name = `${type}:${key.kid}`;
    let header = this.headers.get(name);
    if (!header) {
      header = encodeHeader(key, type);
      this.headers.set(name, header);
    }
    return header;
  }
}
