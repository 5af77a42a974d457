// What an import did, counted as it goes: the summary the operator reads (and the audit event).
import { classifyHash } from '../../crypto/django-hashes.js';

/** A Django user not imported, and why (nothing here was overwritten). */
export type Conflict = { id: number; username: string; reason: string };

/** Conflicts listed by name in the summary (all are counted). */
const LISTED_CONFLICTS = 50;

export interface ImportSummary {
  source: string;
  dryRun: boolean;
  users: {
    seen: number;
    imported: number;
    updated: number;
    unchanged: number;
    conflicts: number;
    /** Password changed here since the last import (rehash at login, set-password): ours kept. */
    keptOurs: number;
    /** Disabled here, active in Django: left disabled. */
    keptDisabled: number;
  };
  conflicts: Conflict[];
  /** Users by the hash they log in with: a Django algorithm, or ours. */
  hashes: Record<string, number>;
  /** Users imported without a usable password, by why. */
  refused: { weak: Record<string, number>; unsupported: number; unusable: number };
  sessions: {
    /** False when the Django side has no token_blacklist tables. */
    available: boolean;
    seen: number;
    imported: number;
    blacklisted: number;
    /** Imported before, blacklisted there since: revoked here now. */
    revokedNow: number;
    skipped: { userNotImported: number; badJti: number };
  };
  /** What `user create` hands out next. */
  nextUserId: number | null;
  /** Imported sessions live after the import, and when the last one expires. */
  legacy: { liveSessions: number; lastExpiresAt: string | null };
  seconds: number;
  usersPerSecond: number;
}

export class ImportTally {
  readonly users = { seen: 0, imported: 0, updated: 0, unchanged: 0, conflicts: 0, keptOurs: 0, keptDisabled: 0 };
  readonly conflicts: Conflict[] = [];
  readonly hashes: Record<string, number> = {};
  readonly refused = { weak: {} as Record<string, number>, unsupported: 0, unusable: 0 };
  readonly sessions = {
    available: false,
    seen: 0,
    imported: 0,
    blacklisted: 0,
    revokedNow: 0,
    skipped: { userNotImported: 0, badJti: 0 },
  };

  conflict(conflict: Conflict): void {
    this.users.conflicts++;
    if (this.conflicts.length < LISTED_CONFLICTS) this.conflicts.push(conflict);
  }

  kept(ours: boolean, disabled: boolean): void {
    if (ours) this.users.keptOurs++;
    if (disabled) this.users.keptDisabled++;
  }
}

export function tallyHash(tally: ImportTally, password: string): void {
  const found = classifyHash(password);
  if (found.kind === 'django') tally.hashes[found.algorithm] = (tally.hashes[found.algorithm] ?? 0) + 1;
  else if (found.kind === 'argon2') tally.hashes.argon2id = (tally.hashes.argon2id ?? 0) + 1;
  else if (found.kind === 'weak') tally.refused.weak[found.algorithm] = (tally.refused.weak[found.algorithm] ?? 0) + 1;
  else if (found.kind === 'unusable') tally.refused.unusable++;
  else tally.refused.unsupported++;
}
