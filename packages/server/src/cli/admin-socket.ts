// While the service owns the embedded database (PGlite may only be opened by one process),
// the CLI reaches it through a Unix socket in DATA_DIR, readable by the owner only (0600).
// One JSON line in ({command, args}), one JSON line out ({ok, result} or {ok:false, error}).
import { chmodSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { AuthDeps, Logger } from '../auth/deps.js';
import { AuthError } from '../errors.js';
import { type Args, isCommand, runCommand } from './commands.js';

const MAX_REQUEST_BYTES = 64 * 1024;
/** On close, how long a command already running may take to answer before its connection is cut. */
const CLOSE_GRACE_MS = 5_000;

export const adminSocketPath = (dataDir: string) => join(dataDir, 'admin.sock');

export interface AdminReply {
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
}

export async function serveAdmin(deps: AuthDeps, dataDir: string, log: Logger): Promise<() => Promise<void>> {
  const path = adminSocketPath(dataDir);
  rmSync(path, { force: true }); // a socket file left by a crashed owner (we hold the lock now)
  // server.close() waits for every open connection: a client that connects and sends nothing
  // would hold the shutdown back until SHUTDOWN_TIMEOUT. Track them, to close them ourselves.
  const idle = new Set<Socket>();
  const busy = new Set<Socket>();
  const server = createServer((socket) => {
    idle.add(socket);
    socket.on('close', () => {
      idle.delete(socket);
      busy.delete(socket);
    });
    handle(deps, socket, log, () => {
      idle.delete(socket);
      busy.add(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      rmSync(path, { force: true });
      // Nothing runs for an idle connection (no complete request line): cut it now. A command
      // already running may still answer, for a moment; then its connection is cut too.
      for (const socket of idle) socket.destroy();
      setTimeout(() => {
        for (const socket of busy) socket.destroy();
      }, CLOSE_GRACE_MS).unref();
    });
}

function handle(deps: AuthDeps, socket: Socket, log: Logger, started: () => void): void {
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('error', () => {});
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    if (buffer.length > MAX_REQUEST_BYTES) return socket.destroy();
    const newline = buffer.indexOf('\n');
    if (newline < 0) return;
    socket.removeAllListeners('data');
    started();
    answer(deps, buffer.slice(0, newline), log).then((reply) => socket.end(`${JSON.stringify(reply)}\n`));
  });
}

async function answer(deps: AuthDeps, line: string, log: Logger): Promise<AdminReply> {
  try {
    const { command, args } = JSON.parse(line) as { command: string; args: Args };
    if (!isCommand(command)) return { ok: false, error: { code: 'usage', message: `unknown command ${command}` } };
    return { ok: true, result: await runCommand(deps, command, args ?? {}) };
  } catch (err) {
    if (!(err instanceof AuthError)) log.warn({ err }, 'admin command failed');
    return { ok: false, error: { code: err instanceof AuthError ? err.code : 'error', message: (err as Error).message } };
  }
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
