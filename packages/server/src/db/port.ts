// The narrow port every repository talks to. Two drivers implement it: PostgreSQL (pg) and
// the embedded PGlite. Repositories write plain SQL that both understand.

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

declare const inTransaction: unique symbol;

/**
 * A connection inside an open transaction. Only Database.transaction() makes one, so a function
 * that takes a Transaction (a row lock, an advisory lock, a setting scoped to the transaction)
 * cannot be handed the pool by mistake: that would lock nothing, or lose the setting at once.
 */
export interface Transaction extends Queryable {
  readonly [inTransaction]: true;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs fn in one transaction (READ COMMITTED); rolls back if it throws. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  /**
   * LISTEN on `channel`: `onNotify` runs with the payload of every NOTIFY on it, and once more,
   * with '', each time the listening connection comes back after a loss (notifications sent
   * while it was away are gone, so the caller catches up by reading). `onState` hears whether
   * notifications can arrive at all: true once the LISTEN is in place (and again after each
   * reconnect, before that ''), false the moment the connection is lost. Never true where
   * nothing can be heard (behind a transaction pooler without DATABASE_LISTEN_URL). Resolves
   * with a stopper.
   */
  listen(channel: string, onNotify: (payload: string) => void, onState?: ListenState): Promise<() => Promise<void>>;
  /** The connection pool now, and its failures since start (PostgreSQL; PGlite has no pool). */
  stats?(): PoolStats;
  close(): Promise<void>;
}

export type ListenState = (listening: boolean) => void;

export interface PoolStats {
  /** Connections open, idle among them, and requests waiting for one. */
  total: number;
  idle: number;
  waiting: number;
  /** Connection failures and timeouts (answered as 503 database), and idle connections lost. */
  errors: number;
}

/** First row or null: an expected absence is a value, not an error. */
export async function one<T>(db: Queryable, sql: string, params?: readonly unknown[]): Promise<T | null> {
  const rows = await db.query<T>(sql, params);
  return rows[0] ?? null;
}

/** Marks a driver's connection-in-a-transaction as such (drivers only). */
export const asTransaction = (queryable: Queryable) => queryable as Transaction;
