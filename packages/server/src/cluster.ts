// Several serving processes on one port (node:cluster), for PostgreSQL deployments: one
// Node.js process uses one core for JavaScript, and token signing, JSON and TLS are
// JavaScript-side work. The primary does the once-only work (migrations, the first signing
// key, the self-signed certificate), then forks WORKERS workers, replaces any that die, and
// on SIGTERM stops them all gracefully before exiting.
import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config/config.js';
import { loadTls } from './crypto/tls.js';
import type { AppLogger } from './logger.js';
import { serveClusterMetrics } from './metrics/serve.js';
import { openRuntime } from './runtime.js';

const RESPAWN_DELAY_MS = 1000;

export async function runPrimary(config: Config, log: AppLogger): Promise<void> {
  await prepare(config, log);
  let stopping = false;
  const fork = () => cluster.fork();
  cluster.on('exit', (worker: Worker, code, signal) => {
    if (stopping) return;
    log.error({ pid: worker.process.pid, code, signal }, 'worker died; starting a new one');
    setTimeout(fork, RESPAWN_DELAY_MS);
  });
  for (let i = 0; i < config.workers; i++) fork();
  await serveClusterMetrics(config, log); // closed with the process
  log.info({ workers: config.workers }, 'cluster primary started');

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    const check = setInterval(() => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    }, 50);
    check.unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // The orchestrator signals the primary; each worker serves its own TLS context.
  process.on('SIGHUP', () => {
    log.info({ signal: 'SIGHUP' }, 'reloading the certificate in every worker');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGHUP');
  });
}

/**
 * The once-only start-up work, done before any worker exists so that workers never race on it:
 * migrations and the first signing key (openRuntime's steps), and the development certificate.
 */
async function prepare(config: Config, log: AppLogger): Promise<void> {
  const runtime = await openRuntime(config, { log, migrate: true });
  await runtime.close();
  if (config.tls.mode === 'native') await loadTls(config, log);
}

export const isClusterWorker = () => cluster.isWorker;
