// POST /auth/login/: username + password -> a new session's token pair.
// Unknown user, wrong password and disabled user are one answer, after the same work
// (a password hash is always verified), so neither the body nor the timing tells them apart.
import { type LoginBody, MESSAGES, type TokenPair } from '@auth-service/protocol';
import type { PasswordHasher } from '../crypto/passwords.js';
import { replacePasswordHash } from '../db/repos/users.js';
import { AuthError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AuditLog } from './audit.js';
import type { RequestContext } from './context.js';
import { checkPassword } from './password-check.js';
import { type OpenSessionDeps, openSession } from './session.js';
import type { Throttle } from './throttle.js';

export interface LoginDeps extends OpenSessionDeps {
  passwords: Pick<PasswordHasher, 'verify' | 'verifyDummy' | 'hash'>;
  throttle: Pick<Throttle, 'reserve'>;
  audit: Pick<AuditLog, 'recordBestEffort' | 'throttled'>;
  log: Logger;
}

export async function login(deps: LoginDeps, { username, password }: LoginBody, ctx: RequestContext): Promise<TokenPair> {
  const { user, result } = await checkPassword(deps, username, password, ctx);
  if (!user || !result.ok || !user.isActive) {
    await deps.audit.recordBestEffort(
      { event: 'login_failed', userId: user?.id, username, details: { reason: failureReason(user, result.ok) } },
      ctx,
    );
    throw new AuthError('no_active_account', MESSAGES.badCredentials);
  }
  const pair = await openSession(deps, user, ctx);
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
