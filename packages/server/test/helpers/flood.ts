// Hostile clients for the connection-limit tests and the soak script: an idle flood (TCP
// connections that never send a byte, not even a ClientHello), and honest probes that each
// open a fresh connection, so that every probe needs the server to accept and complete a handshake.

import { readFileSync } from 'node:fs';
import https from 'node:https';
import { connect, type Socket } from 'node:net';
import { httpsRequest } from './process.js';

export interface IdleFlood {
  /** Connections that were established (the server accepted them, if only to close them). */
  readonly established: number;
  /** Connection attempts that failed outright (refused, reset before connecting). */
  readonly failed: number;
  /** Connections still open now. */
  held(): number;
  /** Closes every connection still open. */
  close(): void;
}

export interface FloodOptions {
  /** Connection attempts in all. */
  count: number;
  /** The flood's source address (any 127.x address is loopback on Linux): not the probes' 127.0.0.1. */
  from?: string;
  /** Attempts in flight at once. */
  parallel?: number;
}

/** Opens `count` idle connections to the port; resolves once every attempt has settled. */
export async function idleFlood(port: number, options: FloodOptions): Promise<IdleFlood> {
  const open = new Set<Socket>();
  let established = 0;
  let failed = 0;
  const attempt = () =>
    new Promise<void>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress: options.from ?? '127.0.0.2' });
      let connected = false;
      socket.once('connect', () => {
        connected = true;
        established++;
        open.add(socket);
        resolve();
      });
      socket.on('error', () => {
        if (!connected) failed++;
        resolve();
      });
      socket.once('close', () => open.delete(socket));
    });
  let next = 0;
  const lane = async () => {
    while (next < options.count) {
      next++;
      await attempt();
    }
  };
  await Promise.all(Array.from({ length: options.parallel ?? 200 }, lane));
  return {
    get established() {
      return established;
    },
    get failed() {
      return failed;
    },
    held: () => open.size,
    close() {
      for (const socket of open) socket.destroy();
    },
  };
}

/** The soft open-file limit of this process (ulimit -n), to size a flood it can hold. */
export function ownFileLimit(): number {
  const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return line ? Number(line[1]) : 1024;
}

export interface ProbeTally {
  ok: number;
  failed: string[];
}

/**
 * Honest traffic until stop() is called: a health check and a login, each on a new TLS
 * connection, one after another. Resolves with how many answered 200 and what went wrong.
 */
export function probeWhile(port: number, ca: Buffer, login: { username: string; password: string }) {
  const tally: ProbeTally = { ok: 0, failed: [] };
  let running = true;
  const agent = new https.Agent({ keepAlive: false, ca });
  const one = async (method: string, path: string, body?: unknown) => {
    try {
      const res = await httpsRequest(agent, port, method, path, body, {}, 15_000);
      if (res.status === 200) tally.ok++;
      else tally.failed.push(`${method} ${path}: ${res.status} ${res.raw}`);
    } catch (err) {
      tally.failed.push(`${method} ${path}: ${(err as Error).message}`);
    }
  };
  const done = (async () => {
    while (running) {
      await one('GET', '/auth/health/live/');
      await one('POST', '/auth/login/', login);
    }
  })();
  return {
    tally,
    async stop(): Promise<ProbeTally> {
      running = false;
      await done;
      agent.destroy();
      return tally;
    },
  };
}
