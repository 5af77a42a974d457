// Opening a session: one sessions row and a signed token pair that names it (sid).
import { newSessionId, newTokenId } from '../crypto/tokens.js';
import type { Queryable } from '../db/port.js';
import { insertSession } from '../db/repos/sessions.js';
import type { AuthDeps } from './deps.js';

export interface TokenPair {
  refresh: string;
  access: string;
}

export async function openSession(deps: AuthDeps, userId: number, db: Queryable = deps.db): Promise<TokenPair> {
  const sid = newSessionId();
  const refreshJti = newTokenId();
  const refresh = await deps.tokens.mint('refresh', userId, sid, refreshJti);
  const access = await deps.tokens.mint('access', userId, sid);
  await insertSession(db, {
    id: sid,
    userId,
    refreshJti,
    createdAt: new Date(deps.now()),
    expiresAt: new Date(refresh.claims.exp * 1000),
  });
  return { refresh: refresh.token, access: access.token };
}
