// Revocation delay: from the moment a logout's 200 reaches the client to the first moment
// each subscribed verifier refuses that session (isRevoked(sid) true), with several verifiers
// subscribed, each in its own process. `npm run bench:revocations -w @auth-service/server`.
//
//   --verifiers <n>   subscribed verifier processes (8)
//   --rounds <n>      logouts measured (200)
//   --workers <n>     WORKERS of the service (2; PostgreSQL)
//   --embedded        the embedded database (PGlite, one process) instead of PostgreSQL
//
// PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); a
// database auth_service_bench_revocations is recreated.
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_PASSWORD, request, startOurs } from './bench/services.js';

const { values: opts } = parseArgs({
  options: {
    verifiers: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '200' },
    workers: { type: 'string', default: '2' },
    embedded: { type: 'boolean', default: false },
  },
});
const VERIFIERS = Number(opts.verifiers);
const ROUNDS = Number(opts.rounds);
const TOKEN = randomBytes(32).toString('hex');
const SUBSCRIBER = fileURLToPath(new URL('./bench/revocation-subscriber.js', import.meta.url));
const log = (line) => process.stderr.write(`bench: ${line}\n`);
const now = () => performance.timeOrigin + performance.now();

const service = opts.embedded
  ? await startEmbedded()
  : await startOurs({
      adminUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      port: 18_543,
      users: 1,
      database: 'auth_service_bench_revocations',
      env: { REVOCATION_FEED_TOKEN: TOKEN, WORKERS: opts.workers, PURGE_INTERVAL: '0', LOGIN_FREE_FAILURES: '1000000' },
    });
const subscribers = [];
try {
  for (let i = 0; i < VERIFIERS; i++) subscribers.push(startSubscriber(service));
  await Promise.all(subscribers.map((s) => s.ready));
  log(`${VERIFIERS} verifiers subscribed; logging in ${ROUNDS} sessions`);
  const pairs = [];
  for (let i = 0; i < ROUNDS; i += 8) {
    const batch = Array.from({ length: Math.min(8, ROUNDS - i) }, () => login(service.base));
    pairs.push(...(await Promise.all(batch)));
  }
  const delays = [];
  for (const pair of pairs) delays.push(...(await measure(service.base, pair, subscribers)));
  report(delays);
} finally {
  for (const s of subscribers) s.close();
  await service.stop();
}

async function measure(base, pair, subscribers) {
  const sid = JSON.parse(Buffer.from(pair.access.split('.')[1], 'base64url').toString()).sid;
  const seen = subscribers.map((s) => s.watch(sid));
  const res = await request(base, 'POST', '/auth/logout/', { refresh_token: pair.refresh });
  const okAt = now();
  if (res.status !== 200) throw new Error(`logout answered ${res.status}: ${res.text}`);
  const times = await Promise.all(seen);
  await new Promise((resolve) => setTimeout(resolve, 10));
  return times.map((at) => at - okAt);
}

async function login(base) {
  const res = await request(base, 'POST', '/auth/login/', { username: 'bench0', password: BENCH_PASSWORD });
  if (res.status !== 200) throw new Error(`login answered ${res.status}: ${res.text}`);
  return res.json();
}

function startSubscriber(service) {
  const child = fork(SUBSCRIBER, [service.base, join(service.dataDir, 'tls', 'cert.pem'), TOKEN], { stdio: 'inherit' });
  const waiting = new Map();
  let readyResolve;
  const ready = new Promise((resolve) => {
    readyResolve = resolve;
  });
  child.on('message', (message) => {
    if (message.ready) return readyResolve();
    waiting.get(message.sid)?.(message.at);
    waiting.delete(message.sid);
  });
  return {
    ready,
    watch: (sid) =>
      new Promise((resolve) => {
        waiting.set(sid, resolve);
        child.send({ sid });
      }),
    close: () => child.connected && child.send({ close: true }),
  };
}

function report(delays) {
  const sorted = [...delays].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const ms = (v) => `${v.toFixed(1)} ms`;
  const early = sorted.filter((d) => d < 0).length;
  const mode = opts.embedded ? 'embedded (PGlite)' : `PostgreSQL, WORKERS=${opts.workers}`;
  log(`${mode}, ${VERIFIERS} verifiers, ${ROUNDS} logouts: ${sorted.length} refusals measured`);
  log(`delay from logout 200 to first refusal: p50 ${ms(at(0.5))}  p90 ${ms(at(0.9))}  p99 ${ms(at(0.99))}  max ${ms(at(1))}`);
  log(`refused before the 200 reached the client: ${early} of ${sorted.length}`);
  process.stdout.write(
    `${JSON.stringify({ mode, verifiers: VERIFIERS, rounds: ROUNDS, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) })}\n`,
  );
}

/** The service on the embedded database, with the bench user made through the CLI. */
async function startEmbedded() {
  const server = fileURLToPath(new URL('../', import.meta.url));
  const dataDir = mkdtempSync(join(tmpdir(), 'auth-bench-revocations-'));
  const env = { ...process.env, DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '18544', LOG_LEVEL: 'warn' };
  Object.assign(env, { REVOCATION_FEED_TOKEN: TOKEN, LOGIN_CLIENT_LIMIT: '1000000000', LOGIN_FREE_FAILURES: '1000000' });
  Object.assign(env, { PURGE_INTERVAL: '0', WORKERS: '1' });
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['dist/src/main.js'], { cwd: server, env, stdio: 'inherit' });
  const base = 'https://127.0.0.1:18544';
  for (let i = 0; ; i++) {
    const ready = await request(base, 'GET', '/auth/health/ready/').catch(() => null);
    if (ready?.status === 200) break;
    if (i > 600) throw new Error('the embedded service did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const cli = spawn(process.execPath, ['bin/auth-service.js', 'user', 'create', 'bench0'], { cwd: server, env });
  cli.stdin.end(`${BENCH_PASSWORD}\n`);
  await new Promise((resolve) => cli.on('exit', resolve));
  return {
    base,
    dataDir,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
