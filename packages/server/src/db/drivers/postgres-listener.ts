// LISTEN on a dedicated connection (a pooled one would be handed to queries and lose it). When
// that connection is lost it is opened again with a growing delay, and the caller is told once
// it is back: notifications sent meanwhile were not queued anywhere, so it must read to catch up.
import pg from 'pg';
import type { ListenState } from '../port.js';

export interface ListenerOptions {
  url: string;
  connectTimeoutMs: number;
  onError?: (err: Error) => void;
}

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 10_000;

export async function listenPostgres(
  options: ListenerOptions,
  channel: string,
  onNotify: (payload: string) => void,
  onState: ListenState = () => {},
) {
  let stopped = false;
  let client: pg.Client | null = null;
  let retryMs = RETRY_MIN_MS;
  let timer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({
      connectionString: options.url,
      connectionTimeoutMillis: options.connectTimeoutMs,
      keepAlive: true,
      application_name: 'auth-service listener',
    });
    next.on('notification', (message) => {
      if (message.channel === channel) onNotify(message.payload ?? '');
    });
    next.on('error', (err) => lost(next, err));
    next.on('end', () => lost(next, new Error('listener connection ended')));
    try {
      await next.connect();
      // The channel name is ours (a constant), never user input; identifiers cannot be parameters.
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      next.end().catch(() => {}); // a half-made connection is not kept (each retry would leak one)
      throw err;
    }
    if (stopped) return void (await next.end().catch(() => {}));
    client = next;
    retryMs = RETRY_MIN_MS;
    onState(true);
  };

  const lost = (which: pg.Client, err: Error) => {
    if (stopped || client !== which) return;
    client = null;
    onState(false);
    options.onError?.(err);
    which.end().catch(() => {});
    schedule();
  };

  const schedule = () => {
    timer = setTimeout(async () => {
      try {
        await connect();
        onNotify(''); // back: catch up on what was committed while away
      } catch (err) {
        options.onError?.(err as Error);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
        if (!stopped) schedule();
      }
    }, retryMs);
    timer.unref();
  };

  try {
    await connect();
  } catch (err) {
    // Not fatal: the caller polls too. Keep trying in the background.
    options.onError?.(err as Error);
    schedule();
  }
  return async () => {
    stopped = true;
    clearTimeout(timer);
    const current = client;
    client = null;
    await current?.end().catch(() => {});
  };
}
