// What the client's tests share: a real auth service on HTTPS (the server's own test helper,
// createListeningApp, on the embedded database) whose clock can be set apart from this
// device's, a counter of the refresh requests that leave this process, and waiting.
import { createListeningApp } from '../../server/dist/test/helpers/listening.js';

export const PASSWORD = 'alice-password-1';

export function tlsEnv() {
  const cert = process.env.TEST_TLS_CERT_FILE;
  const key = process.env.TEST_TLS_KEY_FILE;
  if (!cert || !key) throw new Error('run the client tests with `npm test` (test/run.js makes the certificate)');
  return { TLS_CERT_FILE: cert, TLS_KEY_FILE: key };
}

/** A real clock, `skewMs` ahead of this device's (negative: behind). */
export function skewedClock(skewMs = 0) {
  return { now: () => Date.now() + skewMs, advance() {} };
}

/** The auth service on a real port, with user alice. */
export async function authService(env = {}, skewMs = 0) {
  const service = await createListeningApp('pglite', { ...tlsEnv(), ...env }, skewedClock(skewMs));
  await service.user('alice', PASSWORD);
  return service;
}

/**
 * Counts the refresh requests sent by this process (the real requests go on), and can hold
 * their answers back until released, to line up races.
 */
export function watchRefreshes() {
  const original = globalThis.fetch;
  const watch = { count: 0, bodies: [], urls: [], gate: null };
  globalThis.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (!url.includes('/auth/token/refresh/')) return original(input, init);
    watch.count++;
    watch.bodies.push(init?.body);
    watch.urls.push(url);
    const answer = await original(input, init);
    if (watch.gate) await watch.gate;
    return answer;
  };
  watch.hold = () => {
    let release;
    watch.gate = new Promise((resolve) => {
      release = resolve;
    });
    return () => {
      watch.gate = null;
      release();
    };
  };
  /** The refreshes sent to one service (other tests' clients may still be running). */
  watch.countFor = (origin) => watch.urls.filter((url) => url.startsWith(origin)).length;
  watch.restore = () => {
    globalThis.fetch = original;
  };
  return watch;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor(what, condition, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * A protected API of the test's own, on HTTPS: it records every request (method, Authorization,
 * content type, body bytes), refuses the tokens in `refused` with 401 token_not_valid, and
 * answers /always-401 with 401 token_not_valid, /forbidden with 403, /other-401 with 401
 * not_authenticated. It stands for a service that stops trusting a token the client still thinks
 * is fresh (the auth service revoked it, its keys were rotated).
 */
export async function protectedApi() {
  const { readFileSync } = await import('node:fs');
  const https = await import('node:https');
  const { cert, key } = { cert: readFileSync(tlsEnv().TLS_CERT_FILE), key: readFileSync(tlsEnv().TLS_KEY_FILE) };
  const api = { requests: [], refused: new Set() };
  const server = https.createServer({ cert, key }, (req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      api.requests.push({ url: req.url, token, type: req.headers['content-type'], body: Buffer.concat(chunks) });
      const answer = (status, body) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url === '/forbidden') return answer(403, { code: 'forbidden' });
      if (req.url === '/other-401') return answer(401, { code: 'not_authenticated' });
      if (req.url === '/always-401' || api.refused.has(token)) return answer(401, { code: 'token_not_valid' });
      answer(200, { ok: true });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `https://127.0.0.1:${server.address().port}`;
  api.close = () => new Promise((resolve) => server.close(resolve));
  return api;
}
