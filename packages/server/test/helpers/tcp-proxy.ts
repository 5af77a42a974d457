// A TCP relay between a client and a server, which a test can cut (every connection dropped,
// new ones refused) and restore on the same port: a network failure, without touching either
// side's code. TLS passes through untouched.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Drops every relayed connection and stops accepting. */
  cut(): Promise<void>;
  /** Accepts again, on the same port. */
  restore(): Promise<void>;
  /**
   * The connections open now go silent: nothing more is relayed either way and nothing is
   * closed (a peer gone without a word, a half-open connection). New connections work.
   */
  silence(): void;
  /** From now on relays to `targetPort` (a failover): the connections to the old target are dropped. */
  retarget(targetPort: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(initialTarget: number): Promise<TcpProxy> {
  let targetPort = initialTarget;
  const sockets = new Set<Socket>();
  const silent = new WeakSet<Socket>();
  let server: Server | null = null;
  let port = 0;
  const listen = async () => {
    const next = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {});
      }
      const relay = (from: Socket, to: Socket) =>
        from.on('data', (chunk) => {
          if (!silent.has(from)) to.write(chunk);
        });
      relay(client, upstream);
      relay(upstream, client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => next.listen(port, '127.0.0.1', resolve));
    const address = next.address();
    port = typeof address === 'object' && address ? address.port : port;
    server = next;
  };
  const cut = async () => {
    const current = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    if (current) await new Promise((resolve) => current.close(resolve));
  };
  await listen();
  return {
    get port() {
      return port;
    },
    cut,
    restore: listen,
    silence() {
      for (const socket of sockets) silent.add(socket);
    },
    retarget(next) {
      targetPort = next;
      for (const socket of sockets) socket.destroy();
    },
    close: cut,
  };
}
