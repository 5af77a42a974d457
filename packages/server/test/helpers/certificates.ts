// Server certificates made at run time (never in the repository), and the certificate a real
// handshake gets: for tests that swap, break or age the service's certificate.
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { generate } from 'selfsigned';

export interface CertificatePair {
  cert: string;
  key: string;
  fingerprint256: string;
}

/** A self-signed P-256 certificate for 127.0.0.1 and localhost, valid until `notAfter` (default: a year). */
export async function certificatePair(
  commonName: string,
  notAfter = new Date(Date.now() + 365 * 86_400_000),
): Promise<CertificatePair> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  } as never);
  return { cert: pems.cert, key: pems.private, fingerprint256: new X509Certificate(pems.cert).fingerprint256 };
}

/** A new TLS handshake with the port: the SHA-256 fingerprint of the certificate it serves. */
export function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.once('error', reject);
  });
}
