// Access-token checks for /auth/me/ and every Bearer route, and /auth/token/verify/: a valid
// signature is not enough, the session must be live by the session rule (one database read, or
// none when the session cache holds its state: session-cache.ts).
// With SIMPLEJWT_SIGNING_KEY, tokens of the old service are read too (simplejwt/legacy-tokens.ts).
import { MESSAGES } from '@auth-service/protocol';
import type { Database } from '../db/port.js';
import { AuthError, hasCode, type SessionRefusal } from '../errors.js';
import type { Clock } from './context.js';
import { type AuthMetrics, tokenFailure, type VerifyKind } from './metrics.js';
import type { RotationPolicy } from './refresh.js';
import type { SessionCache } from './session-cache.js';
import { judgeRefresh, judgeSession, sessionRefused } from './session-rule.js';
import {
  type AccessToken,
  accessTokenOf,
  judgeLegacyAccess,
  type LegacyTokens,
  refreshTokenOf,
} from './simplejwt/legacy-tokens.js';
import type { Tokens } from './tokens.js';

export interface Identity {
  id: number;
  username: string;
  /** The session the token belongs to (forward auth hands it to the upstream); '' for a SimpleJWT token. */
  sessionId: string;
}

export interface AuthenticateDeps {
  db: Database;
  tokens: Pick<Tokens, 'verify'>;
  /** Set with SIMPLEJWT_SIGNING_KEY. */
  legacy?: LegacyTokens;
  now: Clock;
  metrics: Pick<AuthMetrics, 'verification'>;
  sessionCache: Pick<SessionCache, 'state'>;
}

/** Counts the outcome of a token check. */
async function counted<T>(deps: AuthenticateDeps, kind: VerifyKind, check: Promise<T>): Promise<T> {
  try {
    const result = await check;
    deps.metrics.verification(kind, 'valid');
    return result;
  } catch (err) {
    deps.metrics.verification(kind, tokenFailure(err));
    throw err;
  }
}

/** The user an access token speaks for; throws token_not_valid, or user_inactive for a disabled user. */
export function authenticate(deps: AuthenticateDeps, token: string): Promise<Identity> {
  return counted(deps, 'bearer', identify(deps, token));
}

async function identify(deps: AuthenticateDeps, token: string): Promise<Identity> {
  const access = await accessTokenOf(deps, token);
  const judged = await judgeAccess(deps, access);
  if (!judged.ok) throw accessRefused(judged.refusal);
  // A token of the old service names no session: forward auth then sends an empty session id.
  return { id: access.user_id, username: judged.username, sessionId: access.legacy ? '' : access.sid };
}

export interface VerifyDeps extends AuthenticateDeps {
  rotation: Pick<RotationPolicy, 'graceMs'>;
}

/**
 * POST /auth/token/verify/: a token of ours, access or refresh, whose session is live. As
 * SimpleJWT's verify, it answers valid or invalid only: a disabled user's token is invalid.
 */
export function verifyToken(deps: VerifyDeps, token: string): Promise<void> {
  return counted(deps, 'verify', check(deps, token));
}

async function check(deps: VerifyDeps, token: string): Promise<void> {
  // Either type is accepted here: as an access token first (the common case), and only when
  // that fails on the type alone, as a refresh token.
  const access = await accessTokenOf(deps, token).catch((err) => {
    if (hasCode(err, 'token_not_valid') && err.reason === 'type') return null;
    throw err;
  });
  if (access) {
    const judged = await judgeAccess(deps, access);
    if (!judged.ok) throw sessionRefused(judged.refusal);
    return;
  }
  const claims = await refreshTokenOf(deps, token);
  const judged = judgeRefresh(await deps.sessionCache.state(deps.db, claims.sid), claims, deps.now(), deps.rotation.graceMs);
  if (!judged.ok) throw sessionRefused(judged.refusal);
}

type AccessJudgement = { ok: true; username: string } | { ok: false; refusal: SessionRefusal };

async function judgeAccess(deps: AuthenticateDeps, access: AccessToken): Promise<AccessJudgement> {
  if (access.legacy) return judgeLegacyAccess(deps, access.user_id);
  const state = await deps.sessionCache.state(deps.db, access.sid);
  const judged = judgeSession(state, access.user_id);
  if (!judged.ok) return judged;
  return { ok: true, username: state?.username ?? '' };
}

function accessRefused(refusal: SessionRefusal): AuthError {
  if (refusal === 'user_inactive') return new AuthError('user_inactive', MESSAGES.userInactive, { reason: refusal });
  return sessionRefused(refusal);
}
