// The revocation-feed client: one long GET /auth/revocations/ (Server-Sent Events) that keeps
// a set of revoked session ids, so that a verifier refuses a logged-out session's access tokens
// long before they expire. It reconnects by itself, resuming after the last event it got
// (Last-Event-ID), so a cut costs no revocation: the server replays what it missed. What
// happens while it cannot hear the server is a stated policy (`onStale`, `staleAfter`).

import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import { REVOCATION_FEED_PATH } from '@auth-service/protocol';
import { revocationsStale } from './errors.js';
import { type FeedEvents, handleFeedEvent } from './revocations-events.js';
import { SseParser } from './sse.js';

export interface RevocationFeedOptions {
  /** The auth service's base URL (https://auth.internal:8443). */
  url: string | URL;
  /** The credential the operator set in REVOCATION_FEED_TOKEN. */
  token: string;
  /** A PEM for a private or self-signed certificate. */
  ca?: string | Buffer;
  /**
   * What isRevoked does once the feed has been silent for `staleAfter` seconds (cut, or the
   * service down): 'warn' (default) keeps answering from the revocations it knows, with one
   * warning per outage; 'refuse' throws a VerifierError (service_unavailable, reason revocations_stale, `retryAfterSeconds`)
   * for every session it does not know to be revoked, until the feed is back.
   */
  onStale?: 'warn' | 'refuse';
  /** Seconds of silence after which the feed counts as stale (default 30; heartbeats come every 5). */
  staleAfter?: number;
  /** Where warnings go (default: process.emitWarning). */
  onWarning?: (message: string) => void;
}

// A type, not an interface: it must fit where a verifier reports it as a plain record.
export type RevocationFeedStatus = {
  /** The stream is open and caught up (the server said "ready"). */
  connected: boolean;
  /** When the server was last heard (an event or a heartbeat), ms since the epoch. */
  lastEventAt?: number;
  /** Milliseconds since then (since the feed was opened, if never). */
  staleMs: number;
  stale: boolean;
  /** The cursor a reconnection resumes after. */
  cursor?: string;
  /** Sessions known to be revoked whose tokens may still be unexpired. */
  revoked: number;
  /** Why the last connection attempt or stream failed. */
  lastError?: string;
};

export interface RevocationFeed {
  /** True when the session was revoked; see `onStale` for what it does when the feed is stale. */
  isRevoked(sid: string): boolean;
  status(): RevocationFeedStatus;
  /** Resolves when the feed is first caught up (useful at start-up, before serving). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;
const PRUNE_EVERY_MS = 60_000;

export function openRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  return new FeedClient(options);
}

class FeedClient implements RevocationFeed, FeedEvents {
  readonly revoked = new Map<string, number>();
  cursor?: string;
  heartbeatMs = 5000;
  private readonly url: URL;
  private readonly agent: Agent;
  private readonly staleAfterMs: number;
  private readonly openedAt = Date.now();
  private lastHeardAt?: number;
  private live = false;
  private closed = false;
  private warned = false;
  private lastError?: string;
  private retryMs = RETRY_MIN_MS;
  /** Which connection is current: events of an older one (destroyed, erroring) are ignored. */
  private generation = 0;
  private current?: { destroy(): void };
  private watchdog?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private readonly pruner: NodeJS.Timeout;
  private readonly readyPromise: Promise<void>;
  private resolveReady!: () => void;

  constructor(private readonly options: RevocationFeedOptions) {
    this.url = new URL(REVOCATION_FEED_PATH, options.url);
    if (this.url.protocol !== 'https:') throw new TypeError('openRevocationFeed: url must be https (the token is a secret)');
    if (typeof options.token !== 'string' || options.token === '') throw new TypeError('openRevocationFeed: token is required');
    const staleAfter = options.staleAfter ?? 30;
    if (!Number.isFinite(staleAfter) || staleAfter <= 0)
      throw new TypeError('openRevocationFeed: staleAfter must be > 0 seconds');
    this.staleAfterMs = staleAfter * 1000;
    this.agent = new Agent({ keepAlive: false, ca: options.ca });
    this.readyPromise = new Promise((resolve) => {
      this.resolveReady = resolve;
    });
    this.pruner = setInterval(() => this.prune(), PRUNE_EVERY_MS);
    this.pruner.unref();
    this.connect();
  }

  isRevoked(sid: string): boolean {
    if (this.revoked.has(sid)) return true;
    const staleMs = this.staleMs();
    if (staleMs <= this.staleAfterMs) return false;
    const message = `revocation feed silent for ${Math.round(staleMs / 1000)} s (${this.lastError ?? 'no answer'})`;
    if (this.options.onStale === 'refuse') {
      throw revocationsStale(`Revocations cannot be checked: ${message}.`, this.retryMs / 1000 + 1);
    }
    this.warnOnce(`${message}; verifying on without it (onStale: 'warn')`);
    return false;
  }

  status(): RevocationFeedStatus {
    const staleMs = this.staleMs();
    return {
      connected: this.live,
      lastEventAt: this.lastHeardAt,
      staleMs,
      stale: staleMs > this.staleAfterMs,
      cursor: this.cursor,
      revoked: this.revoked.size,
      lastError: this.lastError,
    };
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pruner);
    clearTimeout(this.watchdog);
    clearTimeout(this.retryTimer);
    this.current?.destroy();
    this.agent.destroy();
  }

  // FeedEvents: what revocations-events.ts calls for each event it accepts.
  revoke(sid: string, expMs: number): void {
    this.revoked.set(sid, expMs);
  }

  caughtUp(): void {
    this.live = true;
    this.retryMs = RETRY_MIN_MS;
    this.heard();
    this.resolveReady();
  }

  private staleMs(): number {
    return Date.now() - (this.lastHeardAt ?? this.openedAt);
  }

  private heard(): void {
    if (!this.live) return;
    this.lastHeardAt = Date.now();
    this.warned = false;
    this.armWatchdog();
  }

  private connect(): void {
    if (this.closed) return;
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}`, accept: 'text/event-stream' };
    if (this.cursor !== undefined) headers['last-event-id'] = this.cursor;
    const generation = this.generation;
    const req = request(this.url, { method: 'GET', agent: this.agent, headers }, (res) => this.stream(res, generation));
    this.current = req;
    req.on('error', (err) => this.lost(generation, err.message));
    req.end();
    this.armWatchdog();
  }

  private stream(res: IncomingMessage, generation: number): void {
    if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('text/event-stream')) {
      res.resume();
      this.lost(generation, `the feed answered ${res.statusCode}`);
      return;
    }
    this.current = res;
    res.setEncoding('utf8');
    const parser = new SseParser(
      (event) => handleFeedEvent(this, event),
      () => this.heard(),
    );
    res.on('data', (chunk: string) => {
      this.armWatchdog();
      try {
        parser.push(chunk);
      } catch (err) {
        this.lost(generation, (err as Error).message);
      }
    });
    res.on('error', (err) => this.lost(generation, err.message));
    res.on('end', () => this.lost(generation, 'the feed ended the stream'));
    res.on('close', () => this.lost(generation, 'the feed connection closed'));
  }

  /** A stream that says nothing for three heartbeats is dead even if TCP has not noticed. */
  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    if (this.closed) return;
    const generation = this.generation;
    this.watchdog = setTimeout(() => this.lost(generation, 'no heartbeat from the feed'), Math.max(this.heartbeatMs * 3, 3000));
    this.watchdog.unref();
  }

  private lost(generation: number, why: string): void {
    if (this.closed || generation !== this.generation) return;
    this.generation++;
    this.live = false;
    this.lastError = why;
    this.current?.destroy();
    this.current = undefined;
    clearTimeout(this.watchdog);
    clearTimeout(this.retryTimer);
    // Jittered, growing delay: a restarted auth service is not met by every verifier at once.
    const delay = this.retryMs / 2 + Math.random() * (this.retryMs / 2);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.retryTimer.unref();
  }

  private warnOnce(message: string): void {
    if (this.warned) return;
    this.warned = true;
    if (this.options.onWarning) this.options.onWarning(message);
    else process.emitWarning(message, { code: 'AUTH_REVOCATIONS_STALE' });
  }

  /** Forgets sessions whose tokens have all expired: memory follows what can still matter. */
  private prune(): void {
    const now = Date.now();
    for (const [sid, expMs] of this.revoked) if (expMs < now) this.revoked.delete(sid);
  }
}
