// While the service owns the embedded database (PGlite may only be opened by one process),
// the CLI reaches it through a Unix socket in DATA_DIR, readable by the owner only (0600).
// One JSON line in ({command, args}), one JSON line out ({ok, result} or {ok:false, error}).
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { hasCode } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Services } from '../runtime.js';
import { type Args, findCommand } from './commands.js';
import { type AdminReply, adminSocketPath } from './socket-client.js';

const MAX_REQUEST_BYTES = 64 * 1024;
/** On close, how long a command already running may take to answer before its connection is cut. */
const CLOSE_GRACE_MS = 5_000;

export async function serveAdmin(deps: Services, dataDir: string, log: Logger): Promise<{ close(): Promise<void> }> {
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
  const close = () =>
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
  return { close };
}

function handle(deps: Services, socket: Socket, log: Logger, started: () => void): void {
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

async function answer(deps: Services, line: string, log: Logger): Promise<AdminReply> {
  try {
    const { command, args } = JSON.parse(line) as { command: string; args: Args };
    const entry = findCommand(command);
    if (!entry) return { ok: false, error: { code: 'usage', message: `unknown command ${command}` } };
    return { ok: true, result: await entry.run(deps, args ?? {}) };
  } catch (err) {
    if (!hasCode(err)) log.warn({ err }, 'admin command failed');
    return { ok: false, error: { code: hasCode(err) ? err.code : 'error', message: (err as Error).message } };
  }
}
