// Wires the certificate reload (crypto/tls-reload.ts) into a serving process: SIGHUP, the signal
// an orchestrator or `kill -HUP` sends to ask for a reload, and a watch on TLS_CERT_FILE and
// TLS_KEY_FILE. Without a handler SIGHUP ends a Node.js process, so the handler is installed in
// proxy mode too (nothing to reload there). Returns the stopper.
import type { Server } from 'node:tls';
import type { Config } from './config/config.js';
import { type TlsMaterial, tlsPaths } from './crypto/tls.js';
import { reloadableTls } from './crypto/tls-reload.js';
import type { Logger } from './logger.js';

export function reloadCertificateOnChange(server: Server, config: Config, material: TlsMaterial | null, log: Logger): () => void {
  if (!material) {
    const ignore = () => log.info({ signal: 'SIGHUP' }, 'TLS_MODE=proxy: no certificate to reload');
    process.on('SIGHUP', ignore);
    return () => process.off('SIGHUP', ignore);
  }
  const paths = tlsPaths(config);
  const reloader = reloadableTls(server, { cert: paths.cert, key: paths.key, watch: paths.configured }, material, log);
  const onSignal = () => {
    if (reloader.reload('SIGHUP') === 'unchanged') log.info({ signal: 'SIGHUP' }, 'TLS certificate unchanged');
  };
  process.on('SIGHUP', onSignal);
  return () => {
    process.off('SIGHUP', onSignal);
    reloader.close();
  };
}
