// The key exchange and ciphers the real process accepts, tried with real clients (openssl
// s_client and Node's TLS): no finite-field Diffie-Hellman group at all (each ffdhe8192
// handshake cost the server 60 times an X25519 one, and a replayed ClientHello costs the
// attacker nothing), and in TLS 1.2 only ECDHE with AEAD ciphers. TLS 1.3 keeps its suites.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { connect, type SecureVersion } from 'node:tls';
import { createDeployment, type Deployment, type Service } from '../helpers/process.js';

interface Offer {
  groups?: string;
  ciphers?: string;
  version: SecureVersion;
}

/** A Node TLS handshake offering only `offer`; resolves with what was negotiated, rejects if refused. */
function nodeHandshake(port: number, offer: Offer) {
  return new Promise<{ cipher: string; group: string | undefined }>((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      minVersion: offer.version,
      maxVersion: offer.version,
      // SECLEVEL=0 lets this client offer anything, so a refusal can only come from the server.
      ciphers: offer.ciphers ? `${offer.ciphers}@SECLEVEL=0` : 'DEFAULT@SECLEVEL=0',
      ...(offer.groups ? { ecdhCurve: offer.groups } : {}),
      rejectUnauthorized: false,
    });
    socket.once('secureConnect', () => {
      const result = {
        cipher: socket.getCipher().standardName,
        group: (socket.getEphemeralKeyInfo() as { name?: string } | null)?.name,
      };
      socket.destroy();
      resolve(result);
    });
    socket.once('error', reject);
  });
}

/** `openssl s_client` offering only `groups` in TLS 1.3: its exit code and output. */
function opensslHandshake(port: number, groups: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-groups', groups], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stdin.end(); // nothing to send: s_client exits after the handshake
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Every TLS 1.2 suite this OpenSSL knows, by its OpenSSL name (SSL_CIPHER strings). */
function allTls12Suites(): string[] {
  const out = execFileSync('openssl', ['ciphers', '-tls1_2', '-s', 'ALL:COMPLEMENTOFALL:@SECLEVEL=0']).toString().trim();
  return out.split(':').filter((name) => !name.startsWith('TLS_'));
}

const AEAD_ECDHE = /^ECDHE-(ECDSA|RSA)-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305)$/;

describe('TLS key exchange and ciphers (pglite, real process)', () => {
  let deployment: Deployment;
  let service: Service;
  before(async () => {
    deployment = await createDeployment('pglite');
    service = await deployment.start();
  });
  after(() => deployment?.dispose());

  test('openssl offering only ffdhe8192 (or any FFDHE group) is refused; X25519 and the NIST curves complete', async () => {
    for (const group of ['ffdhe8192', 'ffdhe2048', 'ffdhe2048:ffdhe3072:ffdhe4096:ffdhe6144:ffdhe8192']) {
      const refused = await opensslHandshake(service.port, group);
      assert.notEqual(refused.code, 0, `${group}: ${refused.output}`);
      assert.match(refused.output, /handshake failure|alert number 40/, group);
      assert.match(refused.output, /Cipher is \(NONE\)/, group);
    }
    for (const [group, shown] of [
      ['X25519', /Server Temp Key: X25519/],
      ['P-256', /Server Temp Key: ECDH, prime256v1/],
      ['P-384', /Server Temp Key: ECDH, secp384r1/],
    ] as const) {
      const done = await opensslHandshake(service.port, group);
      assert.equal(done.code, 0, `${group}: ${done.output}`);
      assert.match(done.output, shown, group);
      assert.match(done.output, /New, TLSv1\.3, Cipher is TLS_/, group);
    }
  });

  test('Node TLS: FFDHE groups refused in 1.3, DHE suites refused in 1.2, X25519 chosen by default', async () => {
    await assert.rejects(nodeHandshake(service.port, { version: 'TLSv1.3', groups: 'ffdhe8192' }), /handshake failure/);
    await assert.rejects(
      nodeHandshake(service.port, {
        version: 'TLSv1.2',
        ciphers: 'DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-SHA',
        groups: 'ffdhe2048',
      }),
      /handshake failure|no shared cipher/,
    );
    const usual = await nodeHandshake(service.port, { version: 'TLSv1.3' });
    assert.equal(usual.group, 'X25519');
  });

  test('of every TLS 1.2 suite OpenSSL knows, only ECDHE with AES-GCM or ChaCha20-Poly1305 is accepted', async () => {
    const suites = allTls12Suites();
    assert.ok(suites.length > 50, `openssl lists ${suites.length} suites`);
    const accepted: string[] = [];
    for (const suite of suites) {
      const done = await nodeHandshake(service.port, { version: 'TLSv1.2', ciphers: suite }).catch(() => null);
      if (done) accepted.push(suite);
    }
    // The certificate is P-256: the ECDSA suites are the ones it can serve.
    assert.deepEqual(accepted.sort(), [
      'ECDHE-ECDSA-AES128-GCM-SHA256',
      'ECDHE-ECDSA-AES256-GCM-SHA384',
      'ECDHE-ECDSA-CHACHA20-POLY1305',
    ]);
    for (const suite of accepted) assert.match(suite, AEAD_ECDHE);
  });

  test('TLS 1.3 keeps its three suites', async () => {
    for (const suite of ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256']) {
      const done = await opensslTls13Suite(service.port, suite);
      assert.match(done, new RegExp(`Cipher is ${suite}`), suite);
    }
  });
});

function opensslTls13Suite(port: number, suite: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-ciphersuites', suite]);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stdin.end();
    child.on('close', () => resolve(output));
  });
}
