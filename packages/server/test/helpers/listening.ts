// The app of a test runtime served over real HTTPS on a free port, with the certificate the
// service generates (for 127.0.0.1): for consumers that fetch the JWKS themselves (our verifier,
// jose, jwks-rsa). Its own Fastify app on the same runtime, so that stopping it (the auth
// service going down, as its consumers see it) leaves the inject() app and the database alone.
import type { AddressInfo } from 'node:net';
import { loadTls, tlsServerOptions } from '../../src/crypto/tls.js';
import { buildApp } from '../../src/http/app.js';
import { SILENT_LOGGER } from '../../src/logger.js';
import type { Runtime } from '../../src/runtime.js';

export interface Listening {
  url: string;
  /** The certificate (PEM) consumers trust. */
  ca: string;
  jwksUrl: string;
  /** Stops answering (the port is closed); start() answers again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function listenHttps(deps: Runtime): Promise<Listening> {
  const tls = await loadTls(deps.config, SILENT_LOGGER);
  let app = buildApp(deps, { server: { https: tlsServerOptions(tls), forceCloseConnections: true } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;
  return {
    url,
    ca: tls.cert.toString('utf8'),
    jwksUrl: `${url}/auth/.well-known/jwks.json`,
    stop: () => app.close(),
    async start() {
      app = buildApp(deps, { server: { https: tlsServerOptions(tls), forceCloseConnections: true } });
      await app.listen({ port, host: '127.0.0.1' });
    },
  };
}
