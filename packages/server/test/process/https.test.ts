// The real process over real TLS: the whole token life cycle, the protocol versions it
// accepts, what it does with plain HTTP, and which certificate it serves.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type SecureVersion, connect as tlsConnect } from 'node:tls';
import { certificatePair } from '../helpers/certificates.js';
import { createDeployment, type Deployment, type Service } from '../helpers/process.js';

/** Completes a handshake with the versions given; resolves with the protocol and the served certificate. */
function handshake(port: number, minVersion: SecureVersion, maxVersion: SecureVersion) {
  return new Promise<{ protocol: string | null; cert: Buffer }>((resolve, reject) => {
    // SECLEVEL=0 lets this client offer TLS 1.0/1.1 at all, so a refusal can only come from the server.
    const socket = tlsConnect({
      host: '127.0.0.1',
      port,
      minVersion,
      maxVersion,
      ciphers: 'DEFAULT@SECLEVEL=0',
      rejectUnauthorized: false,
    });
    socket.once('secureConnect', () => {
      const result = { protocol: socket.getProtocol(), cert: socket.getPeerCertificate().raw };
      socket.end();
      resolve(result);
    });
    socket.once('error', reject);
  });
}

/** Writes raw bytes to the port and collects everything that comes back until the connection closes. */
function rawExchange(port: number, request: string) {
  return new Promise<string>((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1', () => socket.write(request));
    let received = '';
    socket.setTimeout(20_000, () => socket.destroy(new Error('the server kept a plain-HTTP connection open')));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
    socket.on('close', () => resolve(received));
  });
}

describe('HTTPS (pglite, real process)', () => {
  let deployment: Deployment;
  let service: Service;
  before(async () => {
    deployment = await createDeployment('pglite');
    service = await deployment.start();
  });
  after(() => deployment?.dispose());

  test('generates a self-signed certificate into DATA_DIR, says so, and serves it', async () => {
    const certFile = join(deployment.dataDir, 'tls', 'cert.pem');
    assert.match(service.output(), /generated a self-signed certificate/);
    assert.equal(
      statSync(join(deployment.dataDir, 'tls', 'key.pem')).mode & 0o077,
      0,
      'the private key is readable by its owner only',
    );
    const served = await handshake(service.port, 'TLSv1.2', 'TLSv1.3');
    assert.deepEqual(served.cert, new X509Certificate(readFileSync(certFile)).raw);
  });

  test('a user created with the CLI: login, refresh, me, logout, then the refresh token is refused', async () => {
    const created = await deployment.cli(['user', 'create', 'alice'], { input: 'alice-password-1\n' });
    assert.equal(created.code, 0, created.stderr);
    const pair = await service.login('alice');
    const refreshed = await service.post('/auth/token/refresh/', { refresh: pair.refresh });
    assert.equal(refreshed.status, 200);
    const me = await service.get('/auth/me/', { authorization: `Bearer ${refreshed.body.access}` });
    assert.equal(me.status, 200);
    assert.equal(me.body.username, 'alice');
    assert.equal((await service.post('/auth/logout/', { refresh_token: pair.refresh })).status, 200);
    const refused = await service.post('/auth/token/refresh/', { refresh: pair.refresh });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.code, 'token_not_valid');
  });

  test('TLS 1.0 and 1.1 handshakes are refused by the server; 1.2 and 1.3 complete', async () => {
    for (const version of ['TLSv1', 'TLSv1.1'] as const) {
      await assert.rejects(handshake(service.port, version, version), { code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' }, version);
    }
    assert.equal((await handshake(service.port, 'TLSv1.2', 'TLSv1.2')).protocol, 'TLSv1.2');
    assert.equal((await handshake(service.port, 'TLSv1.3', 'TLSv1.3')).protocol, 'TLSv1.3');
  });

  test('plain HTTP to the TLS port with valid credentials gets no tokens and no redirect', async () => {
    const body = JSON.stringify({ username: 'alice', password: 'alice-password-1' });
    const answer = await rawExchange(
      service.port,
      `POST /auth/login/ HTTP/1.1\r\nHost: 127.0.0.1:${service.port}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    assert.doesNotMatch(answer, /"(access|refresh)"|eyJ/, 'no token over plain HTTP');
    assert.doesNotMatch(answer, /^HTTP\/1\.[01] 3\d\d/, 'no redirect');
    assert.doesNotMatch(answer, /^location:/im);
  });

  test('HSTS on answers, errors included', async () => {
    for (const res of [await service.get('/auth/health/live/'), await service.get('/auth/me/')]) {
      assert.match(String(res.headers['strict-transport-security']), /max-age=31536000/);
    }
  });

  test('TLS_CERT_FILE/TLS_KEY_FILE: the service serves that certificate, not the generated one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-cert-'));
    try {
      const pems = await certificatePair('auth.test');
      writeFileSync(join(dir, 'cert.pem'), pems.cert);
      writeFileSync(join(dir, 'key.pem'), pems.key, { mode: 0o600 });
      assert.equal(await service.stop(), 0);
      const ca = Buffer.from(pems.cert);
      const custom = await deployment.start(
        { TLS_CERT_FILE: join(dir, 'cert.pem'), TLS_KEY_FILE: join(dir, 'key.pem') },
        { ca }, // the client pins the operator's certificate: the handshake itself proves which one is served
      );
      const served = new X509Certificate((await handshake(custom.port, 'TLSv1.2', 'TLSv1.3')).cert);
      assert.equal(served.fingerprint256, new X509Certificate(ca).fingerprint256);
      assert.doesNotMatch(custom.output(), /self-signed/);
      assert.equal((await custom.login('alice')).access.split('.').length, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
