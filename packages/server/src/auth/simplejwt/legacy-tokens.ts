// What a token of the old service may do here (SIMPLEJWT_SIGNING_KEY), on top of being valid
// by legacy-token.ts. The key only verifies: nothing here signs, and it is never in the key ring.
//  - A refresh token counts only as the token of its imported session (session-id.ts): the
//    session rule then judges it like any of ours (revoked if blacklisted there or logged out
//    here; its refresh answers our access token for that session).
//  - An access token names no session: it counts only within the old lifetime and while its
//    user is active and has an imported session that is live and not revoked.
// The fallback is tried only when SIMPLEJWT_SIGNING_KEY is set and our own validation refused
// the token for its header (a token with no kid): a token of ours is never judged by it.
import { MESSAGES, type RefreshClaims, type TokenType } from '@auth-service/protocol';
import type { Database } from '../../db/port.js';
import { findLegacyAccessState } from '../../db/repos/imported-sessions.js';
import { hasCode, type SessionRefusal, tokenRefused } from '../../errors.js';
import type { Clock } from '../context.js';
import type { Tokens } from '../tokens.js';
import { type LegacyClaims, validateLegacyToken } from './legacy-token.js';
import { importedSessionId } from './session-id.js';

export interface LegacySettings {
  key: string;
  accessTtlMs: number;
  leewayMs: number;
}

export class LegacyTokens {
  private readonly key: Buffer;

  constructor(
    private readonly settings: LegacySettings,
    private readonly now: Clock,
  ) {
    this.key = Buffer.from(settings.key, 'utf8');
  }

  /** The claims of an old-format token refused by us for `err`; undefined when it is not one to try. */
  fallback(err: unknown, token: unknown, expected: TokenType): LegacyClaims | undefined {
    if (!hasCode(err, 'token_not_valid') || err.reason !== 'header') return undefined;
    const result = validateLegacyToken(token, {
      key: this.key,
      expected,
      now: this.now(),
      leewayS: this.settings.leewayMs / 1000,
      accessLifetimeS: this.settings.accessTtlMs / 1000,
    });
    if (result.ok) return result.claims;
    throw tokenRefused(result.reason, result.reason === 'type' ? MESSAGES.tokenWrongType : MESSAGES.tokenInvalid);
  }
}

/** What the session rule needs from a refresh token. */
export type SessionToken = Pick<RefreshClaims, 'user_id' | 'jti' | 'sid'>;

export interface TokenReaderDeps {
  tokens: Pick<Tokens, 'verify'>;
  legacy?: LegacyTokens;
}

/** A refresh token of ours, or one of the old service as the token of its imported session. */
export async function refreshTokenOf(deps: TokenReaderDeps, token: string): Promise<SessionToken> {
  try {
    return await deps.tokens.verify(token, 'refresh');
  } catch (err) {
    const legacy = deps.legacy?.fallback(err, token, 'refresh');
    if (!legacy) throw err;
    return { user_id: legacy.user_id, jti: legacy.jti, sid: importedSessionId(legacy.jti) };
  }
}

export type AccessToken = { legacy: false; user_id: number; sid: string } | { legacy: true; user_id: number };

/** An access token of ours, or one of the old service (which names no session). */
export async function accessTokenOf(deps: TokenReaderDeps, token: string): Promise<AccessToken> {
  try {
    const claims = await deps.tokens.verify(token, 'access');
    return { legacy: false, user_id: claims.user_id, sid: claims.sid };
  } catch (err) {
    const legacy = deps.legacy?.fallback(err, token, 'access');
    if (!legacy) throw err;
    return { legacy: true, user_id: legacy.user_id };
  }
}

/** The user an old access token speaks for, if it may still speak for them; else the refusal. */
export async function judgeLegacyAccess(
  deps: { db: Database; now: Clock },
  userId: number,
): Promise<{ ok: true; username: string } | { ok: false; refusal: SessionRefusal }> {
  const state = await findLegacyAccessState(deps.db, userId, new Date(deps.now()));
  if (!state) return { ok: false, refusal: 'unknown_session' };
  if (!state.isActive) return { ok: false, refusal: 'user_inactive' };
  if (!state.hasImportedSession) return { ok: false, refusal: 'unknown_session' };
  return { ok: true, username: state.username };
}
