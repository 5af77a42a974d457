// The demo page's own HTTPS origin: its HTML and script, the client's standalone file, and
// /config.json naming the auth service. Served with the Content-Security-Policy that
// docs/frontend.md recommends: scripts from this origin only (no inline script), connections
// to this origin and the auth service only.
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { fileURLToPath } from 'node:url';

const PUBLIC = new URL('./public/', import.meta.url);
const CLIENT = fileURLToPath(import.meta.resolve('@auth-service/client/standalone'));
const FILES = {
  '/': [new URL('index.html', PUBLIC), 'text/html; charset=utf-8'],
  '/app.js': [new URL('app.js', PUBLIC), 'text/javascript; charset=utf-8'],
  '/style.css': [new URL('style.css', PUBLIC), 'text/css; charset=utf-8'],
  '/auth-client.js': [CLIENT, 'text/javascript; charset=utf-8'],
};

export function contentSecurityPolicy(authUrl) {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${new URL(authUrl).origin}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Starts the page server; `cookie` is the default mode the page starts its client in. */
export async function startPageServer({ authUrl, cert, key, port = 0, host = '127.0.0.1', cookie = false }) {
  const config = JSON.stringify({ authUrl, cookie });
  const server = https.createServer({ cert, key }, async (req, res) => {
    const path = new URL(req.url ?? '/', 'https://page').pathname;
    const headers = {
      'content-security-policy': contentSecurityPolicy(authUrl),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    };
    if (path === '/config.json') {
      res.writeHead(200, { ...headers, 'content-type': 'application/json' });
      return res.end(config);
    }
    const file = FILES[path];
    if (!file || req.method !== 'GET') {
      res.writeHead(404, headers);
      return res.end('not found');
    }
    res.writeHead(200, { ...headers, 'content-type': file[1] });
    res.end(await readFile(file[0]));
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  return {
    url: `https://${host}:${address.port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
