// Throwaway PostgreSQL clusters for failover tests: a primary (initdb) and a streaming standby
// (pg_basebackup -R) on free high ports, in temporary directories, with the machine's
// PostgreSQL binaries. The standby is synchronous (synchronous_standby_names on the primary,
// synchronous_commit on): a commit is acknowledged only once the standby has flushed it, so a
// promoted standby has every acknowledged commit. PostgreSQL refuses to run as root: started
// by root, every command runs as the postgres user, which owns the directories.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, sleep } from './process.js';

const ROOT = '/usr/lib/postgresql';
/** The newest installed server's binaries (initdb, pg_ctl, pg_basebackup), if any. */
export const PG_BIN = existsSync(ROOT)
  ? readdirSync(ROOT)
      .filter((v) => existsSync(join(ROOT, v, 'bin', 'initdb')))
      .sort((x, y) => Number(x) - Number(y))
      .map((v) => join(ROOT, v, 'bin'))
      .pop()
  : undefined;

const STANDBY_NAME = 'standby1';
const live = new Set<string>();
process.on('exit', () => {
  for (const dir of live) spawnSync(join(PG_BIN ?? '', 'pg_ctl'), ['-D', dir, '-m', 'immediate', 'stop'], runAs());
});

/** Runs as the postgres user when we are root (uid/gid of `id postgres`). */
function runAs(): { uid?: number; gid?: number; stdio: 'pipe' } {
  if (process.getuid?.() !== 0) return { stdio: 'pipe' };
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid, stdio: 'pipe' };
}

function run(binary: string, args: string[]): string {
  const result = spawnSync(join(PG_BIN ?? '', binary), args, { ...runAs(), cwd: tmpdir() });
  if (result.status !== 0) throw new Error(`${binary} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout.toString();
}

export interface PgNode {
  port: number;
  dir: string;
  url(database?: string): string;
  /** `immediate`: as if the machine died (no shutdown checkpoint). */
  stop(mode?: 'fast' | 'immediate'): void;
  promote(): void;
  log(): string;
}

function node(dir: string, port: number): PgNode {
  return {
    port,
    dir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop(mode = 'fast') {
      run('pg_ctl', ['-D', dir, '-m', mode, '-w', 'stop']);
      live.delete(dir);
    },
    promote() {
      run('pg_ctl', ['-D', dir, '-w', 'promote']);
    },
    log: () => (existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8') : ''),
  };
}

function ownedDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const { uid, gid } = runAs();
  if (uid !== undefined && gid !== undefined) chownSync(dir, uid, gid);
  return dir;
}

function start(dir: string): void {
  run('pg_ctl', ['-D', dir, '-l', join(dir, 'server.log'), '-w', 'start']);
  live.add(dir);
}

/** The settings of a node: its port, loopback only, sockets in its own directory. */
function settings(dir: string, port: number, extra: string[] = []): string {
  return [`port = ${port}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${dir}'`, ...extra].join('\n');
}

export interface ReplicatedPair {
  primary: PgNode;
  standby: PgNode;
  close(): void;
}

export async function startReplicatedPair(): Promise<ReplicatedPair> {
  if (!PG_BIN) throw new Error(`no PostgreSQL server binaries under ${ROOT} (apt-get install postgresql)`);
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const base = ownedDir('auth-pg-');
  const primaryDir = join(base, 'primary');
  const standbyDir = join(base, 'standby');
  run('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '--no-sync']);
  writeFileSync(join(primaryDir, 'postgresql.conf'), `${settings(primaryDir, primaryPort)}\n`, { flag: 'a' });
  start(primaryDir);
  const primary = node(primaryDir, primaryPort);
  run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', standbyDir, '-R', '-X', 'stream']);
  const standbySettings = settings(standbyDir, standbyPort, [
    `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres application_name=${STANDBY_NAME}'`,
  ]);
  writeFileSync(join(standbyDir, 'postgresql.auto.conf'), `${standbySettings}\n`, { flag: 'a' });
  start(standbyDir);
  const standby = node(standbyDir, standbyPort);
  // Only now, on the primary alone (the standby's copy of the settings is taken already): once
  // promoted, the standby must not wait for a standby of its own.
  await query(primary.url(), `ALTER SYSTEM SET synchronous_standby_names = '${STANDBY_NAME}'`);
  await query(primary.url(), 'SELECT pg_reload_conf()');
  await untilSynchronous(primary);
  return {
    primary,
    standby,
    close() {
      for (const dir of [primaryDir, standbyDir]) {
        if (live.has(dir)) spawnSync(join(PG_BIN ?? '', 'pg_ctl'), ['-D', dir, '-m', 'immediate', '-w', 'stop'], runAs());
        live.delete(dir);
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}

export async function query<T = Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

async function untilSynchronous(primary: PgNode): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const rows = await query<{ sync_state: string }>(
      primary.url(),
      `SELECT sync_state FROM pg_stat_replication WHERE application_name = '${STANDBY_NAME}'`,
    );
    if (rows[0]?.sync_state === 'sync') return;
    await sleep(100);
  }
  throw new Error(`the standby did not become synchronous:\n${primary.log()}`);
}
