// One batch of SimpleJWT refresh tokens (token_blacklist_outstandingtoken, joined with the
// blacklist): each live one becomes a session of its user here (session-id.ts), revoked when
// the token was blacklisted there. Only for users this import holds: a token of a user that
// conflicted (another person has that id here) must never open a session for that person.
import { JTI_PATTERN } from '@auth-service/protocol';
import type { DjangoToken } from '../../db/django/source.js';
import type { Transaction } from '../../db/port.js';
import { type ImportedSession, upsertImportedSessions } from '../../db/repos/imported-sessions.js';
import { importedSessionId } from './session-id.js';
import type { ImportTally } from './summary.js';

export async function importTokenBatch(tx: Transaction, batch: DjangoToken[], held: Set<number>, tally: ImportTally, now: Date) {
  const sessions: ImportedSession[] = [];
  for (const token of batch) {
    tally.sessions.seen++;
    if (token.userId === null || !held.has(token.userId)) {
      tally.sessions.skipped.userNotImported++;
      continue;
    }
    // SimpleJWT's jti is uuid4().hex; anything else cannot be a refresh_jti (a uuid) here.
    if (!JTI_PATTERN.test(token.jti)) {
      tally.sessions.skipped.badJti++;
      continue;
    }
    if (token.blacklistedAt) tally.sessions.blacklisted++;
    sessions.push({
      id: importedSessionId(token.jti),
      userId: token.userId,
      jti: token.jti,
      createdAt: token.createdAt ?? now,
      expiresAt: token.expiresAt,
      revokedAt: token.blacklistedAt,
    });
  }
  const { inserted, revoked } = await upsertImportedSessions(tx, sessions);
  tally.sessions.imported += inserted;
  tally.sessions.revokedNow += revoked;
}
