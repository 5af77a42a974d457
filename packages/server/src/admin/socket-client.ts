// The CLI's side of the admin socket (socket-server.ts): one JSON line out, one JSON line back.
import { createConnection } from 'node:net';
import { join } from 'node:path';
import type { Args } from './commands.js';

export const adminSocketPath = (dataDir: string) => join(dataDir, 'admin.sock');

export interface AdminReply {
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
}

/**
 * Calls the service that holds the embedded database. It may still be starting (the lock is
 * taken before the socket listens): a refused or missing socket is retried for `waitMs`;
 * nothing has run then, so retrying is safe.
 */
export async function callAdminWhenUp(dataDir: string, command: string, args: Args, waitMs = 15_000): Promise<AdminReply> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await callAdmin(dataDir, command, args);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ECONNREFUSED') throw err;
      if (Date.now() > deadline) {
        throw new Error(`the service that holds ${dataDir} does not answer on its admin socket (${code}); is it still starting?`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Sends one command to the service that owns the embedded database. */
export function callAdmin(dataDir: string, command: string, args: Args): Promise<AdminReply> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(adminSocketPath(dataDir));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify({ command, args })}\n`));
    socket.on('data', (chunk: string) => {
      data += chunk;
    });
    socket.on('end', () => {
      try {
        resolve(JSON.parse(data) as AdminReply);
      } catch (err) {
        reject(err);
      }
    });
    socket.on('error', reject);
  });
}
