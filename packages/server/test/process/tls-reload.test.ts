// A certificate renewed without a restart, with real files, real processes and real handshakes:
// a Kubernetes-style secret volume swapping its `..data` symlink, a pair replaced in place and
// SIGHUP (to a single process and to a cluster's primary), and broken pairs that must not
// replace a working one. Connections already open keep the certificate they negotiated.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { type CertificatePair, certificatePair, servedFingerprint } from '../helpers/certificates.js';
import { createDeployment, type Deployment, type Service } from '../helpers/process.js';

/** A directory laid out like a mounted Kubernetes secret: tls.crt -> ..data/tls.crt, ..data -> ..<version>. */
function secretVolume(root: string) {
  const mount = join(root, 'mount');
  mkdirSync(mount);
  const write = (version: string, files: { cert: string; key: string }) => {
    mkdirSync(join(mount, `..${version}`));
    writeFileSync(join(mount, `..${version}`, 'tls.crt'), files.cert);
    writeFileSync(join(mount, `..${version}`, 'tls.key'), files.key, { mode: 0o600 });
  };
  /** What the kubelet does: a new version directory, then one atomic rename of the ..data symlink. */
  const swapTo = (version: string, files: { cert: string; key: string }) => {
    write(version, files);
    symlinkSync(`..${version}`, join(mount, '..data_tmp'));
    renameSync(join(mount, '..data_tmp'), join(mount, '..data'));
  };
  return {
    cert: join(mount, 'tls.crt'),
    key: join(mount, 'tls.key'),
    init(files: { cert: string; key: string }) {
      write('v0', files);
      symlinkSync('..v0', join(mount, '..data'));
      symlinkSync('..data/tls.crt', join(mount, 'tls.crt'));
      symlinkSync('..data/tls.key', join(mount, 'tls.key'));
    },
    swapTo,
  };
}

/** One keep-alive connection pinned to `ca`: each get() reuses it, and says which certificate it negotiated. */
function pinnedConnection(port: number, ca: string) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca });
  const get = () =>
    new Promise<{ status: number; socket: TLSSocket }>((resolve, reject) => {
      const req = https.get({ host: '127.0.0.1', port, path: '/auth/health/ready/', agent }, (res) => {
        const socket = res.socket as TLSSocket; // released to the agent (null here) once the body ends
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, socket }));
      });
      req.on('error', reject);
    });
  return { get, close: () => agent.destroy() };
}

/** A client that offers TLS 1.1 only (SECLEVEL=0 lets it): the server must refuse it, reload or not. */
function oldProtocolHandshake(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port,
      minVersion: 'TLSv1.1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
      rejectUnauthorized: false,
    });
    socket.once('secureConnect', () => {
      socket.end();
      resolve();
    });
    socket.once('error', reject);
  });
}

describe('TLS certificate reload (pglite, real process)', () => {
  let root: string;
  let deployment: Deployment;
  let service: Service;
  let first: CertificatePair;
  let second: CertificatePair;
  let volume: ReturnType<typeof secretVolume>;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'auth-tls-reload-'));
    [first, second] = await Promise.all([certificatePair('first.test'), certificatePair('second.test')]);
    volume = secretVolume(root);
    volume.init(first);
    deployment = await createDeployment('pglite');
    service = await deployment.start({ TLS_CERT_FILE: volume.cert, TLS_KEY_FILE: volume.key }, { ca: Buffer.from(first.cert) });
  });
  after(async () => {
    await deployment?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  test('a ..data symlink swap: new handshakes get the new certificate, an open connection keeps working', async () => {
    assert.equal(await servedFingerprint(service.port), first.fingerprint256);
    const open = pinnedConnection(service.port, first.cert);
    try {
      const before = await open.get();
      assert.equal(before.status, 200);
      volume.swapTo('v1', second);
      await service.waitForOutput(/TLS certificate reloaded/);
      assert.equal(await servedFingerprint(service.port), second.fingerprint256);
      const afterSwap = await open.get();
      assert.equal(afterSwap.status, 200);
      assert.equal(afterSwap.socket, before.socket, 'the same connection, not a new one');
      assert.equal(afterSwap.socket.getPeerCertificate().fingerprint256, first.fingerprint256);
      await assert.rejects(oldProtocolHandshake(service.port), 'the reloaded context keeps the TLS profile: no TLS 1.1');
    } finally {
      open.close();
    }
  });

  test('a key that does not match the certificate: refused with a log line, the previous pair keeps serving', async () => {
    const third = await certificatePair('third.test');
    volume.swapTo('v2', { cert: third.cert, key: second.key });
    await service.waitForOutput(/TLS certificate reload refused/);
    assert.match(service.output(), /key values mismatch/);
    assert.equal(await servedFingerprint(service.port), second.fingerprint256);
    assert.equal(service.output().match(/auth-service listening/g)?.length, 1, 'the same process, not restarted');
  });

  test('garbage in place of the certificate, an empty key: refused, still serving', async () => {
    volume.swapTo('v3', { cert: 'not a certificate\n', key: second.key });
    await service.waitForOutput(/TLS certificate reload refused/, 2);
    volume.swapTo('v4', { cert: second.cert, key: '' });
    await service.waitForOutput(/TLS certificate reload refused/, 3);
    assert.equal(await servedFingerprint(service.port), second.fingerprint256);
    // And a good pair after the broken ones is taken.
    const fourth = await certificatePair('fourth.test');
    volume.swapTo('v5', fourth);
    await service.waitForOutput(/TLS certificate reloaded/, 2);
    assert.equal(await servedFingerprint(service.port), fourth.fingerprint256);
  });
});

/** Replaces the generated development pair in DATA_DIR/tls: not watched, reloaded on SIGHUP only. */
function replaceGenerated(dataDir: string, pair: CertificatePair) {
  writeFileSync(join(dataDir, 'tls', 'key.pem'), pair.key, { mode: 0o600 });
  writeFileSync(join(dataDir, 'tls', 'cert.pem'), pair.cert);
}

describe('SIGHUP reloads the certificate (real process)', () => {
  test('single process: SIGHUP no longer ends it; it serves the new pair; a second SIGHUP says unchanged', async () => {
    const deployment = await createDeployment('pglite');
    try {
      const service = await deployment.start();
      const generated = new X509Certificate(service.ca).fingerprint256;
      assert.equal(await servedFingerprint(service.port), generated);
      const renewed = await certificatePair('renewed.test');
      replaceGenerated(deployment.dataDir, renewed);
      process.kill(service.pid, 'SIGHUP');
      await service.waitForOutput(/TLS certificate reloaded/);
      assert.equal(await servedFingerprint(service.port), renewed.fingerprint256);
      process.kill(service.pid, 'SIGHUP');
      await service.waitForOutput(/TLS certificate unchanged/);
      assert.equal(await service.stop('SIGTERM'), 0, 'still alive, and drains on SIGTERM as before');
    } finally {
      await deployment.dispose();
    }
  });

  test('cluster (postgres, 2 workers): SIGHUP to the primary reloads every worker', async () => {
    const deployment = await createDeployment('postgres');
    try {
      const service = await deployment.start({ WORKERS: '2' });
      await service.waitForOutput(/auth-service listening/, 2);
      const renewed = await certificatePair('renewed-cluster.test');
      replaceGenerated(deployment.dataDir, renewed);
      process.kill(service.pid, 'SIGHUP');
      await service.waitForOutput(/TLS certificate reloaded/, 2);
      // Connections are spread over the workers: every one of these handshakes gets the new pair.
      for (let i = 0; i < 8; i++) assert.equal(await servedFingerprint(service.port), renewed.fingerprint256);
      assert.equal(await service.stop('SIGTERM'), 0);
    } finally {
      await deployment.dispose();
    }
  });
});
