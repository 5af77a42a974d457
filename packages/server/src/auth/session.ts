// Opening a session: one sessions row and a signed token pair that names it (sid).
import { newSessionId, newTokenId } from '../crypto/tokens.js';
import type { Queryable } from '../db/port.js';
import { insertSessionForCredentials } from '../db/repos/sessions.js';
import type { AuthDeps } from './deps.js';

export interface TokenPair {
  refresh: string;
  access: string;
}

/**
 * Opens a session for a user whose password hash was just verified; null when that hash is no
 * longer the user's or the user was disabled meanwhile (checked in the insert itself, under a
 * share lock on the user row, so that a concurrent set-password or disable either sees this
 * session and revokes it, or makes this insert find nothing).
 */
export async function openSession(
  deps: AuthDeps,
  user: { id: number; passwordHash: string },
  db: Queryable = deps.db,
): Promise<TokenPair | null> {
  const userId = user.id;
  const sid = newSessionId();
  const refreshJti = newTokenId();
  const refresh = await deps.tokens.mint('refresh', userId, sid, refreshJti);
  const access = await deps.tokens.mint('access', userId, sid);
  const opened = await insertSessionForCredentials(
    db,
    { id: sid, userId, refreshJti, createdAt: new Date(deps.now()), expiresAt: new Date(refresh.claims.exp * 1000) },
    user.passwordHash,
  );
  return opened ? { refresh: refresh.token, access: access.token } : null;
}
