// POST /auth/password/change/: a signed-in user changes their own password. The old password
// is checked as a login checks it (password-check.ts: the same throttle turn, a wrong one is
// one more failure on the account and the address); the new one must pass the rules of
// `user create`. Every other session of the user ends in the same transaction as the change
// (the revocation feed sees them); the caller's own session stays.
import { MESSAGES, newPasswordProblem, type PasswordChangeBody } from '@auth-service/protocol';
import type { PasswordHasher } from '../crypto/passwords.js';
import { revokeOtherSessions } from '../db/repos/user-sessions.js';
import { replacePasswordHash } from '../db/repos/users.js';
import { AuthError, invalidField } from '../errors.js';
import type { AuditLog } from './audit.js';
import type { Clock, RequestContext } from './context.js';
import { checkPassword, type PasswordCheckDeps } from './password-check.js';
import type { SessionCache } from './session-cache.js';
import type { Identity } from './verify.js';

export interface PasswordChangeDeps extends PasswordCheckDeps {
  passwords: Pick<PasswordHasher, 'verify' | 'verifyDummy' | 'hash'>;
  audit: Pick<AuditLog, 'throttled' | 'recordIn' | 'recordBestEffort'>;
  now: Clock;
  sessionCache: Pick<SessionCache, 'settle'>;
}

/** Returns how many other sessions ended. */
export async function changePassword(
  deps: PasswordChangeDeps,
  caller: Identity,
  body: PasswordChangeBody,
  ctx: RequestContext,
): Promise<number> {
  const problem = newPasswordProblem(body.new_password);
  if (problem) throw invalidField('new_password', problem);
  const { user, result } = await checkPassword(deps, caller.username, body.old_password, ctx);
  if (!user || user.id !== caller.id || !user.isActive || !result.ok) throw await refused(deps, caller, ctx);
  const hash = await deps.passwords.hash(body.new_password);
  const revoked = await deps.db.transaction(async (tx) => {
    // Only over the hash just verified: a change made meanwhile (an operator's set-password,
    // another tab's change) means the old password given here is no longer the user's.
    if (!(await replacePasswordHash(tx, user.id, user.passwordHash, hash))) return null;
    const ended = await revokeOtherSessions(tx, user.id, caller.sessionId || null, 'password_changed', new Date(deps.now()));
    await deps.audit.recordIn(
      tx,
      { event: 'password_changed', userId: user.id, username: user.username, details: { sessionsRevoked: ended, by: 'self' } },
      ctx,
    );
    return ended;
  });
  if (revoked === null) throw await refused(deps, caller, ctx);
  if (revoked > 0) await deps.sessionCache.settle({ userId: user.id });
  return revoked;
}

async function refused(deps: PasswordChangeDeps, caller: Identity, ctx: RequestContext): Promise<AuthError> {
  await deps.audit.recordBestEffort({ event: 'password_change_failed', userId: caller.id, username: caller.username }, ctx);
  return new AuthError('wrong_password', MESSAGES.wrongPassword, { fields: { old_password: [MESSAGES.wrongPassword] } });
}
