// `npm run example:web` from the repository root: the auth service (its embedded database in
// examples/web/data, CORS open to the page) with a user `demo`, and the demo page beside it.
//   WEB_PORT (8444), AUTH_PORT (8443), REFRESH_COOKIE=true for the cookie mode
// Open https://localhost:8444 (the certificate is the service's self-signed one: accept it in
// the browser once, for both ports). Log in as demo / demo-password-1.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startPageServer } from './page-server.js';

const SERVER = fileURLToPath(new URL('../../../packages/server/', import.meta.url));
const DATA_DIR = fileURLToPath(new URL('../data/', import.meta.url));
const webPort = Number(process.env.WEB_PORT ?? 8444);
const authPort = Number(process.env.AUTH_PORT ?? 8443);
const cookie = process.env.REFRESH_COOKIE === 'true';
const authUrl = `https://localhost:${authPort}`;
const env = {
  ...process.env,
  DATA_DIR,
  PORT: String(authPort),
  CORS_ORIGINS: `https://localhost:${webPort},https://127.0.0.1:${webPort}`,
  ...(cookie ? { REFRESH_COOKIE: 'true' } : {}),
};

const auth = spawn(process.execPath, ['dist/src/main.js'], { cwd: SERVER, env, stdio: ['ignore', 'inherit', 'inherit'] });
await waitUntilReady();
await createDemoUser();
const page = await startPageServer({
  authUrl,
  cert: readFileSync(`${DATA_DIR}tls/cert.pem`),
  key: readFileSync(`${DATA_DIR}tls/key.pem`),
  port: webPort,
  host: 'localhost',
  cookie,
});
console.log(`\n  demo page: ${page.url}  (user demo, password demo-password-1; auth service ${authUrl})\n`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    auth.kill('SIGTERM');
    await page.close();
    process.exit(0);
  });
}

async function waitUntilReady() {
  for (let i = 0; i < 600; i++) {
    if (auth.exitCode !== null) throw new Error('the auth service exited');
    try {
      const ca = readFileSync(`${DATA_DIR}tls/cert.pem`);
      const ready = await getStatus(`${authUrl}/auth/health/ready/`, ca);
      if (ready === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the auth service did not become ready');
}

async function getStatus(url, ca) {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    https.get(url, { ca }, (res) => resolve(res.statusCode)).on('error', reject);
  });
}

/** `auth-service user create demo`; an existing demo user is kept. */
async function createDemoUser() {
  const cli = spawn(process.execPath, ['bin/auth-service.js', 'user', 'create', 'demo'], {
    cwd: SERVER,
    env,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  cli.stdin.end('demo-password-1\n');
  await new Promise((resolve) => cli.on('exit', resolve));
}
