// PGlite must never be opened by two processes at once: two writers would corrupt the data
// directory. The process that opens it holds DATA_DIR/pglite.lock (our pid, created with O_EXCL);
// a lock whose pid is no longer alive is stale (the owner crashed) and is taken over.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class EmbeddedDatabaseBusyError extends Error {
  constructor(readonly pid: number) {
    super(`the embedded database is in use by process ${pid}`);
    this.name = 'EmbeddedDatabaseBusyError';
  }
}

export interface EmbeddedLock {
  release(): void;
}

export function lockPath(dataDir: string): string {
  return join(dataDir, 'pglite.lock');
}

export function acquireEmbeddedLock(dataDir: string): EmbeddedLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = lockPath(dataDir);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { release: () => releaseIfOurs(path) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readOwner(path);
      if (owner !== null && owner !== process.pid && isAlive(owner)) throw new EmbeddedDatabaseBusyError(owner);
      rmSync(path, { force: true }); // stale: its owner is gone
    }
  }
  throw new Error(`could not take ${path}`);
}

/** The pid of a live process holding the lock, or null. */
export function embeddedLockOwner(dataDir: string): number | null {
  const owner = readOwner(lockPath(dataDir));
  return owner !== null && isAlive(owner) ? owner : null;
}

function readOwner(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseIfOurs(path: string): void {
  if (readOwner(path) === process.pid) rmSync(path, { force: true });
}
