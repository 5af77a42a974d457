// Clients that stall or send what the HTTP parser refuses, over real TLS to the real process.
// Each timeout closes the connection after at least its documented limit (and, as a hang guard
// only, within the limit plus 5 s); every refusal is our JSON error with its code and our headers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createDeployment, type Deployment, type Service } from '../helpers/process.js';
import { sendAndWaitForClose } from '../helpers/slow-client.js';

const LIMITS = { HEADERS_TIMEOUT: 2000, REQUEST_TIMEOUT: 4000, KEEP_ALIVE_TIMEOUT: 2000 };
const GUARD_MS = 5000;

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** The first HTTP answer in `received`; its body read as JSON. */
function parseAnswer(received: string): RawAnswer {
  const [head = '', ...rest] = received.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = rest.join('\r\n\r\n').slice(0, length);
  return { status: Number(statusLine.split(' ')[1]), headers, body: body ? JSON.parse(body) : {} };
}

function assertOurs(answer: RawAnswer, status: number, code: string, what: string): void {
  assert.equal(answer.status, status, what);
  assert.equal(answer.body.code, code, what);
  assert.equal(typeof answer.body.detail, 'string', what);
  assert.match(answer.headers['content-type'] ?? '', /^application\/json/, what);
  assert.match(answer.headers['strict-transport-security'] ?? '', /max-age=31536000/, what);
  assert.equal(answer.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(answer.headers['cache-control'], 'no-store', what);
}

describe('slow and malformed clients (pglite, real process)', () => {
  let deployment: Deployment;
  let service: Service;
  before(async () => {
    deployment = await createDeployment('pglite');
    service = await deployment.start(Object.fromEntries(Object.entries(LIMITS).map(([k, v]) => [k, `${v}ms`])));
  });
  after(() => deployment?.dispose());

  const stalled = (send: string, limit: number) => sendAndWaitForClose(service.port, send, limit + GUARD_MS);

  test('headers stalled: 408 request_timeout and closed, after HEADERS_TIMEOUT', async () => {
    for (const send of ['', 'GET /auth/health/live/ HTTP/1.1\r\nHost: localhost\r\n', 'POST /auth/lo']) {
      const { closedAfterMs, received } = await stalled(send, LIMITS.HEADERS_TIMEOUT);
      // The server's clock starts at the connection, a little before our write: 100 ms of slack.
      assert.ok(closedAfterMs >= LIMITS.HEADERS_TIMEOUT - 100, `${JSON.stringify(send)}: closed after ${closedAfterMs} ms`);
      assertOurs(parseAnswer(received), 408, 'request_timeout', JSON.stringify(send));
    }
  });

  test('body stalled: 408 request_timeout and closed, after REQUEST_TIMEOUT', async () => {
    const send =
      'POST /auth/login/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user';
    const { closedAfterMs, received } = await stalled(send, LIMITS.REQUEST_TIMEOUT);
    assert.ok(closedAfterMs >= LIMITS.REQUEST_TIMEOUT - 100, `closed after ${closedAfterMs} ms`);
    assertOurs(parseAnswer(received), 408, 'request_timeout', 'body');
  });

  test('idle keep-alive after an answer: closed after KEEP_ALIVE_TIMEOUT', async () => {
    const { closedAfterMs, received } = await stalled(
      'GET /auth/health/live/ HTTP/1.1\r\nHost: localhost\r\n\r\n',
      LIMITS.KEEP_ALIVE_TIMEOUT,
    );
    assert.equal(parseAnswer(received).status, 200);
    assert.ok(closedAfterMs >= LIMITS.KEEP_ALIVE_TIMEOUT, `closed after ${closedAfterMs} ms`);
  });

  test('what the parser refuses is our JSON error, with our headers, and the connection closes', async () => {
    const cases: Array<[string, number, string]> = [
      ['FOO / HTTP/1.1\r\nHost: localhost\r\n\r\n', 501, 'method_not_implemented'],
      ['GET / HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n', 400, 'bad_request'],
      ['GET /auth/health/live/ HTTP/9.9\r\nHost: localhost\r\n\r\n', 400, 'bad_request'],
      [`GET /auth/health/live/ HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
      [`GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`, 431, 'headers_too_large'],
      ['POST /auth/login/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400, 'bad_request'],
      [
        'POST /auth/login/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
        400,
        'bad_request',
      ],
    ];
    for (const [send, status, code] of cases) {
      const { received } = await stalled(send, LIMITS.REQUEST_TIMEOUT);
      assertOurs(parseAnswer(received), status, code, send.slice(0, 60));
    }
  });

  test('two Host headers are a 400; a request target past 8192 bytes is a 414', async () => {
    const close = 'Connection: close\r\n\r\n';
    const twoHosts = await stalled(`GET /auth/health/live/ HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n${close}`, 0);
    assertOurs(parseAnswer(twoHosts.received), 400, 'bad_request', 'two Host headers');
    const long = await stalled(`GET /auth/health/live/?q=${'a'.repeat(9000)} HTTP/1.1\r\nHost: localhost\r\n${close}`, 0);
    assertOurs(parseAnswer(long.received), 414, 'uri_too_long', 'long target');
  });

  test('methods answer the same on every path: 501 for unknown, 405 with Allow on a served path, 404 elsewhere', async () => {
    const ask = async (method: string, path: string) =>
      parseAnswer((await stalled(`${method} ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`, 0)).received);
    for (const path of ['/auth/login/', '/auth/health/live', '/nowhere/']) {
      for (const method of ['FOO', 'PROPFIND', 'MKCOL'])
        assertOurs(await ask(method, path), 501, 'method_not_implemented', `${method} ${path}`);
    }
    for (const method of ['TRACE', 'PUT', 'DELETE', 'PATCH']) {
      const onLogin = await ask(method, '/auth/login/');
      assertOurs(onLogin, 405, 'method_not_allowed', `${method} /auth/login/`);
      assert.equal(onLogin.headers.allow, 'POST, OPTIONS');
      const onHealth = await ask(method, '/auth/health/live');
      assertOurs(onHealth, 405, 'method_not_allowed', `${method} /auth/health/live`);
      assert.equal(onHealth.headers.allow, 'GET, HEAD, OPTIONS');
      assertOurs(await ask(method, '/nowhere/'), 404, 'not_found', `${method} /nowhere/`);
    }
    // A path with a parameter is a served path too.
    const onSession = await ask('TRACE', '/auth/sessions/some-id/');
    assertOurs(onSession, 405, 'method_not_allowed', 'TRACE /auth/sessions/some-id/');
    assert.equal(onSession.headers.allow, 'DELETE, OPTIONS');
  });
});
