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

/** Node TLS settings: TLS 1.2 and 1.3 only, Node's default (modern, forward-secret) ciphers. */
export function tlsServerOptions(material: TlsMaterial) {
  return { ...material, minVersion: 'TLSv1.2' as const, honorCipherOrder: true };
}
