// The service process: load config, start serving (one process, or a cluster of workers on
// PostgreSQL), stop gracefully on SIGTERM/SIGINT: in-flight requests finish, new ones are
// refused, then exit 0.
import { isClusterWorker, runPrimary } from './cluster.js';
import { type Config, ConfigError, parseConfig } from './config/config.js';
import { type AppLogger, createLogger } from './logger.js';
import { openRuntime, type Runtime } from './runtime.js';
import { type RunningServer, startServer } from './server.js';

export async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  if (!isClusterWorker() && config.workers > 1) {
    return runPrimary(config, log).catch((err) => fail(log, err));
  }
  const { runtime, server } = await start(config, log).catch((err) => fail(log, err));
  stopOnSignals(config, log, async (signal) => {
    // SIGTERM is how orchestrators and rolling restarts stop us: first leave the balancer
    // (readiness 503, still serving), then drain. SIGINT (Ctrl-C at a terminal) drains at once.
    if (signal === 'SIGTERM' && config.http.drainDelayMs > 0) {
      log.info({ delayMs: config.http.drainDelayMs }, 'draining: readiness answers 503, requests still served');
      await server.drain(config.http.drainDelayMs);
    }
    await server.close();
    await runtime.close();
  });
}

function loadConfig(): Config {
  try {
    return parseConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`auth-service: invalid configuration: ${err.message}\n`);
    process.exit(1);
  }
}

async function start(config: Config, log: AppLogger): Promise<{ runtime: Runtime; server: RunningServer }> {
  // Workers skip migrations: the cluster primary applied them before forking.
  const runtime = await openRuntime(config, { log, migrate: !isClusterWorker() });
  try {
    return { runtime, server: await startServer(runtime, log) };
  } catch (err) {
    await runtime.close().catch(() => {});
    throw err;
  }
}

function fail(log: AppLogger, err: unknown): never {
  log.fatal({ err }, 'auth-service could not start');
  process.exit(1);
}

function stopOnSignals(config: Config, log: AppLogger, close: (signal: string) => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    // SHUTDOWN_TIMEOUT bounds the drain, which starts after the drain delay.
    const delayMs = signal === 'SIGTERM' ? config.http.drainDelayMs : 0;
    const force = setTimeout(() => {
      log.error('shutdown timed out; exiting');
      process.exit(1);
    }, delayMs + config.http.shutdownTimeoutMs);
    force.unref();
    close(signal).then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // A worker whose primary is gone (killed with -9, say) must not serve on as an orphan that
  // nothing supervises or stops: it drains and exits like on SIGTERM.
  if (isClusterWorker()) process.on('disconnect', () => stop('primary gone'));
}
