// GET /metrics on a listener of its own (METRICS_HOST:METRICS_PORT, 127.0.0.1 by default), plain
// HTTP as Prometheus scrapes: it is not the service's port, so the API's TLS, CORS and route
// table stay as they are, and the metrics are not reachable where the API is.
import { createServer } from 'node:http';
import type { Logger } from '../logger.js';

export interface MetricsListener {
  url: string;
  close(): Promise<void>;
}

export async function listenMetrics(
  settings: { port: number; host: string },
  scrape: () => Promise<string>,
  contentType: string,
  log: Logger,
): Promise<MetricsListener> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: the metrics are at /metrics\n');
      return;
    }
    scrape().then(
      (text) => response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(text),
      (err) => {
        log.warn({ err }, 'metrics scrape failed');
        response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const url = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}/metrics`;
  log.info({ url }, 'metrics listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
