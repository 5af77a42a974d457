// What `import django` reads from a Django + SimpleJWT service: auth_user, and the outstanding
// and blacklisted refresh tokens of SimpleJWT's token_blacklist app. Two sources give the same
// batches: the Django database itself (postgres-source.ts) and a `manage.py dumpdata` JSON file
// (dumpdata-source.ts).

export interface DjangoUser {
  id: number;
  username: string;
  /** Django's encoded password ("pbkdf2_sha256$260000$…", "!…" when unusable). */
  password: string;
  isActive: boolean;
  dateJoined: Date | null;
}

export interface DjangoToken {
  jti: string;
  userId: number | null;
  createdAt: Date | null;
  expiresAt: Date;
  blacklistedAt: Date | null;
}

export interface DjangoSource {
  /** Where it reads from, for the summary (a database URL without its password, or a file). */
  readonly description: string;
  /** How many users there are and the largest id (the id sequence here moves past it first). */
  size(): Promise<{ users: number; maxUserId: number }>;
  /** Every user, in id order, `batchSize` at a time. */
  users(batchSize: number): AsyncIterable<DjangoUser[]>;
  /** Refresh tokens that expire after `now`, with their blacklisting; null without the token_blacklist app. */
  tokens(batchSize: number, now: Date): Promise<AsyncIterable<DjangoToken[]> | null>;
  close(): Promise<void>;
}

/** A source that cannot be read (unreachable database, unreadable file, not Django's shape). */
export class SourceError extends Error {
  override name = 'SourceError';
}
