// The process's open-file limit (ulimit -n), which bounds how many connections it can hold: past
// it, accept() fails and new clients cannot even complete a handshake.
import { readFileSync } from 'node:fs';

/** The soft limit, or null where /proc/self/limits does not exist (not Linux). */
export function openFileLimit(): number | null {
  try {
    const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return line ? Number(line[1]) : null;
  } catch {
    return null;
  }
}

/** Files the process needs besides client connections: database, logs, admin socket, threads. */
export const RESERVED_FILES = 256;
