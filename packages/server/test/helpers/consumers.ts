// Verifiers we did not write, configured as a consumer service would configure them: our JWKS
// URL (fetched over HTTPS, trusting the service's certificate), our issuer and audience, ES256.
// Each answers, per token, "accepted" or the name of its refusal.
import { spawn } from 'node:child_process';
import { Agent, get, request } from 'node:https';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { JwksClient } from 'jwks-rsa';

export interface ConsumerSettings {
  jwksUrl: string;
  ca: string;
  issuer: string;
  audience: string;
}

export interface Consumer {
  name: string;
  judge(tokens: string[]): Promise<string[]>;
}

const errorName = (err: unknown) => (err instanceof Error ? ((err as { code?: string }).code ?? err.name) : String(err));

/** fetch() over node:https with our CA, for jose's customFetch (Node 20's fetch takes no CA). */
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

export function joseConsumer(s: ConsumerSettings): Consumer {
  const keys = createRemoteJWKSet(new URL(s.jwksUrl), { [customFetch]: fetchWithCa(s.ca) } as never);
  return {
    name: 'jose (createRemoteJWKSet + jwtVerify)',
    judge: (tokens) =>
      Promise.all(
        tokens.map((token) =>
          jwtVerify(token, keys, { issuer: s.issuer, audience: s.audience, algorithms: ['ES256'] }).then(
            () => 'accepted',
            errorName,
          ),
        ),
      ),
  };
}

export function jsonwebtokenConsumer(s: ConsumerSettings): Consumer {
  const client = new JwksClient({ jwksUri: s.jwksUrl, requestAgent: new Agent({ ca: s.ca }), cache: true, rateLimit: true });
  const keyFor: jsonwebtoken.GetPublicKeyOrSecret = (header, callback) => {
    client.getSigningKey(header.kid).then(
      (key) => callback(null, key.getPublicKey()),
      (err) => callback(err),
    );
  };
  const options = { algorithms: ['ES256' as const], issuer: s.issuer, audience: s.audience };
  return {
    name: 'jsonwebtoken + jwks-rsa',
    judge: (tokens) =>
      Promise.all(
        tokens.map(
          (token) =>
            new Promise<string>((resolve) => {
              jsonwebtoken.verify(token, keyFor, options, (err) => resolve(err ? errorName(err) : 'accepted'));
            }),
        ),
      ),
  };
}

const PYJWT_SCRIPT = fileURLToPath(new URL('../../../test/interop/pyjwt-verify.py', import.meta.url));
/** Debian's interpreter, where Debian's python3-jwt is installed (.ci/run installs it). */
const PYTHON = '/usr/bin/python3';

export function pyjwtConsumer(s: ConsumerSettings): Consumer {
  return {
    name: 'PyJWT (Debian python3-jwt)',
    async judge(tokens) {
      const jwks = JSON.parse(await httpsText(s.jwksUrl, s.ca));
      const input = JSON.stringify({ jwks, issuer: s.issuer, audience: s.audience, tokens });
      return JSON.parse(await run(PYTHON, [PYJWT_SCRIPT], input));
    },
  };
}

function httpsText(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
}

function run(command: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      err += c;
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${err}`))));
    child.stdin.end(input);
  });
}
