// HTTP/2 on the native-TLS listener (HTTP2=true): ALPN offers `h2`, then `http/1.1`, on the one
// port, so that every HTTP/1.1 client keeps working. What HTTP/2 adds for a hostile client is
// bounded here: streams per session, header list size, session memory; Node 20 itself limits
// rapid reset (CVE-2023-44487: a client that resets streams faster than they are served loses
// its session) and CONTINUATION floods (CVE-2024-28182). The connection guard sees HTTP/2
// sessions as the TLS connections they are (http/connection-guard.ts).
import { constants, type Http2SecureServer, type Http2Session, type ServerHttp2Stream } from 'node:http2';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Streams one session may have open at once (Node's default, advertised in SETTINGS). */
export const MAX_CONCURRENT_STREAMS = 100;
/** The same 16 KiB of headers as Node's HTTP/1.1 parser allows (431 beyond). */
export const MAX_HEADER_LIST_SIZE = 16 * 1024;

/** The options of http2.createSecureServer around the TLS options of crypto/tls.ts. */
export function http2ServerOptions<T extends object>(tls: T) {
  return {
    ...tls,
    allowHTTP1: true,
    // Megabytes a session may buffer (Node's default); past it new streams are refused.
    maxSessionMemory: 10,
    peerMaxConcurrentStreams: MAX_CONCURRENT_STREAMS,
    maxHeaderListPairs: 128,
    settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS, maxHeaderListSize: MAX_HEADER_LIST_SIZE },
  };
}

/** Connection-specific headers (`Connection: close`) are HTTP/1 only: HTTP/2 refuses them (RFC 9113 8.2.2). */
export function isHttp1(request: FastifyRequest): boolean {
  return request.raw.httpVersionMajor < 2;
}

type Timeouts = { requestTimeoutMs: number; headersTimeoutMs: number; keepAliveTimeoutMs: number };

/**
 * On an HTTP/2 server Fastify applies no REQUEST_TIMEOUT, and on close (Node 20) does not end
 * HTTP/2 sessions: an idle one would hold the exit until SHUTDOWN_TIMEOUT. Here: REQUEST_TIMEOUT
 * on HTTP/1.1 requests and on each HTTP/2 stream, and on close a GOAWAY to every session
 * (streams in flight finish, the client opens no new ones).
 */
export function serveHttp2(app: FastifyInstance, timeouts: Timeouts): void {
  const server = app.server as unknown as Http2SecureServer;
  // Read by Node's HTTP/1.1 fallback on each connection (untyped on Http2SecureServer).
  (server as Http2SecureServer & { requestTimeout: number }).requestTimeout = timeouts.requestTimeoutMs;
  const sessions = new Set<Http2Session>();
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    limitIdleSession(session, timeouts);
  });
  server.on('stream', (stream: ServerHttp2Stream) => limitStream(stream, timeouts.requestTimeoutMs));
  // Node's own close ends the idle HTTP/1.1 connections of the port (httpServerPreClose).
  app.addHook('preClose', async () => {
    for (const session of sessions) session.close();
  });
}

/**
 * A session without a stream open is closed (GOAWAY) after HEADERS_TIMEOUT before its first
 * stream, and KEEP_ALIVE_TIMEOUT between streams, as an HTTP/1.1 connection would be. Counted
 * by the wall clock: a PING or SETTINGS frame, which keeps Node's own inactivity timeout from
 * firing, does not extend it.
 */
function limitIdleSession(session: Http2Session, timeouts: Timeouts): void {
  let open = 0;
  let timer: NodeJS.Timeout | undefined;
  const idle = (ms: number) => {
    timer = setTimeout(() => session.close(), ms);
    timer.unref();
  };
  idle(timeouts.headersTimeoutMs);
  session.on('stream', (stream: ServerHttp2Stream) => {
    open++;
    clearTimeout(timer);
    stream.once('close', () => {
      if (--open === 0 && !session.closed) idle(timeouts.keepAliveTimeoutMs);
    });
  });
  session.once('close', () => clearTimeout(timer));
}

/** A stream whose request has not fully arrived after REQUEST_TIMEOUT is cancelled (RST_STREAM). */
function limitStream(stream: ServerHttp2Stream, requestTimeoutMs: number): void {
  if (stream.endAfterHeaders) return;
  let received = false;
  const timer = setTimeout(() => {
    if (!received && !stream.destroyed) stream.close(constants.NGHTTP2_CANCEL);
  }, requestTimeoutMs);
  timer.unref();
  stream.once('end', () => {
    received = true;
  });
  stream.once('close', () => clearTimeout(timer));
}
