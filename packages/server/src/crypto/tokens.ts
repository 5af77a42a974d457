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
import { AuthError, MESSAGES, tokenInvalid } from '../errors.js';
import { encodeHeader, signCompact, verifySignature } from './jws.js';
import type { KeyRing, LoadedKey } from './key-ring.js';
import { VerifiedCache } from './verified-cache.js';

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
  private readonly headers = new Map<string, string>();
  private readonly verified = new VerifiedCache<{ kid: string; payload: Record<string, unknown> }>();

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
    const token = signCompact(key.alg, key.signKey as never, this.headerOf(key), claims);
    return { token, claims };
  }

  /**
   * Validates `token` as a token of `expected` type (either type when omitted); throws
   * AuthError(token_not_valid).
   */
  async verify(token: unknown, expected?: TokenType): Promise<TokenClaims> {
    const known = typeof token === 'string' ? this.verified.get(token) : undefined;
    if (known && this.keys.verificationKey(known.kid)) return this.checkClaims(known.payload, expected);
    const { kid, alg, parts } = this.parseHeader(token);
    const key = await this.findKey(kid);
    const [header, payload, sig] = parts;
    // Each key has exactly one algorithm; the token's header must name that one.
    if (alg !== key.alg) throw tokenInvalid();
    if (!verifySignature(key.alg, key.verifyKey, `${header}.${payload}`, Buffer.from(sig, 'base64url'))) throw tokenInvalid();
    const claims = parseJson(payload);
    this.verified.add(token as string, { kid, payload: claims });
    return this.checkClaims(claims, expected);
  }

  private headerOf(key: LoadedKey): string {
    let header = this.headers.get(key.kid);
    if (!header) {
      header = encodeHeader(key.alg, key.kid);
      this.headers.set(key.kid, header);
    }
    return header;
  }

  private parseHeader(token: unknown): { kid: string; alg: string; parts: [string, string, string] } {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT.test(token)) throw tokenInvalid();
    const parts = token.split('.') as [string, string, string];
    for (const part of parts) {
      // Canonical base64url only: a part whose unused trailing bits are set decodes to the same
      // bytes as another spelling; accepting both would give one token many texts.
      if (Buffer.from(part, 'base64url').toString('base64url') !== part) throw tokenInvalid();
    }
    const header = parseJson(parts[0]);
    if (FORBIDDEN_HEADERS.some((name) => name in header)) throw tokenInvalid();
    if (header.typ !== undefined && header.typ !== 'JWT') throw tokenInvalid();
    if (typeof header.kid !== 'string' || !KID.test(header.kid)) throw tokenInvalid();
    if (header.alg !== this.keys.algorithm) throw tokenInvalid();
    return { kid: header.kid, alg: header.alg as string, parts };
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

  /** RFC 7519 4.1 registered claims with TOKEN_LEEWAY, then the shape of the claims we rely on. */
  private checkClaims(payload: Record<string, unknown>, expected?: TokenType): TokenClaims {
    const c = payload as unknown as TokenClaims & { nbf?: unknown };
    const nowS = this.now() / 1000;
    const leewayS = this.settings.leewayMs / 1000;
    const timely =
      typeof c.exp === 'number' &&
      nowS < c.exp + leewayS &&
      typeof c.iat === 'number' &&
      c.iat <= nowS + leewayS &&
      (c.nbf === undefined || (typeof c.nbf === 'number' && c.nbf <= nowS + leewayS));
    const ours = c.iss === this.settings.issuer && audienceMatches(c.aud, this.settings.audience);
    const wellFormed =
      typeof c.jti === 'string' &&
      JTI.test(c.jti) &&
      typeof c.sid === 'string' &&
      SID.test(c.sid) &&
      Number.isSafeInteger(c.user_id) &&
      c.user_id > 0 &&
      c.sub === String(c.user_id) &&
      (c.token_type === 'access' || c.token_type === 'refresh');
    if (!timely || !ours || !wellFormed) throw tokenInvalid();
    if (expected && c.token_type !== expected) throw new AuthError('token_not_valid', MESSAGES.tokenWrongType);
    return c;
  }
}

function audienceMatches(aud: unknown, audience: string): boolean {
  return aud === audience || (Array.isArray(aud) && aud.includes(audience));
}

/** A base64url JSON object, or token_not_valid. */
function parseJson(part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch (err) {
    throw tokenInvalid(err);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw tokenInvalid();
  return value as Record<string, unknown>;
}
