// A test runtime's app served over real HTTPS on a port (free, or fixed), with the certificate
// the service generates (for 127.0.0.1 and localhost): for what app.inject() cannot do, long
// streams (the revocation feed) and clients that speak HTTPS themselves (our verifier and its
// feed client, jose, jwks-rsa, nginx, SimpleJWT). Its own Fastify app on the same runtime, so
// that stopping it (the auth service going down, as its consumers see it) leaves the inject()
// app and the database alone.
import type { FastifyInstance } from 'fastify';
import { loadTls, tlsServerOptions } from '../../src/crypto/tls.js';
import { buildApp } from '../../src/http/app.js';
import { SILENT_LOGGER } from '../../src/logger.js';
import type { Runtime } from '../../src/runtime.js';
import { createTestApp, type Driver, type TestApp, TestClock } from './app.js';

export interface Listening {
  /** https://127.0.0.1:<port> */
  url: string;
  port: number;
  /** The self-signed certificate it serves (PEM): trust it as the CA. */
  ca: string;
  jwksUrl: string;
  /** The app listening now. */
  readonly server: FastifyInstance;
  /** Stops answering (the port is closed); start() answers again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function listenHttps(runtime: Runtime, fixedPort = 0): Promise<Listening> {
  const tls = await loadTls(runtime.config, SILENT_LOGGER);
  const listen = async (port: number) => {
    const app = buildApp(runtime, { server: { https: tlsServerOptions(tls), forceCloseConnections: true } });
    await app.listen({ port, host: '127.0.0.1' });
    return app;
  };
  let server = await listen(fixedPort);
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : fixedPort;
  const url = `https://127.0.0.1:${port}`;
  return {
    url,
    port,
    ca: tls.cert.toString('utf8'),
    jwksUrl: `${url}/auth/.well-known/jwks.json`,
    get server() {
      return server;
    },
    stop: () => server.close(),
    async start() {
      server = await listen(port);
    },
  };
}

export type ListeningApp = TestApp & Listening;

/** A test app (createTestApp) that also listens on HTTPS; close() stops both. */
export async function createListeningApp(driver: Driver, env: Record<string, string> = {}, clock = new TestClock()) {
  const t = await createTestApp(driver, env, clock);
  const listening = await listenHttps(t.deps);
  const close = t.close;
  return Object.assign(t, listening, {
    async close() {
      await listening.server.close();
      await close();
    },
  }) as ListeningApp;
}
