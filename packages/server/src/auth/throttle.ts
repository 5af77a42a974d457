// Login throttling that stops guessing without stopping honest traffic (docs/security.md,
// "Brute force"). Only failures are counted (wrong password, unknown or disabled user):
// per account, a delay that grows with each failure past the free ones (capped, never a
// permanent lock); per client address, a limit of failures per window. A password is checked
// only inside a turn: turns in flight count like failures until they settle, so parallel
// guesses get no more checks than sequential ones, and an attempt that finds every turn taken
// waits (bounded) instead of being refused. Counters and turns live in the database, or in
// Redis when REDIS_URL is set; either way every instance shares them.
import { randomUUID } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { MESSAGES } from '@auth-service/protocol';
import type { Database } from '../db/port.js';
import {
  type AccountPolicy,
  type Outcome,
  settleAccountTurn,
  settleClientTurn,
  takeAccountTurn,
  takeClientTurn,
} from '../db/repos/login-throttle.js';
import { AuthError } from '../errors.js';
import type { Clock } from './context.js';
import { NoTurn, type Scope, type ThrottleStore, Turns } from './throttle-turns.js';

export type { ThrottleStore } from './throttle-turns.js';

export const FAILURE_MEMORY_MS = 24 * 3_600_000;

/** The settings of config.throttle that the stores need. */
export interface ThrottlePolicy extends Omit<AccountPolicy, 'memoryMs'> {
  clientLimit: number;
  clientWindowMs: number;
}

export interface Throttle {
  /**
   * Waits (at most LOGIN_WAIT_TIMEOUT) for a turn to check a password of `username` from
   * `clientIp`. Throws AuthError('throttled') with Retry-After when the account is in its delay,
   * the address has spent its failures, or the wait ran out.
   */
  reserve(username: string, clientIp: string | undefined): Promise<LoginTicket>;
  /** Connects to the counters' store (a start-up step; a no-op for the database). */
  connect(): Promise<void>;
  /** Rejects when the counters' store does not answer (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A turn to check one password. Settle it once; later calls do nothing. */
export interface LoginTicket {
  /** The password was right: clears the account's failures; the address is not charged. */
  succeeded(): Promise<void>;
  /** Wrong password, unknown or disabled user: one failure for the account and the address. */
  failed(): Promise<void>;
  /** Ended without a verdict (e.g. 503): the turn is given back, nothing counted. Never throws. */
  release(): Promise<void>;
}

export function createThrottle(store: ThrottleStore, now: Clock, waitTimeoutMs: number): Throttle {
  const turns = new Turns(store, now);
  return {
    reserve: (username, clientIp) => reserve(turns, waitTimeoutMs, now, username, clientIp),
    connect: () => store.connect(),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}

/** The default store: the login_throttle table of the service's own database. */
export function databaseThrottleStore(db: Database, policy: ThrottlePolicy): ThrottleStore {
  const account = { ...policy, memoryMs: FAILURE_MEMORY_MS };
  const client = { limit: policy.clientLimit, windowMs: policy.clientWindowMs, leaseMs: policy.leaseMs };
  return {
    take: (scope, key, id, at) =>
      scope === 'account' ? takeAccountTurn(db, key, id, at, account) : takeClientTurn(db, key, id, at, client),
    settle: (scope, key, id, outcome, at) =>
      scope === 'account'
        ? settleAccountTurn(db, key, id, outcome, at, account)
        : settleClientTurn(db, key, id, outcome, at, client),
    connect: async () => {},
    ping: async () => {}, // the database itself: readiness pings it anyway
    close: async () => {},
  };
}

/** The address's turn first (credential stuffing stops there, before any account), then the account's. */
async function reserve(turns: Turns, waitMs: number, now: Clock, username: string, ip: string | undefined) {
  const deadline = performance.now() + waitMs;
  const id = randomUUID();
  const keys: [Scope, string][] = [['account', `a:${username}`]];
  if (ip) keys.unshift(['client', `c:${clientBucket(ip)}`]);
  const taken: [Scope, string][] = [];
  try {
    for (const [scope, key] of keys) {
      await turns.take(scope, key, id, deadline);
      taken.push([scope, key]);
    }
  } catch (err) {
    await Promise.all(taken.map(([scope, key]) => turns.settle(scope, key, id, 'none'))).catch(() => {});
    if (err instanceof NoTurn) throw throttled(err.until, now());
    throw err;
  }
  return ticket(turns, id, taken);
}

function ticket(turns: Turns, id: string, taken: [Scope, string][]): LoginTicket {
  let settled = false;
  const settle = (outcome: Outcome) => {
    // Marked first: if the store fails now, the turn expires by itself rather than being given
    // back uncounted after a password was checked.
    if (settled) return Promise.resolve();
    settled = true;
    return Promise.all(taken.map(([scope, key]) => turns.settle(scope, key, id, outcome))).then(() => {});
  };
  return {
    succeeded: () => settle('success'),
    failed: () => settle('failure'),
    release: () => settle('none').catch(() => {}),
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

/** 429 with Retry-After: until the delay or window ends, or 1 s after a wait that ran out. */
function throttled(until: Date | null, now: number): AuthError {
  const retryAfterSeconds = until ? Math.max(1, Math.ceil((until.getTime() - now) / 1000)) : 1;
  return new AuthError('throttled', MESSAGES.throttled, { retryAfterSeconds });
}
