// A test app that also listens on a real HTTPS port (127.0.0.1, a free port), for what
// app.inject() cannot do: long streams (the revocation feed), and clients of our own that
// speak HTTPS (the verifier's feed client, third-party libraries, nginx).
import type { FastifyInstance } from 'fastify';
import { loadTls, tlsServerOptions } from '../../src/crypto/tls.js';
import { buildApp } from '../../src/http/app.js';
import { SILENT_LOGGER } from '../../src/logger.js';
import type { Runtime } from '../../src/runtime.js';
import { createTestApp, type Driver, type TestApp, TestClock } from './app.js';

export interface ListeningApp extends TestApp {
  /** https://127.0.0.1:<port> */
  url: string;
  port: number;
  /** The self-signed certificate it serves (trust it as the CA). */
  ca: Buffer;
  /** The listening app (t.app is the same runtime behind app.inject()). */
  server: FastifyInstance;
}

export async function listenHttps(
  runtime: Runtime,
  fixedPort = 0,
): Promise<{ server: FastifyInstance; url: string; port: number; ca: Buffer }> {
  const tls = await loadTls(runtime.config, SILENT_LOGGER);
  const server = buildApp(runtime, { server: { https: tlsServerOptions(tls), forceCloseConnections: 'idle' } });
  await server.listen({ port: fixedPort, host: '127.0.0.1' });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, url: `https://127.0.0.1:${port}`, port, ca: tls.cert };
}

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
