// Issuer metadata at the places standard discovery derives from JWT_ISSUER, and a library we
// did not write (express-oauth2-jwt-bearer, configured with nothing but issuerBaseURL and the
// audience) finding our keys through it: our access tokens pass, forged ones do not.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Agent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { FORGERIES } from '@auth-service/verifier/testing';
import express from 'express';
import { auth } from 'express-oauth2-jwt-bearer';
import { parseConfig } from '../src/config/config.js';
import { discoveryPaths } from '../src/http/discovery.js';
import { createTestApp, serviceSigningKey, type TestApp } from './helpers/app.js';
import { expectCode } from './helpers/endpoint.js';
import { forgeryKit, headerSafe, LENIENT_ELSEWHERE } from './helpers/forgery-kit.js';
import { claimsOf } from './helpers/http.js';
import { listenHttps } from './helpers/listening.js';
import { freePort } from './helpers/process.js';

test('discovery paths derive from JWT_ISSUER (OIDC Discovery 4, RFC 8414 3)', () => {
  assert.deepEqual(discoveryPaths('https://auth.example.com'), {
    oidc: '/.well-known/openid-configuration',
    rfc8414: '/.well-known/oauth-authorization-server',
  });
  assert.deepEqual(discoveryPaths('https://gw.example.com/auth/'), {
    oidc: '/auth/.well-known/openid-configuration',
    rfc8414: '/.well-known/oauth-authorization-server/auth',
  });
  assert.equal(discoveryPaths('auth-service'), null);
});

test('JWT_ISSUER: a name or an https URL without query, fragment or user info', () => {
  assert.equal(parseConfig({}).jwt.issuer, 'auth-service', 'the default keeps working');
  assert.equal(parseConfig({ JWT_ISSUER: 'https://auth.example.com:8443' }).jwt.issuer, 'https://auth.example.com:8443');
  for (const bad of [
    'http://auth.example.com',
    'https://auth.example.com/?x=1',
    'https://a@auth.example.com',
    'https://x/#f',
    'https://',
  ]) {
    assert.throws(() => parseConfig({ JWT_ISSUER: bad }), /JWT_ISSUER/, bad);
  }
});

describe('issuer metadata', () => {
  let named: TestApp;
  let tenant: TestApp;
  before(async () => {
    named = await createTestApp('pglite');
    tenant = await createTestApp('pglite', { JWT_ISSUER: 'https://gw.example.com/tenant' });
  });
  after(async () => {
    await named?.close();
    await tenant?.close();
  });

  test('with the default issuer (not a URL): 404 discovery_disabled, the JWKS path still answers', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      expectCode(await named.api.get(path), 404, 'discovery_disabled', path);
    }
    assert.equal((await named.api.get('/auth/.well-known/jwks.json')).status, 200);
  });

  test('with a URL issuer: both documents, at its derived paths, naming the issuer exactly', async () => {
    for (const path of ['/tenant/.well-known/openid-configuration', '/.well-known/oauth-authorization-server/tenant']) {
      const res = await tenant.api.get(path);
      assert.equal(res.status, 200, `${path}: ${res.raw}`);
      assert.equal(res.body.issuer, 'https://gw.example.com/tenant');
      assert.equal(res.body.jwks_uri, 'https://gw.example.com/auth/.well-known/jwks.json');
      assert.deepEqual(res.body.id_token_signing_alg_values_supported, ['ES256']);
      assert.match(String(res.headers['cache-control']), /max-age=/);
    }
    expectCode(await tenant.api.get('/.well-known/openid-configuration'), 404, 'not_found', 'not at the root');
  });
});

describe('express-oauth2-jwt-bearer with issuerBaseURL only', () => {
  let t: TestApp;
  let close: () => Promise<void>;
  let orders: string;
  before(async () => {
    const port = await freePort();
    // localhost: the name in the development certificate, and an https issuer the library accepts.
    t = await createTestApp('pglite', { JWT_ISSUER: `https://localhost:${port}` });
    await t.user('ex-alice');
    const listening = await listenHttps(t.deps, port);
    const app = express();
    app.use(
      auth({ issuerBaseURL: `https://localhost:${port}`, audience: 'auth-service', agent: new Agent({ ca: listening.ca }) }),
    );
    app.get('/orders', (req, res) => {
      res.json({ user: req.auth?.payload.sub });
    });
    app.use((err: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(err.status ?? 500).json({ error: String(err) });
    });
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    orders = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
    close = async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await listening.server.close();
    };
  });
  after(async () => {
    await close?.();
    await t?.close();
  });

  const call = async (token: string) => {
    const res = await fetch(orders, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.text() };
  };

  test('our access token passes; it found the keys through discovery', async () => {
    const pair = await t.api.login('ex-alice');
    const res = await call(pair.access);
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(JSON.parse(res.body), { user: String(claimsOf(pair.access).sub) });
  });

  test('forged tokens do not', async () => {
    const pair = await t.api.login('ex-alice');
    const jwks = await t.api.get('/auth/.well-known/jwks.json');
    const forging = await forgeryKit(jwks.body as { keys: Record<string, unknown>[] }, serviceSigningKey(t));
    try {
      // The ones any verifier must refuse: no valid signature of ours over these exact claims, or
      // claims that are not ours. (Respellings and extra headers on our own signature are our
      // stricter rules; a generic JOSE library is not expected to share them.)
      const mustRefuse = FORGERIES.filter(([name]) => !LENIENT_ELSEWHERE.some((pattern) => pattern.test(name)));
      for (const [name, forge] of mustRefuse) {
        const token = forge(forging.kit, claimsOf(pair.access));
        if (!headerSafe(token)) continue;
        const res = await call(token);
        // 401 invalid_token, or 400 invalid_request for a header it cannot even parse (RFC 6750 3.1).
        assert.ok(res.status === 401 || res.status === 400, `${name}: ${res.status} ${res.body}`);
      }
      assert.deepEqual(forging.listenerHits, []);
    } finally {
      await forging.close();
    }
  });
});
