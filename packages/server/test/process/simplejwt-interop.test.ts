// Django SimpleJWT's own JWTAuthentication, configured with our JWKS (JWK_URL), ES256, our
// issuer and audience: the reference peer (../shared/peers/simplejwt), copied to a temporary
// folder with those settings added, started by its own start.sh on a throwaway database and a
// free port. It accepts our access tokens (its /auth/me/ answers for the user id they carry)
// and refuses our refresh tokens and the forged ones.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FORGERIES } from '@auth-service/verifier/testing';
import pg from 'pg';
import { serviceSigningKey } from '../helpers/app.js';
import { ADMIN_URL } from '../helpers/databases.js';
import { forgeryKit, headerSafe, type KitHandle, LENIENT_ELSEWHERE } from '../helpers/forgery-kit.js';
import { claimsOf } from '../helpers/http.js';
import { createListeningApp, type ListeningApp } from '../helpers/listening.js';
import { freePort } from '../helpers/process.js';

/** shared/ sits beside the repository (CI's clone), or further up (a worktree): the nearest one. */
function findPeer(): string {
  let dir = fileURLToPath(new URL('../../../../../', import.meta.url));
  for (let i = 0; i < 4; i++) {
    dir = dirname(dir);
    const candidate = join(dir, 'shared', 'peers', 'simplejwt');
    if (existsSync(join(candidate, 'start.sh'))) return candidate;
  }
  return join(fileURLToPath(new URL('../../../../../../', import.meta.url)), 'shared', 'peers', 'simplejwt');
}
const PEER = findPeer();
const PYTHON_OK = spawnSync('/usr/bin/python3', [
  '-c',
  'import django, rest_framework_simplejwt, psycopg2, gunicorn, cryptography',
]);
const skip =
  process.env.CI !== 'true' && (!existsSync(PEER) || PYTHON_OK.status !== 0)
    ? 'the SimpleJWT peer or its Debian packages are missing (.ci/run installs them)'
    : false;

const SETTINGS = `
# Added by auth-service's interop test: verify auth-service's tokens with its published keys.
SIMPLE_JWT.update({
    "ALGORITHM": "ES256",
    "JWK_URL": os.environ["INTEROP_JWK_URL"],
    "ISSUER": "auth-service",
    "AUDIENCE": "auth-service",
    "LEEWAY": 5,
})
`;

describe('Django SimpleJWT JWTAuthentication with JWK_URL (the reference peer)', { skip }, () => {
  let t: ListeningApp;
  let forging: KitHandle;
  let dir: string;
  let port: number;
  const database = `simplejwt_interop_${randomBytes(4).toString('hex')}`;

  before(async () => {
    t = await createListeningApp('pglite');
    await t.user('alice'); // id 1, as the peer's own first user
    const jwks = await t.api.get('/auth/.well-known/jwks.json');
    forging = await forgeryKit(jwks.body as { keys: Record<string, unknown>[] }, serviceSigningKey(t));
    dir = mkdtempSync(join(tmpdir(), 'auth-simplejwt-'));
    cpSync(PEER, dir, { recursive: true, filter: (source) => !source.startsWith(join(PEER, 'run')) });
    appendFileSync(join(dir, 'peer', 'settings.py'), SETTINGS);
    writeFileSync(join(dir, 'ca.pem'), t.ca);
    port = await freePort();
    const started = spawnSync('bash', [join(dir, 'start.sh')], {
      env: {
        ...process.env,
        PORT: String(port),
        WORKERS: '1',
        BENCH_USERS: '0',
        DB_NAME: database,
        PYTHON: '/usr/bin/python3',
        INTEROP_JWK_URL: `${t.url}/auth/.well-known/jwks.json`,
        SSL_CERT_FILE: join(dir, 'ca.pem'), // Python's default context trusts our certificate
      },
      encoding: 'utf8',
      timeout: 180_000,
    });
    assert.equal(started.status, 0, `start.sh: ${started.stdout}\n${started.stderr}`);
  });
  after(async () => {
    if (dir) spawnSync('bash', [join(dir, 'stop.sh'), String(port)], { encoding: 'utf8' });
    await dropDatabase(database);
    if (dir) rmSync(dir, { recursive: true, force: true });
    await forging?.close();
    await t?.close();
  });

  const me = (token: string) => peerGet(port, '/auth/me/', token);

  test('accepts our access token: /auth/me/ answers for the user id it carries', async () => {
    const pair = await t.api.login('alice');
    const res = await me(pair.access);
    assert.equal(res.status, 200, res.body);
    assert.equal(JSON.parse(res.body).id, claimsOf(pair.access).user_id);
  });

  test('refuses our refresh token, and every forgery a generic verifier must refuse', async () => {
    const pair = await t.api.login('alice');
    assert.equal((await me(pair.refresh)).status, 401, 'a refresh token');
    const mustRefuse = FORGERIES.filter(([name]) => !LENIENT_ELSEWHERE.some((pattern) => pattern.test(name)));
    let tried = 0;
    for (const [name, forge] of mustRefuse) {
      const token = forge(forging.kit, claimsOf(pair.access));
      if (!headerSafe(token)) continue;
      const res = await me(token);
      assert.equal(res.status, 401, `${name}: ${res.status} ${res.body}`);
      tried++;
    }
    assert.ok(tried > 40, `${tried} forgeries`);
    assert.deepEqual(forging.listenerHits, [], 'no jku/x5u was fetched');
  });
});

function peerGet(port: number, path: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // The peer's own self-signed certificate, on loopback: what we test is its verification of our tokens.
    const req = https.request(
      { host: '127.0.0.1', port, path, rejectUnauthorized: false, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer to ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect().catch(() => {});
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
  await admin.end().catch(() => {});
}
