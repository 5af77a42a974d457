// A real HTTPS server that publishes a JWKS the test controls (keys, Cache-Control, status,
// delay, going down and coming back on the same port) and counts the requests it gets: what
// a verifier's key cache is tested against. Its certificate is generated at run time.
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { generate } from 'selfsigned';
import { type Claims, es256, jwt } from '../../src/testing/index.js';

export const ISSUER = 'https://auth.test';
export const AUDIENCE = 'orders';

export interface TestKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function newKey(kid = randomBytes(8).toString('hex')): TestKey {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, publicKey, privateKey };
}

export const jwkOf = (key: TestKey) => ({ ...key.publicKey.export({ format: 'jwk' }), kid: key.kid, alg: 'ES256', use: 'sig' });

/** Access-token claims of a session opened at `nowMs` (lifetime 300 s), `extra` on top. */
export function accessClaims(extra: Claims = {}, nowMs = Date.now()): Claims {
  const now = Math.floor(nowMs / 1000);
  return {
    token_type: 'access',
    exp: now + 300,
    iat: now,
    jti: randomBytes(16).toString('hex'),
    user_id: 7,
    sub: '7',
    iss: ISSUER,
    aud: AUDIENCE,
    sid: '00000000-0000-4000-8000-000000000007',
    ...extra,
  };
}

export const sign = (key: TestKey, claims: Claims = accessClaims(), typ = 'at+jwt') =>
  jwt({ alg: 'ES256', typ, kid: key.kid }, claims, es256(key.privateKey));

export interface JwksServer {
  url: string;
  ca: string;
  /** Requests for the JWKS so far. */
  hits(): number;
  keys: TestKey[];
  cacheControl: string | null;
  status: number;
  /** Milliseconds before each answer. */
  delayMs: number;
  /** When set, the body is sent one byte every this many milliseconds (a dripping server). */
  dripMs: number;
  /** Holds every JWKS answer until the returned function is called. */
  hold(): () => void;
  /** The discovery document's jwks_uri (served at /.well-known/openid-configuration). */
  jwksUri: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startJwksServer(keys: TestKey[] = [newKey()]): Promise<JwksServer> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  } as never);
  let hits = 0;
  let gate: Promise<void> = Promise.resolve();
  const sockets = new Set<Duplex>();
  const state: JwksServer = {
    url: '',
    ca: pems.cert,
    hits: () => hits,
    keys,
    cacheControl: 'public, max-age=300',
    status: 200,
    delayMs: 0,
    dripMs: 0,
    hold: () => {
      let release = () => {};
      gate = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        release();
        gate = Promise.resolve();
      };
    },
    jwksUri: '',
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
    start: () => listen(port),
  };
  const server: Server = createServer({ cert: pems.cert, key: pems.private }, (req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      return res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ issuer: ISSUER, jwks_uri: state.jwksUri }));
    }
    if (req.url !== '/auth/.well-known/jwks.json') return res.writeHead(404).end('{}');
    hits++;
    const held = gate;
    setTimeout(async () => {
      await held;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (state.cacheControl) headers['cache-control'] = state.cacheControl;
      const body = JSON.stringify({ keys: state.keys.map(jwkOf) });
      res.writeHead(state.status, headers);
      if (!state.dripMs) return res.end(body);
      let sent = 0;
      const drip = setInterval(() => {
        if (res.destroyed || sent >= body.length) {
          clearInterval(drip);
          return res.end();
        }
        res.write(body[sent++]);
      }, state.dripMs);
    }, state.delayMs);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let port = 0;
  const listen = (at: number) => new Promise<void>((resolve) => server.listen(at, '127.0.0.1', () => resolve()));
  await listen(0);
  port = (server.address() as AddressInfo).port;
  state.url = `https://127.0.0.1:${port}`;
  state.jwksUri = `${state.url}/auth/.well-known/jwks.json`;
  return state;
}

/** A clock the verifier reads (its `clock` option); tests move it instead of waiting. */
export class Clock {
  constructor(public ms = Date.now()) {}
  now = () => this.ms;
  advance(ms: number) {
    this.ms += ms;
  }
}
