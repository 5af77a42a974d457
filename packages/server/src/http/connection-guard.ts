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
  /** Closed at once: MAX_CONNECTIONS were open, none of them still in its TLS handshake. */
  refusedTotalCap: number;
  /** Closed at once: MAX_CONNECTIONS_PER_CLIENT were open from that address. */
  refusedClientCap: number;
  /** Closed to make room at MAX_CONNECTIONS: the oldest connection still in its TLS handshake. */
  evictedHandshakes: number;
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

/**
 * Sets the limits on `server` (before it listens) and returns the live counters. At
 * MAX_CONNECTIONS a new connection takes the place of the oldest one still in its TLS handshake:
 * an honest handshake takes milliseconds, an idle flood's connections sit there for seconds, so
 * a flood from many addresses evicts itself rather than shutting honest clients out. Only when
 * every connection is past its handshake is the new one refused.
 */
export function guardConnections(
  server: Server,
  limits: Limits,
  log: Logger,
  noticeIntervalMs = NOTICE_INTERVAL_MS,
): ConnectionStats {
  const guard = new Guard(limits, new Notices(log, noticeIntervalMs), 'setSecureContext' in server);
  applyTimeouts(server, limits);
  server.on('connection', (socket: Socket) => guard.admit(socket));
  server.on('secureConnection', (socket: Socket) => guard.handshaken(socket));
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') guard.stats.handshakeTimeouts++;
    socket.destroy();
  });
  server.once('close', () => guard.notices.stop());
  warnAboveFileLimit(limits.max, log);
  return guard.stats;
}

const keyOf = (socket: Socket) => `${socket.remoteAddress}|${socket.remotePort}`;

class Guard {
  readonly stats: ConnectionStats = {
    open: 0,
    refusedTotalCap: 0,
    refusedClientCap: 0,
    evictedHandshakes: 0,
    handshakeTimeouts: 0,
  };
  private readonly perClient = new Map<string, number>();
  /** Connections still in their TLS handshake, oldest first (a Map keeps insertion order). */
  private readonly handshaking = new Map<string, () => void>();

  constructor(
    private readonly limits: Limits,
    readonly notices: Notices,
    private readonly tls: boolean,
  ) {}

  admit(socket: Socket): void {
    const address = socket.remoteAddress ?? '';
    const held = this.perClient.get(address) ?? 0;
    if (this.limits.maxPerClient > 0 && held >= this.limits.maxPerClient) {
      this.refuse(socket, 'client', address);
      return;
    }
    if (this.stats.open >= this.limits.max && !this.evictOldestHandshake()) {
      this.refuse(socket, 'total', address);
      return;
    }
    this.perClient.set(address, held + 1);
    this.stats.open++;
    const key = keyOf(socket);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.stats.open--;
      this.handshaking.delete(key);
      const left = (this.perClient.get(address) ?? 1) - 1;
      if (left > 0) this.perClient.set(address, left);
      else this.perClient.delete(address);
    };
    socket.once('close', release);
    if (this.tls) {
      this.handshaking.set(key, () => {
        release();
        socket.destroy();
      });
    }
  }

  handshaken(socket: Socket): void {
    this.handshaking.delete(keyOf(socket));
  }

  private evictOldestHandshake(): boolean {
    const oldest = this.handshaking.values().next();
    if (oldest.done) return false;
    this.stats.evictedHandshakes++;
    this.notices.note('evicted');
    oldest.value();
    return true;
  }

  private refuse(socket: Socket, cap: 'total' | 'client', address: string): void {
    if (cap === 'total') this.stats.refusedTotalCap++;
    else this.stats.refusedClientCap++;
    this.notices.note(cap, address);
    socket.destroy();
  }
}

function applyTimeouts(server: Server, limits: Limits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Read by Node when the server starts listening.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = CHECK_INTERVAL_MS;
}

/** The first refusal after a quiet spell is logged at once; the rest as one count per interval. */
class Notices {
  private counts = { total: 0, client: 0, evicted: 0 };
  private addresses = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  note(cap: 'total' | 'client' | 'evicted', address?: string): void {
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
    const { total, client, evicted } = this.counts;
    if (total + client + evicted === 0) return;
    this.log.warn(
      {
        refused: { totalCap: total, clientCap: client },
        evictedHandshakes: evicted,
        addresses: [...this.addresses],
        intervalMs: this.intervalMs,
      },
      'connection cap reached: connections refused or evicted',
    );
    this.counts = { total: 0, client: 0, evicted: 0 };
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
