// Minting and strict validation of our JWTs. Claims stay compatible with SimpleJWT
// (token_type, exp, iat, jti, user_id) and add sub, iss, aud and sid (the session id).
//
// Validation, in order, each step refusing with token_not_valid:
//  1. compact JWS only: three base64url parts, canonical encoding, bounded length;
//  2. header: exactly our algorithm (RFC 8725 3.1: never "none", never an algorithm picked by
//     the token), a kid naming one of our own keys, and none of jku/x5u/jwk/x5c/crit
//     (RFC 8725 3.10: key material or key locations supplied by the token are never used);
//  3. signature, then exp/nbf/iat/iss/aud with a small leeway (TOKEN_LEEWAY);
//  4. token_type is the one the endpoint accepts (RFC 8725 3.11: access and refresh tokens are
//     not interchangeable), and every claim we rely on has the right shape.
import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { AuthError, MESSAGES, tokenInvalid } from '../errors.js';
import type { KeyRing } from './key-ring.js';

export type TokenType = 'access' | 'refresh';

export interface TokenClaims {
  token_type: TokenType;
  exp: number;
  iat: number;
  jti: string;
  user_id: number;
  sub: string;
  iss: string;
  aud: string;
  sid: string;
}

export interface TokenSettings {
  issuer: string;
  audience: string;
  accessTtlMs: number;
  refreshTtlMs: number;
  leewayMs: number;
}

export interface Minted {
  token: string;
  claims: TokenClaims;
}

const MAX_TOKEN_LENGTH = 4096;
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'] as const;
const KID = /^[A-Za-z0-9_-]{1,64}$/;
const JTI = /^[0-9a-f]{32}$/;
const SID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const newTokenId = () => randomUUID().replaceAll('-', '');
export const newSessionId = () => randomUUID();

export class TokenService {
  constructor(
    private readonly keys: KeyRing,
    private readonly settings: TokenSettings,
    private readonly now: () => number,
  ) {}

  /** Signs a token of `type` for a user's session; `jti` and `expMs` may be fixed by the caller. */
  async mint(type: TokenType, userId: number, sid: string, jti = newTokenId(), expMs?: number): Promise<Minted> {
    const key = this.keys.signingKey();
    const iat = Math.floor(this.now() / 1000);
    const ttl = type === 'access' ? this.settings.accessTtlMs : this.settings.refreshTtlMs;
    const claims: TokenClaims = {
      token_type: type,
      exp: Math.floor((expMs ?? this.now() + ttl) / 1000),
      iat,
      jti,
      user_id: userId,
      sub: String(userId),
      iss: this.settings.issuer,
      aud: this.settings.audience,
      sid,
    };
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: key.alg, typ: 'JWT', kid: key.kid })
      .sign(key.signKey as Uint8Array);
    return { token, claims };
  }

  /** Validates `token` as a token of `expected` type; throws AuthError(token_not_valid). */
  async verify(token: unknown, expected: TokenType): Promise<TokenClaims> {
    const header = this.parseHeader(token);
    const key = await this.findKey(header.kid);
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token as string, key.verifyKey, {
        algorithms: [key.alg],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: Math.ceil(this.settings.leewayMs / 1000),
        currentDate: new Date(this.now()),
        requiredClaims: ['exp', 'iat', 'jti', 'sub', 'sid', 'token_type', 'user_id'],
      }));
    } catch (err) {
      throw tokenInvalid(err);
    }
    return this.checkClaims(payload, expected);
  }

  private parseHeader(token: unknown): { kid: string } {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT.test(token)) throw tokenInvalid();
    const parts = token.split('.');
    for (const part of parts) {
      // Canonical base64url only: a part whose unused trailing bits are set decodes to the same
      // bytes as another spelling; accepting both would give one token many texts.
      if (Buffer.from(part, 'base64url').toString('base64url') !== part) throw tokenInvalid();
    }
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(parts[0] as string, 'base64url').toString('utf8'));
    } catch (err) {
      throw tokenInvalid(err);
    }
    if (!header || typeof header !== 'object' || Array.isArray(header)) throw tokenInvalid();
    if (FORBIDDEN_HEADERS.some((name) => name in header)) throw tokenInvalid();
    if (header.typ !== undefined && header.typ !== 'JWT') throw tokenInvalid();
    if (typeof header.kid !== 'string' || !KID.test(header.kid)) throw tokenInvalid();
    if (header.alg !== this.keys.signingKey().alg) throw tokenInvalid();
    return { kid: header.kid };
  }

  private async findKey(kid: string) {
    let key = this.keys.verificationKey(kid);
    if (!key) {
      await this.keys.reloadForUnknownKid();
      key = this.keys.verificationKey(kid);
    }
    if (!key) throw tokenInvalid();
    return key;
  }

  private checkClaims(payload: Record<string, unknown>, expected: TokenType): TokenClaims {
    const c = payload as unknown as TokenClaims;
    const nowS = this.now() / 1000;
    const leewayS = this.settings.leewayMs / 1000;
    const wellFormed =
      typeof c.jti === 'string' &&
      JTI.test(c.jti) &&
      typeof c.sid === 'string' &&
      SID.test(c.sid) &&
      Number.isSafeInteger(c.user_id) &&
      c.user_id > 0 &&
      c.sub === String(c.user_id) &&
      typeof c.iat === 'number' &&
      c.iat <= nowS + leewayS;
    if (!wellFormed) throw tokenInvalid();
    if (c.token_type !== expected) throw new AuthError('token_not_valid', MESSAGES.tokenWrongType);
    return c;
  }
}
