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
  const watch = { count: 0, bodies: [], gate: null };
  globalThis.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (!url.includes('/auth/token/refresh/')) return original(input, init);
    watch.count++;
    watch.bodies.push(init?.body);
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
