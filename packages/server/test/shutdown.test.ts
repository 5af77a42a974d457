// During shutdown, a request that arrives on a connection still open (here: one whose first
// request is still in flight) is refused in our error format (503, code, Retry-After, Connection: close),
// while the request in flight finishes; the process-level drain is in process/signals.test.ts.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from './helpers/app.js';

describe('shutdown (in process, plain HTTP listener)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('pglite', { HASH_CONCURRENCY: '1' });
    await t.user('alice');
  });
  after(() => t.close());

  test('the request in flight gets its answer, the next one on the connection a 503 service_unavailable', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    // Hold the only hashing slot, so that the login below stays in flight until we release it.
    let release = () => {};
    const held = t.deps.hashLimiter.run(() => new Promise<void>((resolve) => (release = resolve)));

    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk;
    });
    const ended = new Promise((resolve) => socket.on('close', resolve));
    socket.setTimeout(20_000, () => socket.destroy());
    const login = JSON.stringify({ username: 'alice', password: 'alice-password-1' });
    socket.write(
      `POST /auth/login/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${login.length}\r\n\r\n${login}`,
    );
    while (t.deps.hashLimiter.stats.waiting === 0) await new Promise((resolve) => setTimeout(resolve, 10));

    const closing = t.app.close();
    await new Promise((resolve) => setTimeout(resolve, 50)); // close() has run its preClose hooks
    socket.write('GET /auth/health/live/ HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await held;
    await closing;
    await ended;

    const answers = received.split(/(?=HTTP\/1\.1 )/);
    assert.equal(answers.length, 2, received);
    assert.match(answers[0] ?? '', /^HTTP\/1\.1 200 /);
    assert.match(answers[0] ?? '', /"access":"/);
    assert.match(answers[1] ?? '', /^HTTP\/1\.1 503 /);
    assert.match(answers[1] ?? '', /\r\nretry-after: 1\r\n/i);
    assert.match(answers[1] ?? '', /\r\nconnection: close\r\n/i);
    assert.match(answers[1] ?? '', /"code":"service_unavailable"/);
    assert.match(answers[1] ?? '', /\r\nstrict-transport-security: max-age=31536000/i, 'the headers of every answer');
  });
});
