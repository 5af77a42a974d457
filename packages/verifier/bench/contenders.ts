// The verifiers compared, each set up as its documentation says for a JWKS-backed resource
// server, given the same JWKS URL (over HTTPS, with the test CA), issuer and audience, ES256
// only. Each exposes one async verify(token) that rejects on a refused token.
import { Agent, request } from 'node:https';
import { createVerifier as fastJwtVerifier } from 'fast-jwt';
import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { JwksClient } from 'jwks-rsa';
import { createVerifier } from '../src/index.js';

export interface Target {
  jwksUrl: string;
  url: string;
  ca: string;
  issuer: string;
  audience: string;
}

export interface Contender {
  name: string;
  verify(token: string): Promise<unknown>;
  close?(): Promise<void>;
}

export function ours(t: Target, cacheSize: number, name: string): Contender {
  const verifier = createVerifier({ url: t.url, ca: t.ca, issuer: t.issuer, audience: t.audience, cacheSize });
  return { name, verify: (token) => verifier.verify(token), close: () => verifier.close() };
}

export function jose(t: Target): Contender {
  const keys = createRemoteJWKSet(new URL(t.jwksUrl), { [customFetch]: fetchWithCa(t.ca) } as never);
  const options = { issuer: t.issuer, audience: t.audience, algorithms: ['ES256'] };
  return { name: 'jose 6 (createRemoteJWKSet + jwtVerify)', verify: (token) => jwtVerify(token, keys, options) };
}

/** fast-jwt has no JWKS client of its own: its `key` callback reads jwks-rsa's cache, as its docs suggest (get-jwks). */
export function fastJwt(t: Target, cache: boolean): Contender {
  const client = new JwksClient({ jwksUri: t.jwksUrl, requestAgent: new Agent({ ca: t.ca }), cache: true });
  const verify = fastJwtVerifier({
    key: async ({ header }: { header: { kid?: string } }) => (await client.getSigningKey(header.kid)).getPublicKey(),
    algorithms: ['ES256'],
    allowedIss: t.issuer,
    allowedAud: t.audience,
    cache,
  });
  return { name: `fast-jwt 6${cache ? ' (cache: true)' : ''} + jwks-rsa`, verify: (token) => verify(token) };
}

export function jsonwebtokenRsa(t: Target): Contender {
  const client = new JwksClient({ jwksUri: t.jwksUrl, requestAgent: new Agent({ ca: t.ca }), cache: true, rateLimit: true });
  const keyFor: jsonwebtoken.GetPublicKeyOrSecret = (header, callback) => {
    client.getSigningKey(header.kid).then(
      (key) => callback(null, key.getPublicKey()),
      (err) => callback(err),
    );
  };
  const options = { algorithms: ['ES256' as const], issuer: t.issuer, audience: t.audience };
  return {
    name: 'jsonwebtoken 9 + jwks-rsa',
    verify: (token) =>
      new Promise((resolve, reject) => {
        jsonwebtoken.verify(token, keyFor, options, (err, claims) => (err ? reject(err) : resolve(claims)));
      }),
  };
}

/** fetch() over node:https with a CA, for jose's customFetch (Node 20's fetch takes no CA). */
function fetchWithCa(ca: string) {
  return (url: string | URL, init?: { headers?: Record<string, string> }) =>
    new Promise<Response>((resolve, reject) => {
      const req = request(url, { ca, headers: init?.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers = Object.entries(res.headers).map(([k, v]) => [k, String(v)] as [string, string]);
          resolve(new Response(Buffer.concat(chunks), { status: res.statusCode, headers }));
        });
      });
      req.on('error', reject);
      req.end();
    });
}
