// Operator use cases on users (the CLI calls these; nothing else writes users).
import { newPasswordProblem, usernameProblem } from '@auth-service/protocol';
import type { PasswordHasher } from '../crypto/passwords.js';
import type { Database } from '../db/port.js';
import { listLiveSessions, revokeUserSessions, type SessionSummary } from '../db/repos/sessions.js';
import {
  findUserByUsername,
  insertUser,
  listUsers,
  setUserActive,
  type UserSummary,
  updatePasswordHash,
} from '../db/repos/users.js';
import { invalidField } from '../errors.js';
import type { AuditLog } from './audit.js';
import type { Clock, RequestContext } from './context.js';
import type { SessionCache } from './session-cache.js';

export interface UserDeps {
  db: Database;
  passwords: Pick<PasswordHasher, 'hash'>;
  audit: Pick<AuditLog, 'recordIn' | 'recordBestEffort'>;
  now: Clock;
  /** Revoking commands return once no serving process can still accept the sessions. */
  sessionCache: Pick<SessionCache, 'settle'>;
}

export async function createUser(deps: UserDeps, username: string, password: string, ctx: RequestContext): Promise<number> {
  assertValid('username', usernameProblem(username));
  assertValid('password', newPasswordProblem(password));
  const id = await insertUser(deps.db, username, await deps.passwords.hash(password));
  if (id === null) throw invalidField('username', 'A user with that username already exists.');
  await deps.audit.recordBestEffort({ event: 'user_created', userId: id, username }, ctx);
  return id;
}

/** Sets a new password and revokes every session of the user (a password change ends them all). */
export async function setPassword(deps: UserDeps, username: string, password: string, ctx: RequestContext): Promise<number> {
  assertValid('password', newPasswordProblem(password));
  const user = await requireUser(deps, username);
  const hash = await deps.passwords.hash(password);
  const revoked = await deps.db.transaction(async (tx) => {
    await updatePasswordHash(tx, user.id, hash);
    const revoked = await revokeUserSessions(tx, user.id, 'password_changed', new Date(deps.now()));
    await deps.audit.recordIn(
      tx,
      { event: 'password_changed', userId: user.id, username, details: { sessionsRevoked: revoked } },
      ctx,
    );
    return revoked;
  });
  if (revoked > 0) await deps.sessionCache.settle({ userId: user.id });
  return revoked;
}

/** Disables a user: no more login, refresh or verify; its sessions are revoked too. */
export async function disableUser(deps: Omit<UserDeps, 'passwords'>, username: string, ctx: RequestContext): Promise<number> {
  const { id, revoked } = await deps.db.transaction(async (tx) => {
    const id = await setUserActive(tx, username, false);
    if (id === null) throw invalidField('username', 'No such user.');
    const revoked = await revokeUserSessions(tx, id, 'user_disabled', new Date(deps.now()));
    await deps.audit.recordIn(tx, { event: 'user_disabled', userId: id, username, details: { sessionsRevoked: revoked } }, ctx);
    return { id, revoked };
  });
  // Disabling changes what every check answers even without a live session (user_inactive).
  await deps.sessionCache.settle({ userId: id });
  return revoked;
}

export async function enableUser(deps: Omit<UserDeps, 'passwords'>, username: string, ctx: RequestContext): Promise<void> {
  const id = await setUserActive(deps.db, username, true);
  if (id === null) throw invalidField('username', 'No such user.');
  await deps.audit.recordBestEffort({ event: 'user_enabled', userId: id, username }, ctx);
}

export function listAllUsers(deps: { db: Database }): Promise<UserSummary[]> {
  return listUsers(deps.db);
}

/** The user's live sessions (neither revoked nor expired), newest first, at most `limit`. */
export async function listUserSessions(
  deps: { db: Database; now: Clock },
  username: string,
  limit: number,
): Promise<SessionSummary[]> {
  const user = await requireUser(deps, username);
  return listLiveSessions(deps.db, user.id, new Date(deps.now()), limit);
}

async function requireUser(deps: { db: Database }, username: string) {
  const user = await findUserByUsername(deps.db, username);
  if (!user) throw invalidField('username', 'No such user.');
  return user;
}

function assertValid(field: string, problem: string | null): void {
  if (problem) throw invalidField(field, problem);
}
