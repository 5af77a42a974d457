// One password check inside a login-throttle turn (docs/security.md, "Brute force"), shared by
// login and the password change, so that a guess costs the same turn and counts as the same
// failure on either door: the turn is taken before hashing and settled with the outcome before
// any answer, so the next guess on the account or from the address already sees this one.
import type { PasswordHasher } from '../crypto/passwords.js';
import type { Database } from '../db/port.js';
import { findUserByUsername, type UserRow } from '../db/repos/users.js';
import { hasCode } from '../errors.js';
import type { AuditLog } from './audit.js';
import type { RequestContext } from './context.js';
import type { LoginTicket, Throttle } from './throttle.js';

export interface PasswordCheckDeps {
  db: Database;
  passwords: Pick<PasswordHasher, 'verify' | 'verifyDummy'>;
  throttle: Pick<Throttle, 'reserve'>;
  audit: Pick<AuditLog, 'throttled'>;
}

export interface PasswordCheck {
  user: UserRow | null;
  result: { ok: boolean; needsRehash: boolean };
}

/** Checks `password` for `username`; a right password of an active user settles the turn as a success. */
export async function checkPassword(
  deps: PasswordCheckDeps,
  username: string,
  password: string,
  ctx: RequestContext,
): Promise<PasswordCheck> {
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

async function reserveTurn(deps: PasswordCheckDeps, username: string, ctx: RequestContext): Promise<LoginTicket> {
  try {
    return await deps.throttle.reserve(username, ctx.clientIp);
  } catch (err) {
    if (hasCode(err, 'throttled')) await deps.audit.throttled(username, ctx, err.retryAfterSeconds);
    throw err;
  }
}

async function dummyVerify(deps: PasswordCheckDeps, password: string) {
  await deps.passwords.verifyDummy(password);
  return { ok: false, needsRehash: false };
}
