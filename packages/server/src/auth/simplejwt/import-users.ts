// One batch of Django users: each is inserted with its id, updated (a re-import), left as it
// is, or refused as a conflict. A user here is never overwritten by a Django user of another
// id or name; a password changed here (argon2id rehash, set-password) is never replaced; a user
// disabled in Django is disabled here (and its sessions end), never the other way round.
import { usernameProblem } from '@auth-service/protocol';
import { classifyHash } from '../../crypto/django-hashes.js';
import type { DjangoUser } from '../../db/django/source.js';
import type { Transaction } from '../../db/port.js';
import {
  type ExistingUser,
  findUsersByIdsOrNames,
  type ImportedUser,
  insertImportedUsers,
  updateImportedUsers,
} from '../../db/repos/imported-users.js';
import { revokeUserSessions } from '../../db/repos/sessions.js';
import { type Conflict, type ImportTally, tallyHash } from './summary.js';

/** Our ids are PostgreSQL integers. */
const MAX_ID = 2_147_483_647;

type Decision =
  | { do: 'insert'; user: ImportedUser }
  | { do: 'update'; user: ImportedUser; expected: string; deactivate: boolean; keptOurs: boolean; keptDisabled: boolean }
  | { do: 'unchanged'; keptOurs: boolean; keptDisabled: boolean }
  | { do: 'conflict'; conflict: Conflict };

/** What the import stores for a Django hash: the hash itself when we verify it, else an unusable marker. */
export function storedHash(password: string): string {
  const found = classifyHash(password);
  if (found.kind === 'django' || found.kind === 'argon2' || found.kind === 'unusable') return password;
  // A weak hash is not kept at rest: a copy of the table would be as good as the passwords.
  return found.kind === 'weak' ? `!refused:${found.algorithm}` : '!refused:unsupported';
}

export function decideUser(django: DjangoUser, byId: ExistingUser | undefined, byName: ExistingUser | undefined): Decision {
  const conflict = (reason: string): Decision => ({
    do: 'conflict',
    conflict: { id: django.id, username: django.username, reason },
  });
  if (!Number.isSafeInteger(django.id) || django.id < 1 || django.id > MAX_ID) return conflict('id out of range');
  const problem = usernameProblem(django.username);
  if (problem) return conflict(`username refused: ${problem}`);
  if (byName && byName.id !== django.id) return conflict(`username exists here with id ${byName.id}`);
  if (byId && byId.username !== django.username) return conflict(`id ${django.id} is "${byId.username}" here`);
  const hash = storedHash(django.password);
  const user = {
    id: django.id,
    username: django.username,
    passwordHash: hash,
    isActive: django.isActive,
    createdAt: django.dateJoined,
  };
  if (!byId) return { do: 'insert', user };
  const keptOurs = byId.passwordHash !== byId.importedPasswordHash;
  const keptDisabled = django.isActive && !byId.isActive;
  const isActive = byId.isActive && django.isActive;
  const passwordChanges = !keptOurs && byId.passwordHash !== hash;
  if (!passwordChanges && isActive === byId.isActive) return { do: 'unchanged', keptOurs, keptDisabled };
  const expected = byId.importedPasswordHash ?? '';
  return { do: 'update', user: { ...user, isActive }, expected, deactivate: byId.isActive && !isActive, keptOurs, keptDisabled };
}

/** Imports one batch in `tx`; returns the ids now held by these Django users (their sessions may be imported). */
export async function importUserBatch(tx: Transaction, batch: DjangoUser[], tally: ImportTally, now: Date): Promise<number[]> {
  const existing = await findUsersByIdsOrNames(
    tx,
    batch.map((u) => u.id).filter((id) => Number.isSafeInteger(id) && id > 0 && id <= MAX_ID),
    batch.map((u) => u.username),
  );
  const byId = new Map(existing.map((u) => [u.id, u]));
  const byName = new Map(existing.map((u) => [u.username, u]));
  const inserts: ImportedUser[] = [];
  const updates: Parameters<typeof updateImportedUsers>[1] = [];
  const deactivated: number[] = [];
  const held: number[] = [];
  for (const django of batch) {
    const decision = decideUser(django, byId.get(django.id), byName.get(django.username));
    if (decision.do === 'conflict') {
      tally.conflict(decision.conflict);
      continue;
    }
    tallyHash(tally, django.password);
    held.push(django.id);
    if (decision.do === 'insert') inserts.push(decision.user);
    else tally.kept(decision.keptOurs, decision.keptDisabled);
    if (decision.do === 'unchanged') tally.users.unchanged++;
    if (decision.do !== 'update') continue;
    updates.push({ ...decision.user, expected: decision.expected });
    if (decision.deactivate) deactivated.push(django.id);
  }
  const inserted = await insertImportedUsers(tx, inserts);
  for (const user of inserts) {
    if (inserted.has(user.id)) continue;
    // Taken between our read and the insert (a user create running beside the import).
    tally.conflict({ id: user.id, username: user.username, reason: 'created here while importing' });
    held.splice(held.indexOf(user.id), 1);
  }
  await updateImportedUsers(tx, updates);
  for (const id of deactivated) await revokeUserSessions(tx, id, 'user_disabled', now);
  tally.users.imported += inserted.size;
  tally.users.updated += updates.length;
  return held;
}
