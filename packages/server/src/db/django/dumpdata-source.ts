// A `manage.py dumpdata` JSON file: `dumpdata auth.user` for the users, and optionally the
// token_blacklist app too (`dumpdata auth.user token_blacklist`) for the sessions. The whole
// file is parsed at once (100,000 users are ~30 MB); what is not Django's shape is refused.
import { readFile } from 'node:fs/promises';
import { type DjangoSource, type DjangoToken, type DjangoUser, SourceError } from './source.js';

interface Entry {
  model?: unknown;
  pk?: unknown;
  fields?: Record<string, unknown>;
}

export async function openDumpdata(path: string): Promise<DjangoSource> {
  const entries = await readEntries(path);
  const users = entries.filter((e) => e.model === 'auth.user').map((e, i) => userOf(e, i));
  users.sort((a, b) => a.id - b.id);
  const outstanding = entries.filter((e) => e.model === 'token_blacklist.outstandingtoken');
  const blacklisted = new Map(
    entries
      .filter((e) => e.model === 'token_blacklist.blacklistedtoken')
      .map((e) => [Number(e.fields?.token), dateOf(e.fields?.blacklisted_at)] as const),
  );
  return {
    description: path,
    size: async () => ({ users: users.length, maxUserId: users.at(-1)?.id ?? 0 }),
    users: (batchSize) => batches(users, batchSize),
    async tokens(batchSize, now) {
      if (outstanding.length === 0) return null;
      const tokens = outstanding.map((e) => tokenOf(e, blacklisted.get(Number(e.pk)) ?? null));
      return batches(
        tokens.filter((t) => t.expiresAt > now),
        batchSize,
      );
    },
    close: async () => {},
  };
}

async function readEntries(path: string): Promise<Entry[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new SourceError(`cannot read ${path} as a dumpdata JSON file: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new SourceError(`${path} is not a dumpdata JSON file (a list of objects)`);
  return parsed as Entry[];
}

function userOf(entry: Entry, index: number): DjangoUser {
  const f = entry.fields ?? {};
  const id = Number(entry.pk);
  if (!Number.isSafeInteger(id) || typeof f.username !== 'string' || typeof f.password !== 'string') {
    throw new SourceError(`auth.user entry ${index}: needs an integer pk, a username and a password`);
  }
  return { id, username: f.username, password: f.password, isActive: f.is_active !== false, dateJoined: dateOf(f.date_joined) };
}

function tokenOf(entry: Entry, blacklistedAt: Date | null): DjangoToken {
  const f = entry.fields ?? {};
  const expiresAt = dateOf(f.expires_at);
  if (typeof f.jti !== 'string' || !expiresAt)
    throw new SourceError(`outstandingtoken ${String(entry.pk)}: needs a jti and expires_at`);
  const userId = f.user === null || f.user === undefined ? null : Number(f.user);
  return { jti: f.jti, userId, createdAt: dateOf(f.created_at), expiresAt, blacklistedAt };
}

function dateOf(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

async function* batches<T>(items: T[], size: number): AsyncIterable<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
