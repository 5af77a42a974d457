// The summary of `import django` as an operator reads it: what was imported, what was refused
// and why, and what to do about it.
import { legacyKeyAdvice } from '../auth/simplejwt/legacy-status.js';
import type { ImportSummary } from '../auth/simplejwt/summary.js';

const count = (value: Record<string, number>) =>
  Object.entries(value)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ') || 'none';

export function importSummaryLines(s: ImportSummary): string[] {
  const u = s.users;
  const lines = [
    `${s.dryRun ? 'DRY RUN (nothing written): ' : ''}import from ${s.source}`,
    `users: ${u.seen} read in ${s.seconds} s (${s.usersPerSecond}/s): ${u.imported} imported, ${u.updated} updated, ${u.unchanged} unchanged, ${u.conflicts} refused`,
    `  passwords that log in: ${count(s.hashes)} (rehashed to argon2id at each user's next login)`,
  ];
  if (u.keptOurs) lines.push(`  ${u.keptOurs} password(s) changed here since the last import: kept (never overwritten)`);
  if (u.keptDisabled)
    lines.push(`  ${u.keptDisabled} user(s) disabled here but active in Django: left disabled (auth-service user enable <name>)`);
  lines.push(...refusedLines(s), ...conflictLines(s), ...sessionLines(s));
  if (s.nextUserId !== null) lines.push(`next id for user create: ${s.nextUserId}`);
  lines.push(legacyKeyAdvice({ liveSessions: s.legacy.liveSessions, lastExpiresAt: s.legacy.lastExpiresAt }, false));
  return lines;
}

function refusedLines(s: ImportSummary): string[] {
  const { weak, unsupported, unusable } = s.refused;
  const weakTotal = Object.values(weak).reduce((a, b) => a + b, 0);
  const lines: string[] = [];
  if (unusable)
    lines.push(`  ${unusable} user(s) with Django's unusable password (!…): imported, cannot log in with a password (as there)`);
  if (weakTotal + unsupported === 0) return lines;
  lines.push(
    `  ${weakTotal + unsupported} user(s) imported WITHOUT a usable password: hash too weak to accept (${count(weak)}) or not supported (${unsupported})`,
    "    what to do: add a strong hasher first in Django's PASSWORD_HASHERS and let these users log in there once (Django",
    '    rehashes at login), then import again; or set a password here: auth-service user set-password <username>',
  );
  return lines;
}

function conflictLines(s: ImportSummary): string[] {
  if (s.users.conflicts === 0) return [];
  const listed = s.conflicts.map((c) => `    id ${c.id} "${c.username}": ${c.reason}`);
  const more = s.users.conflicts - s.conflicts.length;
  return [
    `  refused (nothing overwritten, their sessions not imported):`,
    ...listed,
    ...(more > 0 ? [`    … and ${more} more (--json lists the first ${s.conflicts.length})`] : []),
  ];
}

function sessionLines(s: ImportSummary): string[] {
  const t = s.sessions;
  if (!t.available) return ['sessions: none imported (no token_blacklist tables in the source: users will log in again)'];
  const skipped = t.skipped.userNotImported + t.skipped.badJti;
  return [
    `sessions: ${t.seen} unexpired refresh token(s) read: ${t.imported} new session(s); ${t.blacklisted} blacklisted there (refused here), ${t.revokedNow} of them since the last import`,
    ...(skipped
      ? [
          `  skipped: ${t.skipped.userNotImported} of users not imported here, ${t.skipped.badJti} with a jti that is not 32 hex digits`,
        ]
      : []),
  ];
}
