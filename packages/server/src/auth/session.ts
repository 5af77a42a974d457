// Opening a session: one sessions row and a signed token pair that names it (sid).
import type { TokenPair } from '@auth-service/protocol';
import type { Database } from '../db/port.js';
import { insertSessionForCredentials } from '../db/repos/sessions.js';
import type { Clock, RequestContext } from './context.js';
import { newSessionId, newTokenId, type Tokens } from './tokens.js';

/** Longest user agent kept with a session (the audit trail keeps as much). */
const USER_AGENT_MAX = 512;

export interface OpenSessionDeps {
  db: Database;
  tokens: Pick<Tokens, 'mint'>;
  now: Clock;
}

/**
 * Opens a session for a user whose password hash was just verified; null when that hash is no
 * longer the user's or the user was disabled meanwhile (checked in the insert itself, under a
 * share lock on the user row, so that a concurrent set-password or disable either sees this
 * session and revokes it, or makes this insert find nothing).
 */
export async function openSession(
  deps: OpenSessionDeps,
  user: { id: number; passwordHash: string },
  ctx: RequestContext = {},
): Promise<TokenPair | null> {
  const sid = newSessionId();
  const refresh = deps.tokens.mint('refresh', user.id, sid, newTokenId());
  const access = deps.tokens.mint('access', user.id, sid);
  const opened = await insertSessionForCredentials(
    deps.db,
    {
      id: sid,
      userId: user.id,
      refreshJti: refresh.claims.jti,
      createdAt: new Date(deps.now()),
      expiresAt: new Date(refresh.claims.exp * 1000),
      clientAddress: ctx.clientIp,
      userAgent: ctx.userAgent?.slice(0, USER_AGENT_MAX),
    },
    user.passwordHash,
  );
  return opened ? { refresh: refresh.token, access: access.token } : null;
}
