// login_throttle table: atomic counters (one statement each), shared by every instance.
import { one, type Queryable } from '../port.js';

export interface AccountPolicy {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failures are forgotten after this long without an attempt. */
  memoryMs: number;
}

/**
 * Counts one attempt on an account unless it is inside its delay. The attempt is counted
 * before the password is checked, so parallel guesses cannot all pass a check that only a
 * finished failure would close. Returns null when counted, or the time the delay ends.
 */
export async function reserveAccountAttempt(db: Queryable, key: string, now: Date, p: AccountPolicy): Promise<Date | null> {
  // Parameters: $1 key, $2 now, $3 free failures, $4 base delay ms, $5 max delay ms, $6 memory ms.
  // The doubling's exponent is capped: 2^60 x base is past any maximum delay, and an uncapped
  // power() overflows (an error, for every later login of the account) after ~1000 failures.
  const counted = await one(
    db,
    `WITH p AS (SELECT $2::timestamptz AS now, $3::int AS free, $4::float8 AS base, $5::float8 AS max,
                       make_interval(secs => $6::float8 / 1000) AS memory)
     INSERT INTO login_throttle AS t (key, failures, window_start, blocked_until, updated_at)
     SELECT $1, 1, p.now, CASE WHEN p.free <= 1 THEN p.now + make_interval(secs => p.base / 1000) END, p.now FROM p
     ON CONFLICT (key) DO UPDATE SET
       failures = CASE WHEN t.updated_at < (SELECT now - memory FROM p) THEN 1 ELSE t.failures + 1 END,
       blocked_until = (SELECT CASE
         WHEN t.updated_at < p.now - p.memory THEN NULL
         WHEN t.failures + 1 >= p.free THEN p.now + make_interval(secs => LEAST(p.max, p.base * power(2, LEAST(t.failures + 1 - p.free, 60))) / 1000)
       END FROM p),
       updated_at = (SELECT now FROM p)
     WHERE t.blocked_until IS NULL OR t.blocked_until <= (SELECT now FROM p)
     RETURNING 1`,
    [key, now, p.freeFailures, p.baseDelayMs, p.maxDelayMs, p.memoryMs],
  );
  if (counted) return null;
  const row = await one<{ blockedUntil: Date | null }>(
    db,
    'SELECT blocked_until AS "blockedUntil" FROM login_throttle WHERE key = $1',
    [key],
  );
  return row?.blockedUntil ?? now;
}

/**
 * Fixed-window counter per client. Returns null while under `limit`, else the end of the
 * window.
 */
export async function countClientAttempt(
  db: Queryable,
  key: string,
  now: Date,
  limit: number,
  windowMs: number,
): Promise<Date | null> {
  const row = await one<{ failures: number; windowStart: Date }>(
    db,
    `INSERT INTO login_throttle AS t (key, failures, window_start, updated_at) VALUES ($1, 1, $2::timestamptz, $2::timestamptz)
     ON CONFLICT (key) DO UPDATE SET
       failures = CASE WHEN t.window_start <= $2::timestamptz - make_interval(secs => $3::float8 / 1000) THEN 1 ELSE t.failures + 1 END,
       window_start = CASE WHEN t.window_start <= $2::timestamptz - make_interval(secs => $3::float8 / 1000) THEN $2::timestamptz ELSE t.window_start END,
       updated_at = $2::timestamptz
     RETURNING failures, window_start AS "windowStart"`,
    [key, now, windowMs],
  );
  if (!row || row.failures <= limit) return null;
  return new Date(row.windowStart.getTime() + windowMs);
}

export async function clearThrottleKey(db: Queryable, key: string): Promise<void> {
  await db.query('DELETE FROM login_throttle WHERE key = $1', [key]);
}

export async function deleteStaleThrottleRows(db: Queryable, before: Date, limit: number): Promise<number> {
  const rows = await db.query(
    `DELETE FROM login_throttle WHERE key IN (
       SELECT key FROM login_throttle WHERE updated_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING 1`,
    [before, limit],
  );
  return rows.length;
}
