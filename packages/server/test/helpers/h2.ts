// An HTTP/2 client of the real process (node:http2): one session, streams on it as an Endpoint,
// and what the session saw (the ALPN protocol, a GOAWAY), for tests of HTTP2=true.
import { type ClientHttp2Session, connect, constants } from 'node:http2';
import { answer, type Endpoint, endpoint } from './endpoint.js';

export interface H2Client extends Endpoint {
  session: ClientHttp2Session;
  /** The protocol ALPN chose ('h2' unless the server offered only http/1.1). */
  alpn: string | false | undefined;
  /** Resolves when the server sends GOAWAY, with its error code (0: NO_ERROR, a graceful close). */
  goaway: Promise<number>;
  close(): Promise<void>;
}

export async function h2Client(port: number, ca: Buffer): Promise<H2Client> {
  const session = connect(`https://127.0.0.1:${port}`, { ca, servername: 'localhost' });
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  const goaway = new Promise<number>((resolve) => session.once('goaway', (code: number) => resolve(code)));
  // A stream error is the request's to report; the session's must not crash the test process.
  session.on('error', () => {});
  const request: Endpoint['request'] = (method, path, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const stream = session.request({
        [constants.HTTP2_HEADER_METHOD]: method,
        [constants.HTTP2_HEADER_PATH]: path,
        ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      });
      let status = 0;
      let responseHeaders: Record<string, string | string[] | number | undefined> = {};
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('response', (received) => {
        status = Number(received[constants.HTTP2_HEADER_STATUS]);
        responseHeaders = { ...received };
      });
      stream.on('data', (chunk: string) => {
        raw += chunk;
      });
      stream.on('end', () => resolve(answer(status, raw, responseHeaders)));
      stream.on('error', reject);
      stream.end(payload);
    });
  return {
    ...endpoint(request),
    session,
    alpn: session.alpnProtocol,
    goaway,
    close: () => new Promise((resolve) => session.close(() => resolve())),
  };
}
