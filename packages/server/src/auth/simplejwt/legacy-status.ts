// "When can SIMPLEJWT_SIGNING_KEY go?": once no imported session is live, no token of the old
// service can be accepted any more (refresh tokens need their imported session; access tokens
// need their user to have one, auth/simplejwt/legacy-tokens.ts), and the setting can be removed.
import type { Database } from '../../db/port.js';
import { liveImportedSessions } from '../../db/repos/imported-sessions.js';
import type { Clock } from '../context.js';

export interface LegacyStatus {
  liveSessions: number;
  /** ISO time the last imported session expires, or null when none is live. */
  lastExpiresAt: string | null;
}

export async function legacySessionsLeft(deps: { db: Database; now: Clock }): Promise<LegacyStatus> {
  const { count, lastExpiresAt } = await liveImportedSessions(deps.db, new Date(deps.now()));
  return { liveSessions: count, lastExpiresAt: lastExpiresAt ? new Date(lastExpiresAt).toISOString() : null };
}

/** The sentence the service logs and the import prints. */
export function legacyKeyAdvice(status: LegacyStatus, keyConfigured: boolean): string {
  if (status.liveSessions > 0) {
    return `${status.liveSessions} imported SimpleJWT session(s) live, the last until ${status.lastExpiresAt}: keep SIMPLEJWT_SIGNING_KEY set until then`;
  }
  return keyConfigured
    ? 'no imported SimpleJWT session is live any more: SIMPLEJWT_SIGNING_KEY can be removed'
    : 'no imported SimpleJWT session is live';
}
