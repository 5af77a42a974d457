// The machine's limit for each endpoint: a bare HTTPS server that does only the work no
// implementation of the contract can skip, and nothing else (no database, no framework, no
// validation beyond JSON.parse, no logging, no throttle, no revocation check):
//   login    TLS, JSON, one argon2id verification (OWASP parameters, off the event loop), two
//            ES256 signatures;
//   refresh  TLS, JSON, the refresh token's signature checked once and remembered (a cache of
//            verified tokens, as ours has), one ES256 signature;
//   verify   TLS, JSON, the cache of verified tokens;
//   me       TLS, the Authorization header, the cache of verified tokens.
// Same process layout as ours (a process per core), same certificate type and key exchange.
// The bench starts it (`node limit-server.js PORT`) and reports ours / this. Not a service: it
// knows bench0…bench99 with one password and holds no state worth keeping.
import cluster from 'node:cluster';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import https from 'node:https';
import os from 'node:os';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { generate } from 'selfsigned';

const PORT = Number(process.argv[2] ?? 18444);
const PASSWORD = 'bench-password';
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 }; // argon2id
const ACCESS_TTL_S = 300;
const REFRESH_TTL_S = 86_400;

const b64 = (buf) => Buffer.from(buf).toString('base64url');

async function primary() {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', curve: 'P-256', days: 2 });
  // One signing key for all workers, as ours shares its key through the database.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const env = {
    LIMIT_CERT: pems.cert,
    LIMIT_KEY: pems.private,
    LIMIT_SIGNING_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }),
    LIMIT_VERIFY_KEY: publicKey.export({ format: 'pem', type: 'spki' }),
    LIMIT_HASH: await argon2Hash(PASSWORD, ARGON2),
  };
  let ready = 0;
  const workers = os.availableParallelism();
  for (let i = 0; i < workers; i++) {
    cluster.fork(env).on('message', (m) => {
      if (m === 'listening' && ++ready === workers) process.stdout.write(`listening ${PORT}\n`);
    });
  }
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers)) w.kill();
    process.exit(0);
  });
}

function worker() {
  const { LIMIT_CERT, LIMIT_KEY, LIMIT_SIGNING_KEY, LIMIT_VERIFY_KEY, LIMIT_HASH } = process.env;
  const signingKey = createPrivateKey(LIMIT_SIGNING_KEY); // parsed once, as ours does
  const verifyKey = createPublicKey(LIMIT_VERIFY_KEY);
  const kid = createHash('sha256').update(LIMIT_VERIFY_KEY).digest('base64url').slice(0, 16);
  const header = (typ) => b64(JSON.stringify({ alg: 'ES256', typ, kid }));
  const headers = { access: header('at+jwt'), refresh: header('JWT') };
  const signToken = (type, claims) => {
    const input = `${headers[type]}.${b64(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(input), { key: signingKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${b64(signature)}`;
  };
  const claimsFor = (type, userId, sid, ttl) => {
    const now = Math.floor(Date.now() / 1000);
    return { token_type: type, exp: now + ttl, iat: now, jti: randomUUID(), user_id: userId, sid };
  };
  const verified = new Map(); // token -> claims: the cache of verified signatures
  const claimsOf = (token, type) => {
    let claims = verified.get(token);
    if (!claims) {
      const [h, p, s] = token.split('.');
      if (
        !s ||
        !verify('sha256', Buffer.from(`${h}.${p}`), { key: verifyKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))
      )
        return null;
      claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      if (verified.size > 10_000) verified.clear();
      verified.set(token, claims);
    }
    return claims.token_type === type && claims.exp > Date.now() / 1000 ? claims : null;
  };

  const answer = (res, status, body) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
    });
    res.end(text);
  };
  const invalid = (res) => answer(res, 401, { detail: 'Token is invalid', code: 'token_not_valid' });
  const jsonBody = (req, res, then) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      text += chunk;
    });
    req.on('end', () => {
      try {
        then(JSON.parse(text));
      } catch {
        answer(res, 400, { detail: 'bad json' });
      }
    });
  };

  const routes = {
    'POST /auth/login/': (req, res) =>
      jsonBody(req, res, async (body) => {
        const userId = Number(/^bench(\d+)$/.exec(body.username)?.[1] ?? Number.NaN) + 1;
        const ok = await argon2Verify(LIMIT_HASH, String(body.password));
        if (!ok || !Number.isInteger(userId))
          return answer(res, 401, { detail: 'No active account found with the given credentials' });
        const sid = randomUUID();
        answer(res, 200, {
          refresh: signToken('refresh', claimsFor('refresh', userId, sid, REFRESH_TTL_S)),
          access: signToken('access', claimsFor('access', userId, sid, ACCESS_TTL_S)),
        });
      }),
    'POST /auth/token/refresh/': (req, res) =>
      jsonBody(req, res, (body) => {
        const claims = claimsOf(String(body.refresh), 'refresh');
        if (!claims) return invalid(res);
        answer(res, 200, { access: signToken('access', claimsFor('access', claims.user_id, claims.sid, ACCESS_TTL_S)) });
      }),
    'POST /auth/token/verify/': (req, res) =>
      jsonBody(req, res, (body) => (claimsOf(String(body.token), 'access') ? answer(res, 200, {}) : invalid(res))),
    'GET /auth/me/': (req, res) => {
      const claims = claimsOf(String(req.headers.authorization).slice(7), 'access');
      if (!claims) return invalid(res);
      answer(res, 200, { id: claims.user_id, username: `bench${claims.user_id - 1}` });
    },
    'GET /auth/health/ready/': (_req, res) => answer(res, 200, { status: 'ready' }),
  };

  const server = https.createServer(
    {
      cert: LIMIT_CERT,
      key: LIMIT_KEY,
      ecdhCurve: 'X25519:prime256v1:secp384r1',
      minVersion: 'TLSv1.2',
      keepAliveTimeout: 72_000,
    },
    (req, res) => {
      const route = routes[`${req.method} ${req.url}`];
      if (!route) return answer(res, 404, { detail: 'Not found' });
      route(req, res);
    },
  );
  server.listen(PORT, '127.0.0.1', () => process.send('listening'));
}

if (cluster.isPrimary) await primary();
else worker();
