// One password-hashing thread (see hash-pool.ts). It lowers its own scheduling priority, so
// that on a busy machine the event loop (refresh, verify, me) always runs first and hashing
// takes the CPU that is left: a login flood cannot slow down everything else. Django's hashes
// (imported users) are verified here too, so that they are bounded by the same limiter.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { hashSync, verifySync } from '@node-rs/argon2';
import { ARGON2 } from './argon2.js';
import { verifyDjangoSync } from './django-hashes.js';

export const HASH_THREAD_NICE = 10;

export type HashJob =
  | { id: number; op: 'hash'; password: string }
  | { id: number; op: 'verify'; stored: string; password: string };
export type HashResult = { id: number; value?: string | boolean; error?: string };

function lowerOwnPriority(): void {
  try {
    // /proc/thread-self names this thread's id; setpriority() on a thread id renices that thread only (Linux).
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(tid, HASH_THREAD_NICE);
  } catch {
    // Not Linux, or not allowed: hashing still works, at normal priority.
  }
}

function verifyStored(stored: string, password: string): boolean {
  return stored.startsWith('$argon2') ? verifySync(stored, password) : verifyDjangoSync(stored, password);
}

if (parentPort) {
  lowerOwnPriority();
  const port = parentPort;
  port.on('message', (job: HashJob) => {
    const reply: HashResult = { id: job.id };
    try {
      reply.value = job.op === 'hash' ? hashSync(job.password, ARGON2) : verifyStored(job.stored, job.password);
    } catch (err) {
      reply.error = (err as Error).message;
    }
    port.postMessage(reply);
  });
}
