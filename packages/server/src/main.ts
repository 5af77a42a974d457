// The service process: load config, start serving, stop gracefully on SIGTERM/SIGINT
// (in-flight requests finish, new ones are refused, then exit 0).
import { ConfigError, parseConfig } from './config/config.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';

export async function main(): Promise<void> {
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`auth-service: invalid configuration: ${err.message}\n`);
    process.exit(1);
  }
  const log = createLogger(config.logLevel);
  const server = await startServer(config, log).catch((err) => {
    log.fatal({ err }, 'auth-service could not start');
    process.exit(1);
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      log.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.http.shutdownTimeoutMs);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
