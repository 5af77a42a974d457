// A raw client over real TLS: it completes the handshake, writes `send` (a malformed request, a
// partial one it then stalls on, or a whole one followed by nothing), then only waits. Resolves
// when the server closes the connection, with how long that took and what the server wrote back.
import { connect } from 'node:tls';

export interface Stalled {
  /** From the moment `send` was written to the close. */
  closedAfterMs: number;
  received: string;
}

export function sendAndWaitForClose(port: number, send: string, giveUpMs: number): Promise<Stalled> {
  return new Promise((resolve, reject) => {
    let sentAt = 0;
    let received = '';
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
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
