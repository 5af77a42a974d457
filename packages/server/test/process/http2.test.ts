// HTTP2=true on the real process: ALPN offers h2 before http/1.1 on the one port; an HTTP/2
// client gets every answer in our format with the security headers; HTTP/1.1 clients keep
// working; a stalled HTTP/2 upload is cancelled; SIGHUP's certificate reload reaches HTTP/2
// sessions; SIGTERM ends open sessions with a GOAWAY and the process exits in time. Without
// HTTP2 only http/1.1 is offered.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { constants } from 'node:http2';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { certificatePair } from '../helpers/certificates.js';
import { bearer, expectCode } from '../helpers/endpoint.js';
import { h2Client } from '../helpers/h2.js';
import { connectionRefused, createDeployment, type Deployment, type Service, sleep } from '../helpers/process.js';
import { sendAndWaitForClose } from '../helpers/slow-client.js';

/** What `openssl s_client -alpn <offer>` negotiated: a protocol name, or null when none was (or the handshake was refused). */
function opensslAlpn(port: number, offer: string): string | null {
  const run = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-alpn', offer], {
    input: '',
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(run.error, undefined, `openssl s_client did not run: ${run.error}`);
  return /ALPN protocol: (\S+)/.exec(run.stdout)?.[1] ?? null;
}

const SECURITY = ['strict-transport-security', 'x-content-type-options', 'cache-control', 'content-security-policy'];

describe('HTTP2=true (real process)', () => {
  let deployment: Deployment;
  let service: Service;
  before(async () => {
    deployment = await createDeployment('pglite');
    const created = await deployment.cli(['user', 'create', 'alice'], { input: 'alice-password-1\n' });
    assert.equal(created.code, 0, created.stderr);
    const limits = { REQUEST_TIMEOUT: '2s', HEADERS_TIMEOUT: '1s', MAX_CONNECTIONS_PER_CLIENT: '3' };
    service = await deployment.start({ HTTP2: 'true', ...limits });
  });
  after(() => deployment?.dispose());

  test('ALPN: h2 chosen over http/1.1 whatever the client lists first; http/1.1 alone still served', () => {
    assert.equal(opensslAlpn(service.port, 'h2,http/1.1'), 'h2');
    assert.equal(opensslAlpn(service.port, 'http/1.1,h2'), 'h2');
    assert.equal(opensslAlpn(service.port, 'http/1.1'), 'http/1.1');
  });

  test('an HTTP/2 client: login, refresh, me and errors in our format, with the security headers', async () => {
    const client = await h2Client(service.port, service.ca);
    try {
      assert.equal(client.alpn, 'h2');
      const pair = await client.login('alice');
      const me = await client.get('/auth/me/', bearer(pair.access));
      assert.equal(me.status, 200);
      assert.equal(me.body.username, 'alice');
      for (const name of SECURITY) assert.ok(me.headers[name], `${name} on an HTTP/2 answer`);
      assert.equal(me.headers.connection, undefined);
      const refreshed = await client.post('/auth/token/refresh/', { refresh: pair.refresh });
      assert.equal(refreshed.status, 200);
      assert.equal(typeof refreshed.body.access, 'string');
      expectCode(await client.get('/auth/me/'), 401, 'not_authenticated');
      const wrong = await client.post('/auth/login/', { username: 'alice', password: 'wrong-password-1' });
      expectCode(wrong, 401, 'no_active_account');
      for (const name of SECURITY) assert.ok(wrong.headers[name], `${name} on an HTTP/2 error`);
      expectCode(await client.post('/auth/login/', '{"username":'), 400, 'validation_error');
      expectCode(await client.request('PUT', '/auth/login/'), 405, 'method_not_allowed');
      // A method HTTP/1.1's parser refuses reaches Fastify over HTTP/2: still a 501 in our format.
      const unknown = await client.request('FOO', '/auth/login/');
      expectCode(unknown, 501, 'method_not_implemented');
      for (const name of SECURITY) assert.ok(unknown.headers[name], `${name} on the 501`);
    } finally {
      await client.close();
    }
  });

  test('an HTTP/1.1 client on the same port is served as before', async () => {
    const pair = await service.login('alice');
    const me = await service.get('/auth/me/', bearer(pair.access));
    assert.equal(me.status, 200);
    for (const name of SECURITY) assert.ok(me.headers[name], name);
    expectCode(await service.get('/auth/me/'), 401, 'not_authenticated');
  });

  test('an HTTP/2 upload that stalls is cancelled after REQUEST_TIMEOUT; the session serves on', async () => {
    const client = await h2Client(service.port, service.ca);
    try {
      const stream = client.session.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: '/auth/login/',
        'content-type': 'application/json',
      });
      stream.on('error', () => {}); // the reset is what this test waits for
      stream.write('{"username":"alice",'); // and never the rest
      const closed = await new Promise<number>((resolve) => stream.once('close', () => resolve(stream.rstCode ?? -1)));
      assert.equal(closed, constants.NGHTTP2_CANCEL);
      assert.equal((await client.get('/auth/health/ready/')).status, 200);
    } finally {
      await client.close();
    }
  });

  test('HTTP/1.1 on the HTTP/2 port: a stalled body is still a 408 in our format after REQUEST_TIMEOUT', async () => {
    const send =
      'POST /auth/login/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user';
    const { received } = await sendAndWaitForClose(service.port, send, 2000 + 5000);
    assert.match(received, /^HTTP\/1\.1 408 /);
    assert.match(received, /"code":"request_timeout"/);
    assert.match(received, /strict-transport-security: max-age=31536000/i);
  });

  test('HTTP/2 header floods: past 16 KiB or 128 fields the stream is reset (ENHANCE_YOUR_CALM); a long URL is a 414', async () => {
    const refusedWith = async (headers: Record<string, string>) => {
      const client = await h2Client(service.port, service.ca);
      try {
        // The server's SETTINGS apply once acknowledged: after a first round trip (see security.md).
        await client.get('/auth/health/live/');
        await client.get('/auth/health/live/', headers);
        return 'answered';
      } catch (err) {
        return (err as Error).message;
      } finally {
        client.session.destroy();
      }
    };
    assert.match(await refusedWith({ 'x-big': 'a'.repeat(20_000) }), /NGHTTP2_ENHANCE_YOUR_CALM/);
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x-h${i}`, 'v']));
    assert.match(await refusedWith(many), /NGHTTP2_ENHANCE_YOUR_CALM/);
    const client = await h2Client(service.port, service.ca);
    try {
      expectCode(await client.get(`/auth/health/live/?q=${'a'.repeat(9000)}`), 414, 'uri_too_long');
      expectCode(await client.get('/auth/me/%'), 400, 'validation_error');
      assert.equal((await client.get('/auth/health/live/')).status, 200);
    } finally {
      await client.close();
    }
  });

  test('a session that opens no stream, only PINGs, is closed after HEADERS_TIMEOUT (GOAWAY)', async () => {
    const idle = await h2Client(service.port, service.ca);
    const pinger = setInterval(() => idle.session.ping(() => {}), 200);
    try {
      const ended = new Promise<string>((resolve) => {
        idle.goaway.then(() => resolve('goaway'));
        idle.session.once('close', () => resolve('closed'));
      });
      // A bound for the test only: HEADERS_TIMEOUT is 1 s; KEEP_ALIVE_TIMEOUT (72 s) and PINGs must not count.
      assert.equal(await Promise.race([ended, sleep(30_000).then(() => 'still open')]), 'goaway');
    } finally {
      clearInterval(pinger);
      idle.session.destroy();
    }
  });

  test('MAX_CONNECTIONS_PER_CLIENT counts HTTP/2 sessions: a fourth from one address is refused', async () => {
    const tries = await Promise.allSettled([1, 2, 3, 4].map(() => h2Client(service.port, service.ca)));
    const opened = tries.flatMap((t) => (t.status === 'fulfilled' ? [t.value] : []));
    assert.ok(opened.length <= 3, `${opened.length} sessions opened`);
    for (const client of opened) await client.close();
    await service.waitForOutput(/connection cap reached/);
  });
});

describe('HTTP2=true: SIGHUP reloads the certificate (real process)', () => {
  test('an HTTP/2 session opened after the reload negotiates h2 with the new certificate; one opened before serves on', async () => {
    const deployment = await createDeployment('pglite');
    try {
      const service = await deployment.start({ HTTP2: 'true' });
      const before = await h2Client(service.port, service.ca);
      const renewed = await certificatePair('renewed.test');
      writeFileSync(join(deployment.dataDir, 'tls', 'key.pem'), renewed.key, { mode: 0o600 });
      writeFileSync(join(deployment.dataDir, 'tls', 'cert.pem'), renewed.cert);
      process.kill(service.pid, 'SIGHUP');
      await service.waitForOutput(/TLS certificate reloaded/);
      const after = await h2Client(service.port, Buffer.from(renewed.cert));
      assert.equal(after.alpn, 'h2');
      assert.equal((await after.get('/auth/health/ready/')).status, 200);
      assert.equal((await before.get('/auth/health/ready/')).status, 200);
      await Promise.all([after.close(), before.close()]);
      assert.equal(await service.stop('SIGTERM'), 0);
    } finally {
      await deployment.dispose();
    }
  });
});

describe('HTTP2 unset (real process)', () => {
  let deployment: Deployment;
  before(async () => {
    deployment = await createDeployment('pglite');
  });
  after(() => deployment?.dispose());

  test('only http/1.1 is offered', async () => {
    const service = await deployment.start();
    assert.equal(opensslAlpn(service.port, 'h2,http/1.1'), 'http/1.1');
    assert.equal(opensslAlpn(service.port, 'http/1.1,h2'), 'http/1.1');
    assert.equal(opensslAlpn(service.port, 'h2'), null, 'h2 alone: no protocol in common');
  });
});

describe('HTTP2=true: SIGTERM with open sessions (real process)', () => {
  let deployment: Deployment;
  before(async () => {
    deployment = await createDeployment('pglite');
    const created = await deployment.cli(['user', 'create', 'alice'], { input: 'alice-password-1\n' });
    assert.equal(created.code, 0, created.stderr);
  });
  after(() => deployment?.dispose());

  test('the session is served during the drain delay, then gets GOAWAY; an idle HTTP/1.1 connection is closed; exit 0', async () => {
    // KEEP_ALIVE_TIMEOUT far past SHUTDOWN_TIMEOUT: only the drain itself can end these connections in time.
    const service = await deployment.start({
      HTTP2: 'true',
      SHUTDOWN_DRAIN_DELAY: '3s',
      SHUTDOWN_TIMEOUT: '5s',
      KEEP_ALIVE_TIMEOUT: '10m',
    });
    const client = await h2Client(service.port, service.ca);
    const pair = await client.login('alice');
    assert.equal((await service.get('/auth/health/ready/')).status, 200); // a kept-alive HTTP/1.1 connection
    const exit = service.stop('SIGTERM');
    while ((await client.get('/auth/health/ready/')).status === 200) await sleep(20);
    const me = await client.get('/auth/me/', bearer(pair.access));
    assert.equal(me.status, 200, 'served on HTTP/2 during the drain delay');
    assert.equal(me.headers.connection, undefined);
    assert.equal(await client.goaway, constants.NGHTTP2_NO_ERROR);
    assert.equal(await exit, 0, service.output());
    assert.equal(await connectionRefused(service.port), 'ECONNREFUSED');
  });
});
