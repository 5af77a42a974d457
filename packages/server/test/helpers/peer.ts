// The real Django + SimpleJWT peer (shared/peers/simplejwt, beside the repository), started on a
// throwaway PostgreSQL database and a free port, from a private copy of its folder (its run/
// state, certificate and the settings overlay below stay ours; the shared folder is read only).
// The overlay is what a consumer changes to verify ES256 through our JWKS: SIMPLE_JWT's
// ALGORITHM and JWK_URL, set here when PEER_JWK_URL is given.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { ADMIN_URL } from './databases.js';
import { PYTHON } from './django.js';
import type { Answer, Endpoint } from './endpoint.js';
import { endpoint } from './endpoint.js';
import { freePort, httpsRequest, PACKAGE_DIR } from './process.js';

const OVERLAY = `
# --- auth-service test overlay: a consumer verifying ES256 tokens through a JWKS URL.
if os.environ.get("PEER_JWK_URL"):
    SIMPLE_JWT["ALGORITHM"] = "ES256"
    SIMPLE_JWT["JWK_URL"] = os.environ["PEER_JWK_URL"]
`;

/** Where the peer is: SIMPLEJWT_PEER_DIR, or shared/ beside the repository (CI), or the workplace's. */
export function peerSource(): string | undefined {
  const candidates = [
    process.env.SIMPLEJWT_PEER_DIR,
    resolve(PACKAGE_DIR, '../../../shared/peers/simplejwt'),
    '/work/shared/peers/simplejwt',
  ];
  return candidates.find((dir) => dir && existsSync(join(dir, 'start.sh')));
}

export interface PeerDatabase {
  name: string;
  /** The Django database as `import django --from` reads it. */
  url: string;
  secretKey: string;
  dir: string;
  drop(): Promise<void>;
}

/** A private copy of the peer and a database name for it (start.sh creates the database). */
export function preparePeer(): PeerDatabase {
  const source = peerSource();
  if (!source) throw new Error('the simplejwt peer is not there (shared/peers/simplejwt beside the repository)');
  const dir = mkdtempSync(join(tmpdir(), 'simplejwt-peer-'));
  cpSync(source, dir, { recursive: true, filter: (path) => !/\/(run|__pycache__)(\/|$)/.test(path.slice(source.length)) });
  appendFileSync(join(dir, 'peer', 'settings.py'), OVERLAY);
  const name = `simplejwt_peer_test_${randomBytes(5).toString('hex')}`;
  return {
    name,
    url: `postgres://simplejwt_peer:simplejwt-peer-password@127.0.0.1:5432/${name}`,
    secretKey: `peer-secret-${randomBytes(24).toString('hex')}`,
    dir,
    async drop() {
      const admin = new pg.Client({ connectionString: ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => admin.end());
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Peer extends Endpoint {
  port: number;
  stop(): Promise<void>;
}

function peerEnv(db: PeerDatabase, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    PYTHON: PYTHON ?? 'python3',
    DB_NAME: db.name,
    DJANGO_SECRET_KEY: db.secretKey,
    DJANGO_SETTINGS_MODULE: 'peer.settings',
    BENCH_USERS: '0',
    ...extra,
  };
}

/** Starts the peer (start.sh: migrate, seed alice and inactive, gunicorn with TLS) on a free port. */
export async function startPeer(db: PeerDatabase, extra: Record<string, string> = {}): Promise<Peer> {
  const port = await freePort();
  const run = await exec('bash', ['start.sh'], db.dir, peerEnv(db, { PORT: String(port), ...extra }), 180_000);
  if (run.code !== 0) throw new Error(`peer start.sh failed (${run.code}): ${run.output}`);
  const agent = new https.Agent({ keepAlive: false, ca: readFileSync(join(db.dir, 'run', 'cert.pem')) });
  const request = (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer> =>
    httpsRequest(agent, port, method, path, body, headers);
  return {
    ...endpoint(request),
    port,
    async stop() {
      await exec('bash', ['stop.sh', String(port)], db.dir, peerEnv(db), 30_000);
      agent.destroy();
    },
  };
}

/** Runs a Python script in the peer's folder with its settings; `input` as JSON on stdin, stdout parsed. */
export async function peerPython<T>(db: PeerDatabase, script: string, input: unknown): Promise<T> {
  const run = await exec(PYTHON ?? 'python3', [script], db.dir, peerEnv(db), 120_000, JSON.stringify(input));
  if (run.code !== 0) throw new Error(`${script} failed: ${run.output}`);
  return JSON.parse(run.stdout) as T;
}

/** `manage.py <args>` in the peer's folder; resolves with its stdout. */
export async function manage(db: PeerDatabase, args: string[]): Promise<string> {
  const run = await exec(PYTHON ?? 'python3', ['manage.py', ...args], db.dir, peerEnv(db), 120_000);
  if (run.code !== 0) throw new Error(`manage.py ${args.join(' ')} failed: ${run.output}`);
  return run.stdout;
}

function exec(cmd: string, args: string[], cwd: string, env: Record<string, string>, timeoutMs: number, input = '') {
  const child = spawn(cmd, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise<{ code: number | null; stdout: string; output: string }>((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, output });
    });
  });
}
