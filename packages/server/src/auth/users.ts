// Operator use cases on users (the CLI calls these; nothing else writes users).
import { revokeUserSessions } from '../db/repos/sessions.js';
import {
  findUserByUsername,
  insertUser,
  listUsers,
  setUserActive,
  type UserSummary,
  updatePasswordHash,
} from '../db/repos/users.js';
import { AuthError } from '../errors.js';
import type { AuthDeps, RequestContext } from './deps.js';
import { newPasswordProblem, usernameProblem } from './rules.js';

export async function createUser(deps: AuthDeps, username: string, password: string, ctx: RequestContext): Promise<number> {
  assertValid('username', usernameProblem(username));
  assertValid('password', newPasswordProblem(password));
  const id = await insertUser(deps.db, username, await deps.passwords.hash(password));
  if (id === null) throw invalid('username', 'A user with that username already exists.');
  await deps.audit.record('user_created', { userId: id, username }, ctx);
  return id;
}

/** Sets a new password and revokes every session of the user (a password change ends them all). */
export async function setPassword(deps: AuthDeps, username: string, password: string, ctx: RequestContext): Promise<number> {
  assertValid('password', newPasswordProblem(password));
  const user = await requireUser(deps, username);
  const hash = await deps.passwords.hash(password);
  return deps.db.transaction(async (tx) => {
    await updatePasswordHash(tx, user.id, hash);
    const revoked = await revokeUserSessions(tx, user.id, 'password_changed', new Date(deps.now()));
    await deps.audit.record('password_changed', { userId: user.id, username }, ctx, { sessionsRevoked: revoked }, tx);
    return revoked;
  });
}

/** Disables a user: no more login, refresh or verify; its sessions are revoked too. */
export async function disableUser(deps: AuthDeps, username: string, ctx: RequestContext): Promise<number> {
  return deps.db.transaction(async (tx) => {
    const id = await setUserActive(tx, username, false);
    if (id === null) throw invalid('username', 'No such user.');
    const revoked = await revokeUserSessions(tx, id, 'user_disabled', new Date(deps.now()));
    await deps.audit.record('user_disabled', { userId: id, username }, ctx, { sessionsRevoked: revoked }, tx);
    return revoked;
  });
}

export async function enableUser(deps: AuthDeps, username: string, ctx: RequestContext): Promise<void> {
  const id = await setUserActive(deps.db, username, true);
  if (id === null) throw invalid('username', 'No such user.');
  await deps.audit.record('user_enabled', { userId: id, username }, ctx);
}

export function listAllUsers(deps: AuthDeps): Promise<UserSummary[]> {
  return listUsers(deps.db);
}

async function requireUser(deps: AuthDeps, username: string) {
  const user = await findUserByUsername(deps.db, username);
  if (!user) throw invalid('username', 'No such user.');
  return user;
}

function assertValid(field: string, problem: string | null): void {
  if (problem) throw invalid(field, problem);
}

function invalid(field: string, message: string): AuthError {
  return new AuthError('validation_error', `${field}: ${message}`, { fields: { [field]: [message] } });
}
