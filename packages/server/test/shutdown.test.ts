// During shutdown: a request in flight gets its answer, and that answer closes its connection
// (else the connection would hold the exit until keepAliveTimeout); a request whose head was
// still arriving when shutdown began is refused in our error format (503, code, Retry-After,
// Connection: close, the usual headers). The process-level drain is in process/signals.test.ts.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { before, describe, test } from 'node:test';
import { useTestApp } from './helpers/app.js';

/** A raw HTTP/1.1 connection: everything it received, and when it closed. */
function rawConnection(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk;
  });
  socket.setTimeout(20_000, () => socket.destroy());
  const closed = new Promise((resolve) => socket.on('close', resolve));
  return { socket, closed, received: () => received };
}

const waitFor = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('shutdown (in process, plain HTTP listener)', () => {
  const t = useTestApp('pglite', { HASH_CONCURRENCY: '1' });
  before(async () => {
    await t.user('alice');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
  });

  test('the request in flight is answered and its connection closed; a new request on an open connection gets a 503', async () => {
    const { port } = t.app.server.address() as { port: number };
    // A request whose head is still arriving when shutdown begins.
    const arriving = rawConnection(port);
    arriving.socket.write('GET /auth/health/live/ HTTP/1.1\r\nHost: x\r\n');

    // Hold the only hashing slot, so that the login below stays in flight until we release it.
    let release = () => {};
    const held = t.deps.passwords.limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
    const busy = rawConnection(port);
    const login = JSON.stringify({ username: 'alice', password: 'alice-password-1' });
    busy.socket.write(
      `POST /auth/login/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${login.length}\r\n\r\n${login}`,
    );
    await waitFor(() => t.deps.passwords.limiter.stats.waiting > 0);

    const closing = t.app.close();
    await new Promise((resolve) => setTimeout(resolve, 50)); // close() has run its preClose hooks
    arriving.socket.write('\r\n');
    await arriving.closed;
    release();
    await held;
    await busy.closed;
    await closing;

    const [answered, ...more] = busy.received().split(/(?=HTTP\/1\.1 )/);
    assert.equal(more.length, 0, busy.received());
    assert.match(answered ?? '', /^HTTP\/1\.1 200 /);
    assert.match(answered ?? '', /"access":"/);
    assert.match(answered ?? '', /\r\nconnection: close\r\n/i);

    const refused = arriving.received();
    assert.match(refused, /^HTTP\/1\.1 503 /);
    assert.match(refused, /\r\nretry-after: 1\r\n/i);
    assert.match(refused, /\r\nconnection: close\r\n/i);
    assert.match(refused, /"code":"service_unavailable"/);
    assert.match(refused, /\r\nstrict-transport-security: max-age=31536000/i, 'the headers of every answer');
  });
});
