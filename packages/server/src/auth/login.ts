// POST /auth/login/: username + password -> a new session's token pair.
// Unknown user, wrong password and disabled user are one answer, after the same work
// (a password hash is always verified), so neither the body nor the timing tells them apart.
import { type LoginBody, MESSAGES, type TokenPair } from '@auth-service/protocol';
import type { PasswordHasher } from '../crypto/passwords.js';
import { findUserByUsername, replacePasswordHash } from '../db/repos/users.js';
import { AuthError, hasCode } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AuditLog } from './audit.js';
import type { RequestContext } from './context.js';
import { type AuthMetrics, loginFailure } from './metrics.js';
import { type OpenSessionDeps, openSession } from './session.js';
import type { LoginTicket, Throttle } from './throttle.js';

export interface LoginDeps extends OpenSessionDeps {
  passwords: Pick<PasswordHasher, 'verify' | 'verifyDummy' | 'hash'>;
  throttle: Pick<Throttle, 'reserve'>;
  audit: Pick<AuditLog, 'recordBestEffort' | 'throttled'>;
  log: Logger;
  metrics: Pick<AuthMetrics, 'login'>;
}

export async function login(deps: LoginDeps, body: LoginBody, ctx: RequestContext): Promise<TokenPair> {
  try {
    const pair = await attempt(deps, body, ctx);
    deps.metrics.login('success');
    return pair;
  } catch (err) {
    deps.metrics.login(loginFailure(err));
    throw err;
  }
}

async function attempt(deps: LoginDeps, { username, password }: LoginBody, ctx: RequestContext): Promise<TokenPair> {
  const { user, result } = await checkPassword(deps, username, password, ctx);
  if (!user || !result.ok || !user.isActive) {
    await deps.audit.recordBestEffort(
      { event: 'login_failed', userId: user?.id, username, details: { reason: failureReason(user, result.ok) } },
      ctx,
    );
    throw new AuthError('no_active_account', MESSAGES.badCredentials);
  }
  const pair = await openSession(deps, user);
  if (!pair) {
    // The password was changed or the user disabled while we hashed: these credentials are
    // no longer the user's, and a session opened now would escape that change's revocation.
    await deps.audit.recordBestEffort(
      { event: 'login_failed', userId: user.id, username, details: { reason: 'credentials_changed' } },
      ctx,
    );
    throw new AuthError('no_active_account', MESSAGES.badCredentials);
  }
  await deps.audit.recordBestEffort({ event: 'login_succeeded', userId: user.id, username }, ctx);
  if (result.needsRehash) upgradeHash(deps, user.id, user.passwordHash, password);
  return pair;
}

/**
 * One password check inside a throttle turn (docs/security.md, "Brute force"): the turn is
 * taken before hashing and settled with the outcome before any answer, so the next guess on
 * the account or from the address already sees this one.
 */
async function checkPassword(deps: LoginDeps, username: string, password: string, ctx: RequestContext) {
  const ticket = await reserveTurn(deps, username, ctx);
  try {
    const user = await findUserByUsername(deps.db, username);
    const result = user ? await deps.passwords.verify(user.passwordHash, password) : await dummyVerify(deps, password);
    await (user && result.ok && user.isActive ? ticket.succeeded() : ticket.failed());
    return { user, result };
  } finally {
    await ticket.release(); // settled: nothing to do; a 503 before the verdict counts nothing
  }
}

async function reserveTurn(deps: LoginDeps, username: string, ctx: RequestContext): Promise<LoginTicket> {
  try {
    return await deps.throttle.reserve(username, ctx.clientIp);
  } catch (err) {
    if (hasCode(err, 'throttled')) await deps.audit.throttled(username, ctx, err.retryAfterSeconds);
    throw err;
  }
}

async function dummyVerify(deps: LoginDeps, password: string) {
  await deps.passwords.verifyDummy(password);
  return { ok: false, needsRehash: false };
}

function failureReason(user: { isActive: boolean } | null, passwordOk: boolean): string {
  if (!user) return 'unknown_user';
  if (!passwordOk) return 'wrong_password';
  return 'user_disabled';
}

/**
 * Stores an argon2id hash in place of a legacy one, after the answer, unless the hash changed
 * meanwhile (an operator's set-password wins); a failure only logs.
 */
function upgradeHash(deps: LoginDeps, userId: number, verified: string, password: string): void {
  deps.passwords
    .hash(password)
    .then((hash) => replacePasswordHash(deps.db, userId, verified, hash))
    .catch((err) => deps.log.warn({ err, userId }, 'password rehash failed'));
}
