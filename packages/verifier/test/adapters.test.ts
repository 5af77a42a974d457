// The adapters, each on its real framework: the Fastify plugin (app.inject), the Express
// middleware (a real listening server), and WebSockets with `ws` over a real port: refused
// before the 101, the token from the Authorization header or a subprotocol that is never
// echoed, the socket closed at expiry and at revocation with codes of their own.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { WebSocket, WebSocketServer } from 'ws';
import { expressAuth } from '../src/express.js';
import { fastifyAuth } from '../src/fastify.js';
import { createVerifier, type Verifier } from '../src/index.js';
import { authenticateUpgrade, selectProtocol, WS_CLOSE, watchSocket, wsProtocols } from '../src/websocket.js';
import {
  AUDIENCE,
  accessClaims,
  ISSUER,
  type JwksServer,
  newKey,
  sign,
  startJwksServer,
  type TestKey,
} from './helpers/jwks-server.js';

let server: JwksServer;
let key: TestKey;
let verifier: Verifier;
before(async () => {
  key = newKey();
  server = await startJwksServer([key]);
  verifier = createVerifier({ url: server.url, ca: server.ca, issuer: ISSUER, audience: AUDIENCE });
});
after(async () => {
  await verifier.close();
  await server.stop();
});

/** A verifier whose keys cannot be fetched: its service answers 503 (a token with an unknown kid). */
const downVerifier = () =>
  createVerifier({ url: 'https://127.0.0.1:9', issuer: ISSUER, audience: AUDIENCE, jwks: { timeout: 2 } });

describe('Fastify plugin', () => {
  const build = async (v: Verifier) => {
    const app = Fastify();
    await app.register(fastifyAuth, { verifier: v });
    app.get('/orders', async (request) => ({ user: request.auth?.user_id }));
    app.get('/health', { config: { auth: false } }, async (request) => ({ ok: true, auth: request.auth }));
    await app.ready();
    return app;
  };

  test('claims on the request; RFC 6750 answers with our error body', async () => {
    const app = await build(verifier);
    try {
      const ok = await app.inject({ url: '/orders', headers: { authorization: `Bearer ${sign(key)}` } });
      assert.deepEqual([ok.statusCode, ok.json()], [200, { user: 7 }]);
      const none = await app.inject({ url: '/orders' });
      assert.equal(none.statusCode, 401);
      assert.equal(none.headers['www-authenticate'], 'Bearer realm="api"');
      assert.equal(none.json().code, 'not_authenticated');
      const bad = await app.inject({ url: '/orders', headers: { authorization: `Bearer ${sign(newKey(key.kid))}` } });
      assert.equal(bad.statusCode, 401);
      assert.equal(bad.headers['www-authenticate'], 'Bearer realm="api", error="invalid_token"');
      assert.deepEqual(bad.json(), { detail: 'Token is invalid or expired', code: 'token_not_valid' });
      const refresh = sign(key, accessClaims({ token_type: 'refresh' }), 'refresh+jwt');
      const wrongType = await app.inject({ url: '/orders', headers: { authorization: `Bearer ${refresh}` } });
      assert.deepEqual([wrongType.statusCode, wrongType.json().detail], [401, 'Token has wrong type']);
      const malformed = await app.inject({ url: '/orders', headers: { authorization: 'Bearer a b' } });
      assert.equal(malformed.headers['www-authenticate'], 'Bearer realm="api", error="invalid_request"');
      const open = await app.inject({ url: '/health' });
      assert.deepEqual([open.statusCode, open.json()], [200, { ok: true, auth: null }]);
    } finally {
      await app.close();
    }
  });

  test('keys that cannot be fetched: 503 with Retry-After, never 401', async () => {
    const v = downVerifier();
    const app = await build(v);
    try {
      const res = await app.inject({ url: '/orders', headers: { authorization: `Bearer ${sign(key)}` } });
      assert.equal(res.statusCode, 503);
      assert.ok(Number(res.headers['retry-after']) >= 1);
      assert.equal(res.headers['www-authenticate'], undefined);
      assert.deepEqual([res.json().code, res.json().dependency], ['service_unavailable', 'auth-service']);
    } finally {
      await app.close();
      await v.close();
    }
  });
});

describe('Express middleware', () => {
  test('claims on req.auth; refusals answered with our body', async () => {
    const app = express();
    app.use(expressAuth(verifier));
    app.get('/orders', (req, res) => {
      res.json({ user: (req as unknown as { auth: { user_id: number } }).auth.user_id });
    });
    const http = app.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    try {
      const ok = await fetch(`${base}/orders`, { headers: { authorization: `Bearer ${sign(key)}` } });
      assert.deepEqual([ok.status, await ok.json()], [200, { user: 7 }]);
      const none = await fetch(`${base}/orders`);
      assert.equal(none.status, 401);
      assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="api"');
      assert.equal(((await none.json()) as { code: string }).code, 'not_authenticated');
      const bad = await fetch(`${base}/orders`, { headers: { authorization: 'Bearer x.y.z' } });
      assert.equal(bad.headers.get('www-authenticate'), 'Bearer realm="api", error="invalid_token"');
      assert.equal(((await bad.json()) as { code: string }).code, 'token_not_valid');
    } finally {
      http.close();
    }
  });
});

describe('WebSockets', () => {
  let http: Server;
  let url: string;
  let accepted: { req: IncomingMessage; ws: WebSocket }[];
  let upgradeVerifier: Verifier;
  const revoked = new Set<string>();

  before(async () => {
    accepted = [];
    upgradeVerifier = verifier;
    const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => selectProtocol(offered) });
    http = createServer((_req, res) => res.writeHead(404).end());
    http.on('upgrade', async (req, socket, head) => {
      const claims = await authenticateUpgrade(upgradeVerifier, req, socket);
      if (!claims) return;
      wss.handleUpgrade(req, socket, head, (ws) => {
        accepted.push({ req, ws });
        // Revocation comes from the verifier's feed; here a set the test fills stands in for it.
        const v = upgradeVerifier;
        const watched = { expiresAt: v.expiresAt.bind(v), now: v.now.bind(v), isRevoked: (sid: string) => revoked.has(sid) };
        watchSocket(watched, ws, claims, { revocationCheckMs: 50 });
        ws.send(JSON.stringify({ user: claims.user_id }));
      });
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/orders`;
  });
  after(() => http.close());

  /** Connects; resolves with the first message, or the refusal status before any 101. */
  const connect = (protocols: string[] | undefined, headers: Record<string, string> = {}) =>
    new Promise<{ ws?: WebSocket; message?: string; status?: number; body?: string; protocolHeader?: string }>(
      (resolve, reject) => {
        const ws = new WebSocket(url, protocols, { headers });
        let protocolHeader: string | undefined;
        ws.on('upgrade', (res) => {
          protocolHeader = String(res.headers['sec-websocket-protocol'] ?? '');
        });
        ws.on('message', (data) => resolve({ ws, message: String(data), protocolHeader }));
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode, body }));
        });
        ws.on('error', reject);
      },
    );

  test('no token, or a bad one: refused before the 101, the socket never opened', async () => {
    const before = accepted.length;
    const none = await connect(undefined);
    assert.equal(none.status, 401);
    assert.equal(JSON.parse(String(none.body)).code, 'not_authenticated');
    const bad = await connect(wsProtocols(sign(newKey(key.kid))));
    assert.equal(bad.status, 401);
    assert.equal(JSON.parse(String(bad.body)).code, 'token_not_valid');
    const inQuery = await new Promise<number | undefined>((resolve) => {
      const ws = new WebSocket(`${url}?access_token=${sign(key)}`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      ws.on('open', () => resolve(101));
    });
    assert.equal(inQuery, 401, 'the query string is not a place for tokens');
    assert.equal(accepted.length, before);
  });

  test('the token from the Authorization header, or from a subprotocol that is never echoed', async () => {
    const viaHeader = await connect(undefined, { authorization: `Bearer ${sign(key)}` });
    assert.equal(viaHeader.message, '{"user":7}');
    viaHeader.ws?.close();
    const token = sign(key);
    const viaProtocol = await connect(wsProtocols(token, 'orders.v1'));
    assert.equal(viaProtocol.message, '{"user":7}');
    assert.equal(viaProtocol.protocolHeader, 'auth-service');
    assert.equal(viaProtocol.ws?.protocol, 'auth-service');
    assert.ok(!String(viaProtocol.protocolHeader).includes(token));
    viaProtocol.ws?.close();
  });

  test('closed when the token expires (4401), and when its session is revoked (4403)', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const strict = createVerifier({ url: server.url, ca: server.ca, issuer: ISSUER, audience: AUDIENCE, clockTolerance: 0 });
    upgradeVerifier = strict;
    try {
      const soon = await connect(wsProtocols(sign(key, accessClaims({ exp: nowS + 2 }))));
      const [code, reason] = (await once(soon.ws as WebSocket, 'close')) as [number, Buffer];
      assert.deepEqual([code, String(reason)], [WS_CLOSE.expired, 'token expired']);

      const sid = '00000000-0000-4000-8000-0000000000aa';
      const live = await connect(wsProtocols(sign(key, accessClaims({ sid }))));
      const closed = once(live.ws as WebSocket, 'close');
      revoked.add(sid);
      const [revokedCode] = (await closed) as [number];
      assert.equal(revokedCode, WS_CLOSE.revoked);
    } finally {
      upgradeVerifier = verifier;
      await strict.close();
    }
  });

  test('keys that cannot be fetched: 503 with Retry-After before the 101', async () => {
    const v = downVerifier();
    upgradeVerifier = v;
    try {
      const res = await new Promise<IncomingMessage>((resolve) => {
        const ws = new WebSocket(url, wsProtocols(sign(key)));
        ws.on('unexpected-response', (_req, r) => resolve(r));
      });
      assert.equal(res.statusCode, 503);
      assert.ok(Number(res.headers['retry-after']) >= 1);
    } finally {
      upgradeVerifier = verifier;
      await v.close();
    }
  });
});
