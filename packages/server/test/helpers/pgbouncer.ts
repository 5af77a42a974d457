// The real PgBouncer from Debian between the service and the test PostgreSQL, in transaction
// pooling mode, with its own configuration and auth file in a temporary directory and stock
// settings otherwise, except a small server pool: fewer server connections than clients, so
// that transactions of different clients really share them (what breaks session state).
// PgBouncer refuses to run as root: started by root, it switches to the postgres user.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ADMIN_URL } from './databases.js';
import { freePort, sleep } from './process.js';

export const PGBOUNCER = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((path) => existsSync(path));
/** The password clients give PgBouncer (its auth file); PgBouncer logs in to PostgreSQL as the same user. */
const PASSWORD = 'bouncer-test-password';
export const SERVER_POOL_SIZE = 3;

export interface Bouncer {
  port: number;
  /** `databaseUrl` (a URL of the test server) rewritten to go through PgBouncer. */
  urlFor(databaseUrl: string): string;
  log(): string;
  close(): Promise<void>;
}

export function pgbouncerConfig(dir: string, port: number, server: URL): string {
  return `[databases]
* = host=${server.hostname} port=${server.port || 5432}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = md5
auth_file = ${dir}/userlist.txt
pool_mode = transaction
default_pool_size = ${SERVER_POOL_SIZE}
`;
}

export async function startPgbouncer(): Promise<Bouncer> {
  if (!PGBOUNCER) throw new Error('pgbouncer is not installed (apt-get install pgbouncer; .ci/run does)');
  const server = new URL(ADMIN_URL);
  const user = decodeURIComponent(server.username || 'postgres');
  const dir = mkdtempSync(join(tmpdir(), 'auth-pgbouncer-'));
  const port = await freePort();
  writeFileSync(join(dir, 'pgbouncer.ini'), pgbouncerConfig(dir, port, server));
  writeFileSync(join(dir, 'userlist.txt'), `"${user}" "${PASSWORD}"\n`);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    // The postgres user must read what root wrote (a throwaway password for a throwaway pooler).
    chmodSync(dir, 0o755);
    for (const file of ['pgbouncer.ini', 'userlist.txt']) chmodSync(join(dir, file), 0o644);
  }
  const args = [...(asRoot ? ['-u', systemUser()] : []), join(dir, 'pgbouncer.ini')];
  const child: ChildProcess = spawn(PGBOUNCER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const urlFor = (databaseUrl: string) => {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    url.username = user;
    url.password = PASSWORD;
    return url.toString();
  };
  try {
    await untilAccepting(urlFor(ADMIN_URL), child, () => log);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    urlFor,
    log: () => log,
    async close() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The account PgBouncer switches to when started by root: the one the machine's PostgreSQL runs as. */
function systemUser(): string {
  execFileSync('id', ['postgres'], { stdio: 'ignore' });
  return 'postgres';
}

async function untilAccepting(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited (${child.exitCode}):\n${log()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      last = (err as Error).message;
    } finally {
      await client.end().catch(() => {});
    }
    await sleep(100);
  }
  throw new Error(`pgbouncer did not accept connections in time (${last}):\n${log()}`);
}
