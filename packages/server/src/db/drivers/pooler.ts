// Behind a transaction-pooling PgBouncer (DATABASE_POOLER=transaction) a client's queries share
// server connections with other clients, transaction by transaction. What a direct connection
// may rely on, this mode must not:
// - start-up parameters other than the few PgBouncer knows are refused (stock configuration):
//   statement_timeout is set per transaction instead (SET LOCAL, sent with BEGIN in one round
//   trip); statements outside a transaction keep the client-side limit, and the role's own
//   statement_timeout (docs/scaling.md) when the operator sets one;
// - named prepared statements would be prepared on one server connection and used on another
//   (postgres.ts sends unnamed ones);
// - LISTEN holds a session: it goes to DATABASE_LISTEN_URL, a direct connection, when set;
//   otherwise the revocation feed relies on its polling alone (REVOCATION_FEED_POLL_INTERVAL).
import type { ListenState } from '../port.js';
import type { ListenerOptions } from './postgres-listener.js';
import { listenPostgres } from './postgres-listener.js';

export type Pooler = 'none' | 'transaction';

interface PoolerOptions {
  pooler?: Pooler;
  statementTimeoutMs: number;
  listenUrl?: string;
}

const behindPooler = (options: PoolerOptions) => options.pooler === 'transaction';

/** The pg Pool's start-up setting for the server-side limit: none behind a pooler. */
export function startupTimeout(options: PoolerOptions): { statement_timeout?: number } {
  return behindPooler(options) ? {} : { statement_timeout: options.statementTimeoutMs };
}

/** What opens a transaction: BEGIN, and behind a pooler the limit for this transaction. */
export function beginStatement(options: PoolerOptions): string {
  if (!behindPooler(options)) return 'BEGIN';
  // A whole number of milliseconds from our own config: no user input reaches this text.
  return `BEGIN; SET LOCAL statement_timeout = ${Math.trunc(options.statementTimeoutMs)}`;
}

/**
 * LISTEN behind a pooler: on the direct DATABASE_LISTEN_URL when set; without it, nothing
 * (the feed polls). Returns null when there is no pooler (the caller listens as usual).
 */
export function poolerListen(
  options: PoolerOptions & ListenerOptions,
  channel: string,
  onNotify: (payload: string) => void,
  onState?: ListenState,
): Promise<() => Promise<void>> | null {
  if (!behindPooler(options)) return null;
  if (!options.listenUrl) return Promise.resolve(async () => {});
  return listenPostgres({ ...options, url: options.listenUrl }, channel, onNotify, onState);
}
