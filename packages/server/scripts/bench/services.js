// The two systems under test, each started on the machine's PostgreSQL and stopped afterwards:
// ours (the built service, in its default process layout) and the SimpleJWT peer (its own
// start.sh / stop.sh, in the configuration asked for).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

const SERVER = fileURLToPath(new URL('../../', import.meta.url));
export const PEER_DIR = fileURLToPath(new URL('../../../../../shared/peers/simplejwt/', import.meta.url));
export const BENCH_PASSWORD = 'bench-password';

/** One JSON request over HTTPS to a loopback service with a self-signed certificate. */
export function request(base, method, path, body, headers = {}) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, base),
      {
        method,
        rejectUnauthorized: false, // the benchmark talks to its own loopback services only
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode, text, json: () => JSON.parse(text) }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A fresh token pair for bench0. */
export async function tokens(base) {
  const res = await request(base, 'POST', '/auth/login/', { username: 'bench0', password: BENCH_PASSWORD });
  if (res.status !== 200) throw new Error(`login of bench0 at ${base} answered ${res.status}: ${res.text}`);
  return res.json();
}

async function waitFor(check, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The process and all its descendants, for resident-memory sampling. */
export function processTree(root) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const tree = [];
  const walk = (pid) => {
    tree.push(pid);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(root);
  return tree;
}

async function recreateDatabase(adminUrl, name) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates bench0..bench{n-1} through the service's own use case (argon2id, as in production). */
async function createBenchUsers(databaseUrl, count, server = SERVER) {
  // The users are made by the code of the service under test (its own migrations, its own hasher).
  const dist = (path) => pathToFileURL(join(server, 'dist/src', path)).href;
  const { parseConfig } = await import(dist('config/config.js'));
  const { openRuntime } = await import(dist('runtime.js'));
  const { CLI_CONTEXT } = await import(dist('auth/context.js'));
  const { SILENT_LOGGER } = await import(dist('logger.js'));
  const { createUser } = await import(dist('auth/users.js'));
  // A generous queue timeout: on a busy machine a batch of hashes may wait longer than a login would.
  const config = parseConfig({ DATABASE_URL: databaseUrl, DATA_DIR: tmpdir(), PURGE_INTERVAL: '0', HASH_QUEUE_TIMEOUT: '120s' });
  const deps = await openRuntime(config, { log: SILENT_LOGGER, migrate: true });
  try {
    // In batches: the hashing queue is bounded (HASH_QUEUE_LIMIT), as in production.
    for (let first = 0; first < count; first += 16) {
      const batch = Array.from({ length: Math.min(16, count - first) }, (_, i) => `bench${first + i}`);
      await Promise.all(batch.map((name) => createUser(deps, name, BENCH_PASSWORD, CLI_CONTEXT)));
    }
  } finally {
    await deps.close();
  }
}

/**
 * Starts our service (`node dist/src/main.js`) on a fresh database; returns a handle. `server`:
 * the package directory of another build (a baseline, for side-by-side figures). `joining`: the
 * URL of a database another instance started on (a second instance: nothing recreated or created).
 */
export async function startOurs({ adminUrl, port, users, env = {}, database = 'auth_service_bench', server = SERVER, joining }) {
  const databaseUrl = joining ?? (await recreateDatabase(adminUrl, database));
  const dataDir = mkdtempSync(join(tmpdir(), 'auth-bench-'));
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: server,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      // The load comes from one address: the per-client login limit would measure the throttle.
      LOGIN_CLIENT_LIMIT: '1000000000',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const base = `https://127.0.0.1:${port}`;
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    await Promise.race([
      waitFor(async () => (await request(base, 'GET', '/auth/health/ready/')).status === 200, `our service on ${base}`),
      exited.then((code) => Promise.reject(new Error(`our service exited with ${code}: ${stderr}`))),
    ]);
    if (!joining) await createBenchUsers(databaseUrl, users, server);
  } catch (err) {
    child.kill('SIGTERM');
    await exited;
    throw err;
  }
  return {
    name: 'ours',
    base,
    databaseUrl,
    dataDir,
    rootPid: () => child.pid,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts the SimpleJWT peer with its start.sh in the given configuration. */
export async function startPeer({ port, users, env, label }) {
  const run = spawnSync('bash', [join(PEER_DIR, 'start.sh')], {
    env: { ...process.env, PORT: String(port), BENCH_USERS: String(users), ...env },
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (run.status !== 0) {
    throw new Error(`the peer (${label}) could not be started: start.sh exited ${run.status}\n${run.stderr || run.stdout}`);
  }
  const pidFile = join(PEER_DIR, 'run', `gunicorn-${port}.pid`);
  return {
    name: label,
    base: `https://127.0.0.1:${port}`,
    rootPid: () => Number(readFileSync(pidFile, 'utf8').trim()),
    async stop() {
      spawnSync('bash', [join(PEER_DIR, 'stop.sh'), String(port)], { encoding: 'utf8' });
    },
  };
}

/** Starts the machine-limit server (limit-server.js): the same endpoints doing only their unavoidable work. */
export async function startLimit({ port }) {
  const child = spawn(process.execPath, [fileURLToPath(new URL('limit-server.js', import.meta.url)), String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await new Promise((resolve, reject) => {
    const collect = (chunk) => {
      output += chunk;
      if (output.includes(`listening ${port}`)) resolve();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    exited.then((code) => reject(new Error(`the limit server exited with ${code}: ${output}`)));
  });
  return {
    name: 'limit',
    base: `https://127.0.0.1:${port}`,
    rootPid: () => child.pid,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
