// Throttle counters in Redis (REDIS_URL): the same policy as the database store, each
// operation one Lua script, so it is atomic across every instance sharing the Redis. A Redis
// that does not answer is a 503 naming Redis, never one blamed on the database.
import { Redis } from 'ioredis';
import { unavailable } from '../errors.js';
import { FAILURE_MEMORY_MS, type ThrottlePolicy, type ThrottleStore } from './throttle.js';

// KEYS[1] account key; ARGV: now ms, free failures, base delay ms, max delay ms, memory ms.
// Returns 0 when the attempt is counted, else the ms timestamp its delay ends.
const RESERVE_ACCOUNT = `
local h = redis.call('HMGET', KEYS[1], 'f', 'b', 'u')
local now = tonumber(ARGV[1])
local f, b, u = tonumber(h[1]) or 0, tonumber(h[2]) or 0, tonumber(h[3]) or 0
if b > now then return b end
if u < now - tonumber(ARGV[5]) then f = 0 end
f = f + 1
local nb = 0
if f >= tonumber(ARGV[2]) then nb = now + math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * 2 ^ (f - tonumber(ARGV[2]))) end
redis.call('HSET', KEYS[1], 'f', f, 'b', nb, 'u', now)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 0`;

// KEYS[1] client key; ARGV: now ms, limit, window ms. Returns 0 under the limit, else window end.
const COUNT_CLIENT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
if n > tonumber(ARGV[2]) then return tonumber(ARGV[1]) + redis.call('PTTL', KEYS[1]) end
return 0`;

/** Builds the client without connecting: connect() is the start-up step that does. */
export function redisThrottleStore(url: string, p: ThrottlePolicy): ThrottleStore {
  // No offline queue and one retry: when Redis is down a login must fail fast (503), not hang.
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  redis.on('error', () => {}); // reconnects by itself; each failed command reports its own error
  const call = <T>(command: Promise<T>) => command.catch((err) => Promise.reject(unavailable('redis', err)));
  const run = async (script: string, key: string, args: number[]) =>
    Number(await call(redis.eval(script, 1, `auth-throttle:${key}`, ...args)));
  const asDate = (ms: number) => (ms > 0 ? new Date(ms) : null);
  return {
    reserveAccount: async (key, now) =>
      asDate(await run(RESERVE_ACCOUNT, key, [now.getTime(), p.freeFailures, p.baseDelayMs, p.maxDelayMs, FAILURE_MEMORY_MS])),
    countClient: async (key, now) => asDate(await run(COUNT_CLIENT, key, [now.getTime(), p.clientLimit, p.clientWindowMs])),
    async clear(key) {
      await call(redis.del(`auth-throttle:${key}`));
    },
    async connect() {
      try {
        await redis.connect();
      } catch (err) {
        // Otherwise the client keeps reconnecting in the background, and the process never exits.
        redis.disconnect();
        throw unavailable('redis', err);
      }
    },
    async ping() {
      await call(redis.ping());
    },
    close: async () => void redis.disconnect(),
  };
}
