// What the login-throttle tests share: the stores they run on (PGlite, PostgreSQL, Redis),
// logins from chosen addresses, a second instance, and counters of what was really checked.
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { DRIVERS, type Driver, type TestApp } from './app.js';

// A database of its own on the machine's Redis; keys carry a per-run tag and are deleted after.
// TEST_REDIS_DB picks another database, for test runs that share one Redis.
export const REDIS_URL = `redis://127.0.0.1:6379/${process.env.TEST_REDIS_DB ?? '15'}`;
const TAG = randomBytes(4).toString('hex');

async function redisReachable(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

export const redisUp = await redisReachable();

export interface Variant {
  name: string;
  driver: Driver;
  env: Record<string, string>;
  skip?: string | false;
}

/** Every store of the counters: the database (both drivers), and Redis. */
export const VARIANTS: Variant[] = [
  ...DRIVERS.map((driver) => ({ name: driver, driver, env: {} })),
  {
    name: 'redis',
    driver: DRIVERS.includes('postgres') ? 'postgres' : 'pglite',
    env: { REDIS_URL },
    skip: redisUp ? false : 'Redis on 127.0.0.1:6379 is not reachable',
  },
];

/** A username unique to this run, so Redis counters of earlier runs cannot interfere. */
export const uname = (name: string) => `${name}-${TAG}`;

/** A client address nobody else uses (per-client counters are keyed by address). */
export const freshIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

export interface Attempt {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

export async function attempt(
  app: FastifyInstance,
  username: string,
  password: string,
  from: { ip?: string; xff?: string } = {},
): Promise<Attempt> {
  const res = await app.inject({
    method: 'POST',
    url: '/auth/login/',
    remoteAddress: from.ip,
    headers: { 'content-type': 'application/json', ...(from.xff ? { 'x-forwarded-for': from.xff } : {}) },
    payload: JSON.stringify({ username, password }),
  });
  return { status: res.statusCode, body: res.json(), headers: res.headers };
}

export const right = (username: string) => `${username}-password-1`;
export const WRONG = 'not-the-password';

export function assertThrottled(res: Attempt): number {
  assert.equal(res.status, 429, JSON.stringify(res.body));
  assert.deepEqual(res.body, { detail: 'Too many login attempts. Try again later.', code: 'throttled' });
  const retryAfter = String(res.headers['retry-after']);
  assert.match(retryAfter, /^\d+$/, 'Retry-After is a whole number of seconds');
  return Number(retryAfter);
}

/** How many answers had each status, e.g. { 200: 48, 429: 2 }. */
export function tally(results: { status: number }[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { status } of results) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/** Runs `action` and counts the jobs the password hasher ran to completion meanwhile. */
export async function countHashing<T>(t: Pick<TestApp, 'deps'>, action: () => Promise<T>): Promise<{ jobs: number; result: T }> {
  const limiter = t.deps.passwords.limiter;
  const run = limiter.run;
  let jobs = 0;
  limiter.run = async <J>(job: () => Promise<J>): Promise<J> => {
    const value = await run.call<typeof limiter, [() => Promise<J>], Promise<J>>(limiter, job);
    jobs++;
    return value;
  };
  try {
    return { result: await action(), jobs };
  } finally {
    limiter.run = run;
  }
}

/** The `login_failed` rows of the audit trail, for one username or one client address. */
export async function loginFailures(t: TestApp, who: { username?: string; clientIp?: string }): Promise<number> {
  const [row] = await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM audit_events WHERE event = 'login_failed'
       AND ($1::text IS NULL OR username = $1) AND ($2::text IS NULL OR client_ip = $2)`,
    [who.username ?? null, who.clientIp ?? null],
  );
  return row?.n ?? 0;
}

/** Deletes this run's account keys from Redis (client keys expire within a window). */
export async function cleanUpRedis(): Promise<void> {
  if (!redisUp) return;
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`auth-throttle:a:*-${TAG}`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}
