// Limits on connections themselves, before any request: how many at once (MAX_CONNECTIONS), how
// many from one address (MAX_CONNECTIONS_PER_CLIENT), and the timeouts that make a connection
// that sends nothing, or sends slowly, go away (HEADERS_TIMEOUT, REQUEST_TIMEOUT,
// KEEP_ALIVE_TIMEOUT; the TLS handshake's is in crypto/tls.ts). Without them an idle flood holds
// every file descriptor the process has and honest clients fail their handshakes.
// A refused connection is closed at once, counted, and summarized in the log at most once per
// NOTICE_INTERVAL_MS: a flood must not also flood the log.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../config/config.js';
import { openFileLimit, RESERVED_FILES } from '../config/file-limit.js';
import type { Logger } from '../logger.js';

/** Counters of what the guard refused, for the log and for metrics. */
export interface ConnectionStats {
  /** Connections open now (those accepted by the guard). */
  open: number;
  /** Closed at once: MAX_CONNECTIONS were open. */
  refusedTotalCap: number;
  /** Closed at once: MAX_CONNECTIONS_PER_CLIENT were open from that address. */
  refusedClientCap: number;
  /** Closed because the TLS handshake took longer than TLS_HANDSHAKE_TIMEOUT. */
  handshakeTimeouts: number;
}

export const NOTICE_INTERVAL_MS = 10_000;
/**
 * How often Node looks for requests past their headers or request timeout (its default, 30 s,
 * let a 10 s timeout run to 40 s).
 */
const CHECK_INTERVAL_MS = 1000;

type Limits = Config['connections'];

/** Sets the limits on `server` (before it listens) and returns the live counters. */
export function guardConnections(
  server: Server,
  limits: Limits,
  log: Logger,
  noticeIntervalMs = NOTICE_INTERVAL_MS,
): ConnectionStats {
  const stats: ConnectionStats = { open: 0, refusedTotalCap: 0, refusedClientCap: 0, handshakeTimeouts: 0 };
  const notices = new Notices(log, noticeIntervalMs);
  applyTimeouts(server, limits);
  // Node closes a connection over maxConnections before it is wrapped in TLS: the cheapest refusal.
  server.maxConnections = limits.max;
  server.on('drop', () => {
    stats.refusedTotalCap++;
    notices.note('total');
  });
  const perClient = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const held = perClient.get(address) ?? 0;
    if (limits.maxPerClient > 0 && held >= limits.maxPerClient) {
      stats.refusedClientCap++;
      notices.note('client', address);
      socket.destroy();
      return;
    }
    perClient.set(address, held + 1);
    stats.open++;
    socket.once('close', () => {
      stats.open--;
      const left = (perClient.get(address) ?? 1) - 1;
      if (left > 0) perClient.set(address, left);
      else perClient.delete(address);
    });
  });
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') stats.handshakeTimeouts++;
    socket.destroy();
  });
  server.once('close', () => notices.stop());
  warnAboveFileLimit(limits.max, log);
  return stats;
}

function applyTimeouts(server: Server, limits: Limits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Read by Node when the server starts listening.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = CHECK_INTERVAL_MS;
}

/** The first refusal after a quiet spell is logged at once; the rest as one count per interval. */
class Notices {
  private counts = { total: 0, client: 0 };
  private addresses = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  note(cap: 'total' | 'client', address?: string): void {
    this.counts[cap]++;
    // A handful of addresses says who floods; never an unbounded list.
    if (address && this.addresses.size < 5) this.addresses.add(address);
    if (!this.timer) this.flush();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    const { total, client } = this.counts;
    if (total + client === 0) return;
    this.log.warn(
      { refused: { totalCap: total, clientCap: client }, addresses: [...this.addresses], intervalMs: this.intervalMs },
      'connection cap reached: connections refused',
    );
    this.counts = { total: 0, client: 0 };
    this.addresses.clear();
    this.timer = setTimeout(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }
}

/** Past the process's open-file limit, accept() fails before MAX_CONNECTIONS is ever reached. */
function warnAboveFileLimit(max: number, log: Logger): void {
  const soft = openFileLimit();
  if (soft === null || max + RESERVED_FILES <= soft) return;
  log.warn(
    { maxConnections: max, openFileLimit: soft },
    'MAX_CONNECTIONS is close to or above the open-file limit (ulimit -n): lower it or raise the limit',
  );
}
