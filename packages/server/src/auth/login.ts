// POST /auth/login/: username + password -> a new session's token pair.
// Unknown user, wrong password and disabled user are one answer, after the same work
// (a password hash is always verified), so neither the body nor the timing tells them apart.
import { findUserByUsername, replacePasswordHash } from '../db/repos/users.js';
import { AuthError, MESSAGES } from '../errors.js';
import type { AuthDeps, RequestContext } from './deps.js';
import { openSession, type TokenPair } from './session.js';

export interface Credentials {
  username: string;
  password: string;
}

export async function login(deps: AuthDeps, { username, password }: Credentials, ctx: RequestContext): Promise<TokenPair> {
  await reserveAttempt(deps, username, ctx);
  const user = await findUserByUsername(deps.db, username);
  const result = user ? await deps.passwords.verify(user.passwordHash, password) : await dummyVerify(deps, password);
  if (!user || !result.ok || !user.isActive) {
    await deps.audit.record('login_failed', { userId: user?.id, username }, ctx, { reason: failureReason(user, result.ok) });
    throw new AuthError('no_active_account', MESSAGES.badCredentials);
  }
  await deps.throttle.succeeded(username);
  const pair = await openSession(deps, user);
  if (!pair) {
    // The password was changed or the user disabled while we hashed: these credentials are
    // no longer the user's, and a session opened now would escape that change's revocation.
    await deps.audit.record('login_failed', { userId: user.id, username }, ctx, { reason: 'credentials_changed' });
    throw new AuthError('no_active_account', MESSAGES.badCredentials);
  }
  await deps.audit.record('login_succeeded', { userId: user.id, username }, ctx);
  if (result.needsRehash) upgradeHash(deps, user.id, user.passwordHash, password);
  return pair;
}

async function reserveAttempt(deps: AuthDeps, username: string, ctx: RequestContext): Promise<void> {
  try {
    await deps.throttle.reserve(username, ctx.clientIp);
  } catch (err) {
    if (err instanceof AuthError && err.code === 'throttled') {
      await deps.audit.throttled(username, ctx, err.retryAfterSeconds);
    }
    throw err;
  }
}

async function dummyVerify(deps: AuthDeps, password: string) {
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
function upgradeHash(deps: AuthDeps, userId: number, verified: string, password: string): void {
  deps.passwords
    .hash(password)
    .then((hash) => replacePasswordHash(deps.db, userId, verified, hash))
    .catch((err) => deps.log.warn({ err, userId }, 'password rehash failed'));
}
