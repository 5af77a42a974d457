// Login throttling: a per-account delay that grows with each failure (capped, never a
// permanent lock, so it cannot be used to lock a user out for good) and a per-client limit
// per window. Counters live in the database by default, or in Redis when REDIS_URL is set;
// either way every instance shares them.
import { isIPv6 } from 'node:net';
import { MESSAGES } from '@auth-service/protocol';
import type { Database } from '../db/port.js';
import { type AccountPolicy, clearThrottleKey, countClientAttempt, reserveAccountAttempt } from '../db/repos/login-throttle.js';
import { AuthError } from '../errors.js';
import type { Clock } from './context.js';

export const FAILURE_MEMORY_MS = 24 * 3_600_000;

export interface ThrottlePolicy extends Omit<AccountPolicy, 'memoryMs'> {
  clientLimit: number;
  clientWindowMs: number;
}

export interface Throttle {
  /** Counts a login attempt; throws AuthError('throttled') with Retry-After when over a limit. */
  reserve(username: string, clientIp: string | undefined): Promise<void>;
  /** A successful login clears the account's failures. */
  succeeded(username: string): Promise<void>;
  /** Connects to the counters' store (a start-up step; a no-op for the database). */
  connect(): Promise<void>;
  /** Rejects when the counters' store does not answer (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Where a throttle keeps its counters: each counting method is atomic. */
export interface ThrottleStore {
  reserveAccount(key: string, now: Date): Promise<Date | null>;
  countClient(key: string, now: Date): Promise<Date | null>;
  clear(key: string): Promise<void>;
  connect(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function createThrottle(store: ThrottleStore, now: Clock): Throttle {
  return {
    async reserve(username, clientIp) {
      const at = new Date(now());
      if (clientIp) refuseUntil(await store.countClient(`c:${clientBucket(clientIp)}`, at), at);
      refuseUntil(await store.reserveAccount(`a:${username}`, at), at);
    },
    succeeded: (username) => store.clear(`a:${username}`),
    connect: () => store.connect(),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}

/** The default store: the login_throttle table of the service's own database. */
export function databaseThrottleStore(db: Database, policy: ThrottlePolicy): ThrottleStore {
  const account = { ...policy, memoryMs: FAILURE_MEMORY_MS };
  return {
    reserveAccount: (key, at) => reserveAccountAttempt(db, key, at, account),
    countClient: (key, at) => countClientAttempt(db, key, at, policy.clientLimit, policy.clientWindowMs),
    clear: (key) => clearThrottleKey(db, key),
    connect: async () => {},
    ping: async () => {}, // the database itself: readiness pings it anyway
    close: async () => {},
  };
}

/**
 * The unit the per-client limit counts: an IPv4 address, or an IPv6 /64 (one subscriber's
 * network: a client that owns a /64 must not get a fresh budget per address).
 */
export function clientBucket(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1] as string;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('%')[0]?.split('::') ?? [];
  const left = head ? head.split(':') : [];
  const right = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

function refuseUntil(until: Date | null, now: Date): void {
  if (until === null) return;
  const retryAfterSeconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  throw new AuthError('throttled', MESSAGES.throttled, { retryAfterSeconds });
}
