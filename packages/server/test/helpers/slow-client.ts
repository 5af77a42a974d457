// A raw client over real TLS: it completes the handshake, writes `send` (a malformed request, a
// partial one it then stalls on, or a whole one followed by nothing), then only waits. Resolves
// when the server closes the connection, with how long that took and what the server wrote back.
import { type ConnectionOptions, connect } from 'node:tls';

export interface Stalled {
  /** From the moment `send` was written to the close. */
  closedAfterMs: number;
  received: string;
}

/** `from`: the client's source address (default: the system's choice, 127.0.0.1). */
export function sendAndWaitForClose(port: number, send: string, giveUpMs: number, from?: string): Promise<Stalled> {
  return new Promise((resolve, reject) => {
    let sentAt = 0;
    let received = '';
    // localAddress is passed on to net.connect (missing from the TLS options' type).
    const options = { host: '127.0.0.1', port, localAddress: from, rejectUnauthorized: false } as ConnectionOptions;
    const socket = connect(options, () => {
      socket.write(send);
      sentAt = Date.now();
    });
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the stalled connection open past ${giveUpMs} ms; received: ${received}`));
    }, giveUpMs);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => {}); // a reset is a close too
    socket.once('close', () => {
      clearTimeout(guard);
      resolve({ closedAfterMs: Date.now() - sentAt, received });
    });
  });
}
