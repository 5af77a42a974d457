// One serving process on top of a runtime: HTTPS, the background jobs, and the admin socket the
// CLI uses while this process owns the embedded database. close() stops them in order: jobs,
// then HTTP (in-flight requests finish, new ones get 503), then the admin socket; the runtime
// (database, threads, Redis) is closed by its owner afterwards.
import type { Server } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { serveAdmin } from './admin/socket-server.js';
import { SYSTEM_CONTEXT } from './auth/context.js';
import { calibrateFailureFloor, FLOOR_RECALIBRATION_MS } from './auth/failure-floor.js';
import { flushExpired } from './auth/maintenance.js';
import { legacyKeyAdvice, legacySessionsLeft } from './auth/simplejwt/legacy-status.js';
import { reloadCertificateOnChange } from './certificate-reload.js';
import { loadTls, tlsServerOptions } from './crypto/tls.js';
import { buildApp } from './http/app.js';
import { type ConnectionStats, guardConnections } from './http/connection-guard.js';
import { announceDrain } from './http/drain.js';
import { http2ServerOptions, serveHttp2 } from './http/http2.js';
import type { AppLogger } from './logger.js';
import type { PromMetrics } from './metrics/prometheus.js';
import { serveProcessMetrics } from './metrics/serve.js';
import { type Runtime, startServing } from './runtime.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  /** What the connection limits refused (http/connection-guard.ts). */
  connections: ConnectionStats;
  /** Readiness answers 503 from now on; resolves after `delayMs` of serving on (SHUTDOWN_DRAIN_DELAY). */
  drain(delayMs: number): Promise<void>;
  close(): Promise<void>;
}

/** `metrics`: the runtime's Prometheus metrics (METRICS_PORT), which this server feeds and serves. */
export async function startServer(runtime: Runtime, log: AppLogger, metrics?: PromMetrics): Promise<RunningServer> {
  const { config } = runtime;
  await startServing(runtime);
  const handshakeTimeoutMs = config.connections.handshakeTimeoutMs;
  const material = config.tls.mode === 'native' ? await loadTls(config, log) : null;
  const https = material ? tlsServerOptions(material, handshakeTimeoutMs) : null;
  const h2 = Boolean(https) && config.http2;
  const app = buildApp(runtime, { logger: log, server: serverOptions(https, h2, config), metrics: metrics?.http });
  const connections = guardConnections(app.server, config.connections, log);
  if (h2) serveHttp2(app, { requestTimeoutMs: config.http.requestTimeoutMs, ...config.connections });
  metrics?.watch(runtime);
  await app.listen({ port: config.port, host: config.host });
  const metricsListener = await serveProcessMetrics(config, metrics, log);
  // Fastify types its server as http.Server unless https is known statically; native mode is https.Server.
  const stopTlsReload = reloadCertificateOnChange(app.server as unknown as Server, config, material, log);
  const stopJobs = startBackgroundJobs(runtime, log);
  if (runtime.legacy) await reportLegacyKey(runtime, log);
  const admin = runtime.db.kind === 'pglite' ? await serveAdmin(runtime, config.dataDir, log) : null;
  const url = listeningUrl(app, config.host, config.port, Boolean(https));
  log.info({ url, database: runtime.db.kind, algorithm: config.jwt.algorithm }, 'auth-service listening');
  return {
    app,
    url,
    connections,
    drain: (delayMs) => announceDrain(app, delayMs),
    async close() {
      stopJobs();
      stopTlsReload();
      await app.close();
      // After the HTTP drain: nothing the admin socket does may delay it.
      await admin?.close();
      await metricsListener?.close();
    },
  };
}

/** HTTPS, or with HTTP2 the same TLS settings on an HTTP/2 server that also speaks HTTP/1.1 (http/http2.ts). */
function serverOptions(https: object | null, h2: boolean, config: Runtime['config']) {
  if (!h2 || !https) return { https, forceCloseConnections: 'idle' as const };
  // An idle session lasts as long as an idle HTTP/1.1 connection (KEEP_ALIVE_TIMEOUT).
  return { http2: true, https: http2ServerOptions(https), http2SessionTimeout: config.connections.keepAliveTimeoutMs };
}

/**
 * Key reloads (rotation by another process), the expired-token purge, and the failure floor's
 * timing (with, when SIMPLEJWT_SIGNING_KEY is set, whether it is still needed); returns a stopper.
 */
function startBackgroundJobs(runtime: Runtime, log: AppLogger): () => void {
  const { purge, jwt } = runtime.config;
  const reload = () => runtime.keyStore.load().catch((err) => log.warn({ err }, 'key reload failed'));
  const recalibrate = async () => {
    await calibrateFailureFloor(runtime).catch((err) => log.warn({ err }, 'failure floor calibration failed'));
    if (runtime.legacy) await reportLegacyKey(runtime, log);
  };
  const timers = [setInterval(reload, jwt.keyReloadMs), setInterval(recalibrate, FLOOR_RECALIBRATION_MS)];
  if (purge.intervalMs > 0) {
    // At most 10 batches per run: the purge must never crowd out requests.
    const run = () => flushExpired(runtime, SYSTEM_CONTEXT, 10).catch((err) => log.warn({ err }, 'purge failed'));
    timers.push(setInterval(run, purge.intervalMs));
  }
  for (const timer of timers) timer.unref();
  return () => {
    for (const timer of timers) clearInterval(timer);
  };
}

let lastLegacySessions = -1;

/** Says whether SIMPLEJWT_SIGNING_KEY is still needed: at start-up, and whenever the count drops to zero. */
async function reportLegacyKey(runtime: Runtime, log: AppLogger): Promise<void> {
  const status = await legacySessionsLeft(runtime).catch(() => null);
  if (!status) return;
  const changedToNone = status.liveSessions === 0 && lastLegacySessions !== 0;
  if (lastLegacySessions === -1 || changedToNone) {
    log[status.liveSessions === 0 ? 'warn' : 'info']({ simplejwt: status }, legacyKeyAdvice(status, true));
  }
  lastLegacySessions = status.liveSessions;
}

function listeningUrl(app: FastifyInstance, host: string, configuredPort: number, tls: boolean): string {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : configuredPort;
  return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
