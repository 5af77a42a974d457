// PostgreSQL through a pg Pool, with every timeout set so that a dead database makes
// requests fail fast (503) instead of hanging, and the pool heals by itself when it returns.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { hasCode, unavailable } from '../../errors.js';
import { asTransaction, type Database } from '../port.js';
import { beginStatement, type Pooler, poolerListen, startupTimeout } from './pooler.js';
import { listenPostgres } from './postgres-listener.js';

export interface PostgresOptions {
  url: string;
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** `transaction`: a transaction-pooling PgBouncer is in between (see pooler.ts). */
  pooler?: Pooler;
  /** With a pooler: a direct URL for LISTEN (unset: the revocation feed polls only). */
  listenUrl?: string;
  onError?: (err: Error) => void;
}

type Client = pg.Pool | pg.PoolClient;

export function openPostgres(options: PostgresOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // Server-side limit (at connection start-up, or per transaction behind a pooler: see
    // pooler.ts), and a client-side one for when the server stops answering at all.
    ...startupTimeout(options),
    query_timeout: options.statementTimeoutMs + 1000,
    keepAlive: true,
    application_name: 'auth-service',
  });
  // An idle client losing its connection emits here; without a listener it would crash the process.
  let errors = 0;
  pool.on('error', (err) => {
    errors++;
    options.onError?.(err);
  });
  const counted = (err: unknown) => {
    if (hasCode(err, 'service_unavailable')) errors++;
    return Promise.reject(err);
  };

  const named = options.pooler !== 'transaction';
  const over = (client: Client) => ({
    query: <T>(sql: string, params?: readonly unknown[]) => run<T>(client, sql, params, named).catch(counted),
    exec: async (sql: string) => void (await run(client, sql, undefined, named).catch(counted)),
  });

  return {
    kind: 'postgres',
    ...over(pool),
    async transaction(fn) {
      const client = await pool.connect().catch((err) => counted(translate(err)));
      let broken = false;
      try {
        await client.query(beginStatement(options));
        const result = await fn(asTransaction(over(client)));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        broken = isConnectionError(err);
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw translate(err);
      } finally {
        // A client whose connection broke must not go back to the pool.
        client.release(broken ? true : undefined);
      }
    },
    async ping() {
      await run(pool, 'SELECT 1', undefined, false);
    },
    listen: (channel, onNotify, onState) =>
      poolerListen(options, channel, onNotify, onState) ?? listenPostgres(options, channel, onNotify, onState),
    stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, errors }),
    close: () => pool.end(),
  };
}

async function run<T>(client: Client, sql: string, params: readonly unknown[] | undefined, named: boolean): Promise<T[]> {
  try {
    // Parameterised statements are prepared once per connection (named by a digest of
    // their text), so PostgreSQL parses and plans each hot query once, not per request.
    // Not behind a transaction pooler: the next transaction may run on another server
    // connection, where the name is unknown, or known with another client's statement.
    const values = params as unknown[] | undefined;
    const query = params ? (named ? { name: statementName(sql), text: sql, values } : { text: sql, values }) : { text: sql };
    const result = await client.query(query);
    return result.rows as T[];
  } catch (err) {
    throw translate(err);
  }
}

const names = new Map<string, string>();
function statementName(sql: string): string {
  let name = names.get(sql);
  if (!name) {
    name = `a${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    names.set(sql, name);
  }
  return name;
}

// SQLSTATE classes 08 (connection exception), 53 (insufficient resources), 57P (operator
// intervention: shutdown, cannot connect now) and 57014 (statement timeout) mean "try later".
const UNAVAILABLE_SQLSTATE = /^(08|53|57P)|^57014$/;
const UNAVAILABLE_MESSAGE = /timeout|terminated|ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|EHOSTUNREACH|Connection ended/i;

function isConnectionError(err: unknown): boolean {
  if (hasCode(err, 'service_unavailable')) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || code.startsWith('E'))) return true;
  return UNAVAILABLE_MESSAGE.test(err.message);
}

function translate(err: unknown): unknown {
  if (hasCode(err)) return err;
  return isConnectionError(err) ? unavailable('database', err) : err;
}
