// The server's certificate: TLS_CERT_FILE/TLS_KEY_FILE when set; otherwise a self-signed
// P-256 certificate for localhost, generated once into DATA_DIR/tls (never into the repo).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
}

/** Where the certificate and key are read from: TLS_CERT_FILE/TLS_KEY_FILE, or the generated pair in DATA_DIR. */
export function tlsPaths(config: Config): { cert: string; key: string; configured: boolean } {
  const { certFile, keyFile } = config.tls;
  if (certFile && keyFile) return { cert: certFile, key: keyFile, configured: true };
  const dir = join(config.dataDir, 'tls');
  return { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), configured: false };
}

export async function loadTls(config: Config, log: Logger): Promise<TlsMaterial> {
  const { cert, key, configured } = tlsPaths(config);
  if (configured) return { cert: readFileSync(cert), key: readFileSync(key) };
  const dir = join(config.dataDir, 'tls');
  if (!existsSync(cert) || !existsSync(key)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 365 * 86_400_000),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
            { type: 7, ip: '::1' },
          ],
        },
      ],
    } as never);
    writeFileSync(key, pems.private, { mode: 0o600 });
    writeFileSync(cert, pems.cert, { mode: 0o644 });
    log.warn(
      { cert },
      'TLS_CERT_FILE/TLS_KEY_FILE not set: generated a self-signed certificate for localhost (development only)',
    );
  } else {
    log.warn({ cert }, 'TLS_CERT_FILE/TLS_KEY_FILE not set: using the self-signed certificate in DATA_DIR (development only)');
  }
  return { cert: readFileSync(cert), key: readFileSync(key) };
}

/**
 * Key exchange on elliptic curves only: X25519 and the NIST curves. Finite-field groups
 * (ffdhe2048…8192, which OpenSSL offers by default) cost the server up to 60 times the CPU of
 * X25519 per handshake, and a replayed ClientHello costs the client nothing (the "D(HE)at"
 * attack); a client offering only those groups is refused.
 */
export const ECDH_CURVES = 'X25519:prime256v1:secp384r1';

/**
 * TLS 1.2: ECDHE with AEAD ciphers only (no CBC, CCM or ARIA; no static RSA, no DHE). TLS 1.3:
 * Node's default three suites in Node's order, as before.
 */
export const CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** Node's default, when no setting is given (tests' own listeners). */
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 120_000;

/**
 * Node TLS settings: TLS 1.2 and 1.3 only, the curves and ciphers above, and how long a
 * connection may take to complete its handshake (TLS_HANDSHAKE_TIMEOUT): a connection that never
 * sends a ClientHello would otherwise hold a socket 120 s.
 */
export function tlsServerOptions(material: TlsMaterial, handshakeTimeoutMs = DEFAULT_HANDSHAKE_TIMEOUT_MS) {
  return {
    ...material,
    minVersion: 'TLSv1.2' as const,
    honorCipherOrder: true,
    ecdhCurve: ECDH_CURVES,
    ciphers: CIPHERS,
    handshakeTimeout: handshakeTimeoutMs,
  };
}
