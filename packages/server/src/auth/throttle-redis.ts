// Throttle counters in Redis (REDIS_URL): the same policy as the database store, each
// operation one Lua script, so it is atomic across every instance sharing the Redis. A Redis
// that does not answer is a 503 naming Redis, never one blamed on the database.
// One hash per key: f failures, b blocked until (ms), u last attempt (ms), w window start
// (ms), and one field `l:<id>` per turn in flight holding its expiry (ms).
import { Redis } from 'ioredis';
import type { Outcome, TurnAnswer } from '../db/repos/login-throttle.js';
import { unavailable } from '../errors.js';
import { FAILURE_MEMORY_MS, type ThrottlePolicy, type ThrottleStore } from './throttle.js';

// Reads the hash into f, b, u, w and counts the live turns (held), deleting expired ones.
const READ = `
local now = tonumber(ARGV[1])
local f, b, u, w, held = 0, 0, 0, 0, 0
local h = redis.call('HGETALL', KEYS[1])
for i = 1, #h, 2 do
  local k, v = h[i], tonumber(h[i + 1]) or 0
  if k == 'f' then f = v elseif k == 'b' then b = v elseif k == 'u' then u = v elseif k == 'w' then w = v
  elseif v > now then held = held + 1 else redis.call('HDEL', KEYS[1], k) end
end`;

// ARGV: now, id, lease expiry, free failures, memory ms. Returns 0 granted, -1 wait, else the
// ms its delay ends. One turn at a time once the free failures are spent (see takeAccountTurn).
const TAKE_ACCOUNT = `${READ}
if u < now - tonumber(ARGV[5]) then f, b = 0, 0 end
local granted = b <= now and held < math.max(1, tonumber(ARGV[4]) - f)
if granted then redis.call('HSET', KEYS[1], 'l:' .. ARGV[2], ARGV[3]) end
redis.call('HSET', KEYS[1], 'f', f, 'b', b, 'u', now)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if granted then return 0 end
if b > now then return b end
return -1`;

// ARGV: now, id, lease expiry, limit, window ms, key ttl ms. Returns 0, -1, or the window end.
const TAKE_CLIENT = `
if redis.call('TYPE', KEYS[1]).ok == 'string' then redis.call('DEL', KEYS[1]) end -- an older version's counter
${READ}
if w <= now - tonumber(ARGV[5]) then f = 0 end
if f >= tonumber(ARGV[4]) then return w + tonumber(ARGV[5]) end
if f + held >= tonumber(ARGV[4]) then return -1 end
redis.call('HSET', KEYS[1], 'l:' .. ARGV[2], ARGV[3], 'f', f)
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 0`;

// Ends turn ARGV[2] without a failure (ARGV[3] = 1: a success, which clears the failures);
// a key left with no failures and no turns is deleted.
const END_TURN = `
redis.call('HDEL', KEYS[1], 'l:' .. ARGV[2])
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'f', 0, 'b', 0) end
${READ}
if f == 0 and held == 0 then redis.call('DEL', KEYS[1]) end
return 0`;

// ARGV: now, id, free failures, base delay ms, max delay ms, memory ms.
const FAIL_ACCOUNT = `
redis.call('HDEL', KEYS[1], 'l:' .. ARGV[2])
local now, free = tonumber(ARGV[1]), tonumber(ARGV[3])
local f = (tonumber(redis.call('HGET', KEYS[1], 'f')) or 0) + 1
local b = tonumber(redis.call('HGET', KEYS[1], 'b')) or 0
if f >= free then b = now + math.min(tonumber(ARGV[5]), tonumber(ARGV[4]) * 2 ^ math.min(f - free, 60)) end
redis.call('HSET', KEYS[1], 'f', f, 'b', b, 'u', now)
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 0`;

// ARGV: now, id, window ms, key ttl ms.
const FAIL_CLIENT = `
redis.call('HDEL', KEYS[1], 'l:' .. ARGV[2])
local now = tonumber(ARGV[1])
local f = tonumber(redis.call('HGET', KEYS[1], 'f')) or 0
local w = tonumber(redis.call('HGET', KEYS[1], 'w')) or 0
if w <= now - tonumber(ARGV[3]) then f, w = 1, now else f = f + 1 end
redis.call('HSET', KEYS[1], 'f', f, 'w', w)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 0`;

/** Builds the client without connecting: connect() is the start-up step that does. */
/** `onError`: each connection error and each failed command (for metrics). */
export function redisThrottleStore(url: string, p: ThrottlePolicy, onError: () => void = () => {}): ThrottleStore {
  // No offline queue and one retry: when Redis is down a login must fail fast (503), not hang.
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  redis.on('error', onError); // reconnects by itself; each failed command reports its own error
  const call = <T>(command: Promise<T>) =>
    command.catch((err) => {
      onError();
      return Promise.reject(unavailable('redis', err));
    });
  const run = async (script: string, key: string, args: (number | string)[]) =>
    Number(await call(redis.eval(script, 1, `auth-throttle:${key}`, ...args)));
  // A client key outlives its window by a lease, so that a turn taken at its end is still seen.
  const clientTtl = p.clientWindowMs + p.leaseMs;
  return {
    async take(scope, key, id, now) {
      const ms = now.getTime();
      const answer =
        scope === 'account'
          ? await run(TAKE_ACCOUNT, key, [ms, id, ms + p.leaseMs, p.freeFailures, FAILURE_MEMORY_MS])
          : await run(TAKE_CLIENT, key, [ms, id, ms + p.leaseMs, p.clientLimit, p.clientWindowMs, clientTtl]);
      return asAnswer(answer);
    },
    async settle(scope, key, id, outcome: Outcome, now) {
      const ms = now.getTime();
      if (outcome !== 'failure') await run(END_TURN, key, [ms, id, outcome === 'success' && scope === 'account' ? 1 : 0]);
      else if (scope === 'client') await run(FAIL_CLIENT, key, [ms, id, p.clientWindowMs, clientTtl]);
      else await run(FAIL_ACCOUNT, key, [ms, id, p.freeFailures, p.baseDelayMs, p.maxDelayMs, FAILURE_MEMORY_MS]);
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

function asAnswer(value: number): TurnAnswer {
  if (value === 0) return 'granted';
  if (value < 0) return 'wait';
  return new Date(value);
}
