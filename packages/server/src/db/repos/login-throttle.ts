// login_throttle table: one row per account (`a:…`) or client address (`c:…`) holding its
// failures and its turns in flight (`leases`). Each function is one statement, so it is atomic
// across every instance: INSERT … ON CONFLICT DO UPDATE computes from the row it has locked.
import { one, type Queryable } from '../port.js';

/**
 * Every statement here commits without waiting for its WAL to reach the disk
 * (synchronous_commit = off for its own implicit transaction; PostgreSQL applies the setting in
 * force at commit, and `set_config(…, true)` scopes it to the transaction, so nothing leaks to
 * the connection, behind a transaction pooler either). A database crash can then forget the
 * last fraction of a second of throttle writes (at most 3 × wal_writer_delay, 600 ms by
 * default): a few failures uncounted, or a turn that its lease expires instead. Nothing a
 * client was told depends on them, and a login waits for five flushes fewer
 * (docs/performance.md). Sessions, audit events and revocations stay synchronous.
 */
const RELAXED = "set_config('synchronous_commit', 'off', true) AS relaxed";

/** Granted: a turn is held until settled or expired; wait: every turn is taken; Date: refused until then. */
export type TurnAnswer = 'granted' | 'wait' | Date;
/** How an attempt ended: a right password, a failure (wrong, unknown, disabled), or no verdict. */
export type Outcome = 'success' | 'failure' | 'none';

export interface AccountPolicy {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failures are forgotten after this long without an attempt. */
  memoryMs: number;
  /** Longest a turn is held when its attempt never settles (a dead instance). */
  leaseMs: number;
}

export interface ClientPolicy {
  /** Failures per window. */
  limit: number;
  windowMs: number;
  leaseMs: number;
}

/** The live turns of row `t` (expired ones dropped) and their count, as columns `live`, `held`. */
const LIVE_TURNS = `SELECT coalesce(jsonb_object_agg(l.key, l.value) FILTER (WHERE l.value::float8 > $4), '{}'::jsonb) AS live,
                           count(*) FILTER (WHERE l.value::float8 > $4) AS held
                    FROM jsonb_each(t.leases) AS l`;

/**
 * Takes a turn on an account: refused while its delay runs; granted while failures + turns in
 * flight stay under the free failures (one turn at a time once they are spent), so parallel
 * guesses cannot get more passwords checked than sequential ones; otherwise wait.
 */
export async function takeAccountTurn(db: Queryable, key: string, id: string, now: Date, p: AccountPolicy): Promise<TurnAnswer> {
  // $1 key, $2 id, $3 now, $4 now ms, $5 lease expiry ms, $6 free failures, $7 memory ms.
  const row = await one<{ granted: boolean; blockedUntil: Date | null }>(
    db,
    `WITH p AS (SELECT $3::timestamptz AS now, $6::int AS free, make_interval(secs => $7::float8 / 1000) AS memory,
                       jsonb_build_object($2::text, $5::float8) AS lease, ${RELAXED})
     INSERT INTO login_throttle AS t (key, failures, window_start, updated_at, leases)
     SELECT $1, 0, p.now, p.now, p.lease FROM p
     ON CONFLICT (key) DO UPDATE SET (failures, blocked_until, leases, updated_at) = (
       SELECT f.failures, f.blocked,
              CASE WHEN (f.blocked IS NULL OR f.blocked <= p.now) AND s.held < greatest(1, p.free - f.failures)
                   THEN s.live || p.lease ELSE s.live END,
              p.now
       FROM p,
            LATERAL (SELECT CASE WHEN t.updated_at < p.now - p.memory THEN 0 ELSE t.failures END AS failures,
                            CASE WHEN t.updated_at < p.now - p.memory THEN NULL ELSE t.blocked_until END AS blocked) f,
            LATERAL (${LIVE_TURNS}) s)
     RETURNING leases ? $2::text AS granted, blocked_until AS "blockedUntil"`,
    [key, id, now, now.getTime(), now.getTime() + p.leaseMs, p.freeFailures, p.memoryMs],
  );
  if (!row) return 'wait'; // cannot happen (the upsert returns its row): never a turn by default
  if (row.granted) return 'granted';
  if (row.blockedUntil && row.blockedUntil > now) return row.blockedUntil;
  return 'wait';
}

/** Takes a turn on a client address: refused once its failures reach the limit in the window. */
export async function takeClientTurn(db: Queryable, key: string, id: string, now: Date, p: ClientPolicy): Promise<TurnAnswer> {
  // $1 key, $2 id, $3 now, $4 now ms, $5 lease expiry ms, $6 limit, $7 window ms.
  const row = await one<{ granted: boolean; failures: number; windowStart: Date }>(
    db,
    `WITH p AS (SELECT $3::timestamptz AS now, $6::int AS lim, make_interval(secs => $7::float8 / 1000) AS win,
                       jsonb_build_object($2::text, $5::float8) AS lease, ${RELAXED})
     INSERT INTO login_throttle AS t (key, failures, window_start, updated_at, leases)
     SELECT $1, 0, p.now, p.now, p.lease FROM p
     ON CONFLICT (key) DO UPDATE SET (failures, leases, updated_at) = (
       SELECT f.failures, CASE WHEN f.failures + s.held < p.lim THEN s.live || p.lease ELSE s.live END, p.now
       FROM p,
            LATERAL (SELECT CASE WHEN t.window_start <= p.now - p.win THEN 0 ELSE t.failures END AS failures) f,
            LATERAL (${LIVE_TURNS}) s)
     RETURNING leases ? $2::text AS granted, failures, window_start AS "windowStart"`,
    [key, id, now, now.getTime(), now.getTime() + p.leaseMs, p.limit, p.windowMs],
  );
  if (!row) return 'wait'; // cannot happen (the upsert returns its row): never a turn by default
  if (row.granted) return 'granted';
  if (row.failures >= p.limit) return new Date(row.windowStart.getTime() + p.windowMs);
  return 'wait';
}

/**
 * Ends a turn on an account. A failure counts, and from the free failures on sets the delay
 * before the next turn: base x 2^(failures - free), capped. A success clears the failures.
 */
export async function settleAccountTurn(
  db: Queryable,
  key: string,
  id: string,
  outcome: Outcome,
  now: Date,
  p: AccountPolicy,
): Promise<void> {
  if (outcome !== 'failure') return endTurn(db, key, id, outcome === 'success');
  // The exponent is capped: 2^60 x base is past any maximum delay, and an uncapped power()
  // overflows (an error, for every later login of the account) after ~1000 failures.
  await db.query(
    `WITH p AS (SELECT $3::timestamptz AS now, $4::int AS free, $5::float8 AS base, $6::float8 AS max, ${RELAXED})
     INSERT INTO login_throttle AS t (key, failures, window_start, blocked_until, updated_at)
     SELECT $1, 1, p.now, CASE WHEN p.free <= 1 THEN p.now + make_interval(secs => p.base / 1000) END, p.now FROM p
     ON CONFLICT (key) DO UPDATE SET
       failures = t.failures + 1,
       blocked_until = (SELECT CASE WHEN t.failures + 1 >= p.free
         THEN p.now + make_interval(secs => LEAST(p.max, p.base * power(2, LEAST(t.failures + 1 - p.free, 60))) / 1000)
         ELSE t.blocked_until END FROM p),
       leases = t.leases - $2::text,
       updated_at = $3::timestamptz`,
    [key, id, now, p.freeFailures, p.baseDelayMs, p.maxDelayMs],
  );
}

/** Ends a turn on a client address: only a failure counts (in the window it falls in). */
export async function settleClientTurn(
  db: Queryable,
  key: string,
  id: string,
  outcome: Outcome,
  now: Date,
  p: ClientPolicy,
): Promise<void> {
  if (outcome !== 'failure') return endTurn(db, key, id, false);
  await db.query(
    `WITH p AS (SELECT $3::timestamptz AS now, make_interval(secs => $4::float8 / 1000) AS win, ${RELAXED})
     INSERT INTO login_throttle AS t (key, failures, window_start, updated_at) SELECT $1, 1, p.now, p.now FROM p
     ON CONFLICT (key) DO UPDATE SET
       failures = CASE WHEN t.window_start <= (SELECT now - win FROM p) THEN 1 ELSE t.failures + 1 END,
       window_start = CASE WHEN t.window_start <= (SELECT now - win FROM p) THEN $3::timestamptz ELSE t.window_start END,
       leases = t.leases - $2::text,
       updated_at = $3::timestamptz`,
    [key, id, now, p.windowMs],
  );
}

/**
 * Gives turn `id` back (clearing the failures when `reset`). A row left with no failures and
 * no turns is deleted, so that the table holds only keys that something is happening to.
 */
async function endTurn(db: Queryable, key: string, id: string, reset: boolean): Promise<void> {
  await db.query(
    `WITH gone AS (
       DELETE FROM login_throttle
       WHERE key = $1 AND leases - $2::text = '{}'::jsonb AND (failures = 0 OR $3::boolean) RETURNING 1),
     kept AS (
       UPDATE login_throttle SET leases = leases - $2::text,
         failures = CASE WHEN $3::boolean THEN 0 ELSE failures END,
         blocked_until = CASE WHEN $3::boolean THEN NULL ELSE blocked_until END
       WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM gone) RETURNING 1)
     SELECT ${RELAXED}`,
    [key, id, reset],
  );
}

export async function deleteStaleThrottleRows(db: Queryable, before: Date, limit: number): Promise<number> {
  const rows = await db.query(
    `DELETE FROM login_throttle WHERE key IN (
       SELECT key FROM login_throttle WHERE updated_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING 1`,
    [before, limit],
  );
  return rows.length;
}
