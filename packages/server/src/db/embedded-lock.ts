// PGlite must never be opened by two processes at once: two writers would corrupt the data
// directory. The process that opens it holds DATA_DIR/pglite.lock (its pid; only one process can
// create the file); a lock whose pid is no longer alive is stale (the owner crashed) and is taken
// over, by one process only even when several start at once.
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  // Another process's takeover holds its claim for a few system calls: wait for it, briefly.
  const deadline = Date.now() + 5_000;
  for (;;) {
    if (createWithOurPid(path)) return { release: () => releaseIfOurs(path) };
    const owner = readOwner(path);
    if (owner !== null && owner !== process.pid && isAlive(owner)) throw new EmbeddedDatabaseBusyError(owner);
    removeIfStale(path);
    if (Date.now() > deadline) throw new Error(`could not take ${path}`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); // sleep 5 ms
  }
}

/**
 * Creates `file` holding our pid, unless it exists. The pid is written to a file of our own
 * first and then linked in (link never replaces a file), so `file` never appears empty: a
 * reader would take an empty lock for a stale one and remove it.
 */
function createWithOurPid(file: string): boolean {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  writeFileSync(temp, String(process.pid), { mode: 0o600 });
  try {
    linkSync(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return false;
  } finally {
    rmSync(temp, { force: true });
  }
}

/**
 * Removes `file` if it names no live process. Two processes that both saw it stale must not
 * both remove it: the slower one would remove the lock the faster one has just created in its
 * place (and no rename or unlink is conditional on what the file holds). So removal happens
 * only under `${file}.takeover`, which one process at a time can create, and after reading the
 * file again. A takeover file left by a process killed in the middle is stale in its turn,
 * and removed the same way (under `${file}.takeover.takeover`).
 */
function removeIfStale(file: string): void {
  const claim = `${file}.takeover`;
  if (!createWithOurPid(claim)) {
    if (isStale(claim)) removeIfStale(claim);
    return; // someone else is taking over: the caller looks again
  }
  try {
    if (isStale(file)) rmSync(file, { force: true });
  } finally {
    rmSync(claim, { force: true });
  }
}

/**
 * `file` exists and names no live process other than us (our own pid there was left by an
 * earlier process that had it). A missing file is not stale: removing "it" could remove a
 * lock created meanwhile.
 */
function isStale(file: string): boolean {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const pid = parsePid(content);
  return pid === null || pid === process.pid || !isAlive(pid);
}

/** The pid of a live process holding the lock, or null. */
export function embeddedLockOwner(dataDir: string): number | null {
  const owner = readOwner(lockPath(dataDir));
  return owner !== null && isAlive(owner) ? owner : null;
}

function readOwner(path: string): number | null {
  try {
    return parsePid(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

function parsePid(content: string): number | null {
  const pid = Number(content.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
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
