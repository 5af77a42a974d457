// Starts one serving process: database, migrations, keys, HTTPS, background jobs, and the
// admin socket the CLI uses while this process owns the embedded database.
import type { FastifyInstance } from 'fastify';
import { type AuthDeps, buildDeps, closeDeps } from './auth/deps.js';
import { flushExpired } from './auth/maintenance.js';
import { serveAdmin } from './cli/admin-socket.js';
import type { Config } from './config/config.js';
import { loadTls, tlsServerOptions } from './crypto/tls.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/open.js';
import { buildApp } from './http/app.js';
import type { AppLogger } from './logger.js';

export interface RunningServer {
  app: FastifyInstance;
  deps: AuthDeps;
  url: string;
  close(): Promise<void>;
}

const SYSTEM = { clientIp: 'system', userAgent: 'auth-service purge' };

export async function startServer(config: Config, log: AppLogger, options: { migrate?: boolean } = {}): Promise<RunningServer> {
  const db = await openDatabase(config, (err) => log.warn({ err }, 'database connection lost; the pool reconnects'));
  const cleanup: Array<() => Promise<void> | void> = [() => db.close()];
  try {
    if (options.migrate !== false) {
      const applied = await migrate(db);
      if (applied.length) log.info({ applied }, 'migrations applied');
    }
    const deps = await buildDeps(db, config, { log });
    cleanup.unshift(() => closeDeps(deps));
    const https = config.tls.mode === 'native' ? tlsServerOptions(await loadTls(config, log)) : null;
    const app = buildApp(deps, {
      logger: log,
      server: { https, forceCloseConnections: 'idle', keepAliveTimeout: 72_000 } as never,
    });
    await app.listen({ port: config.port, host: config.host });
    const closeHttp = () => app.close();
    cleanup.unshift(closeHttp);
    cleanup.unshift(startBackgroundJobs(deps, log));
    // The admin socket closes once HTTP has drained (before the database): nothing it does may
    // delay the drain.
    if (db.kind === 'pglite') cleanup.splice(cleanup.indexOf(closeHttp) + 1, 0, await serveAdmin(deps, config.dataDir, log));
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `${https ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    log.info({ url, database: db.kind, algorithm: config.jwt.algorithm }, 'auth-service listening');
    return { app, deps, url, close: () => runAll(cleanup) };
  } catch (err) {
    await runAll(cleanup).catch(() => {});
    throw err;
  }
}

/** Key reloads (rotation by another process) and the expired-token purge; returns a stopper. */
function startBackgroundJobs(deps: AuthDeps, log: AppLogger): () => void {
  const { purge, jwt } = deps.config;
  const timers = [setInterval(() => deps.keys.reload().catch((err) => log.warn({ err }, 'key reload failed')), jwt.keyReloadMs)];
  if (purge.intervalMs > 0) {
    // At most 10 batches per run: the purge must never crowd out requests.
    const run = () => flushExpired(deps, SYSTEM, 10).catch((err) => log.warn({ err }, 'purge failed'));
    timers.push(setInterval(run, purge.intervalMs));
  }
  for (const timer of timers) timer.unref();
  return () => timers.forEach(clearInterval);
}

async function runAll(steps: Array<() => Promise<void> | void>): Promise<void> {
  for (const step of steps) await step();
}
