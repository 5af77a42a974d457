// Forged and mangled tokens (RFC 8725 attacks and their spellings) sent to every entry point
// that reads a token: refresh, logout, verify and /auth/me/. Each forgery is built from the
// claims of a LIVE session of ours, so that only the forged part can make it fail; a control
// test shows that the same forging code, given our own key, yields tokens that are accepted.
import assert from 'node:assert/strict';
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { generate } from 'selfsigned';
import { createTestApp, DRIVERS, type TestApp } from './helpers/app.js';
import { type Answer, claimsOf, get, headerOf, loginPair, post } from './helpers/http.js';

type Claims = Record<string, unknown>;
type Signer = (signingInput: string) => Buffer;

const b64u = (data: Buffer | string) => Buffer.from(data).toString('base64url');
const enc = (value: object) => b64u(JSON.stringify(value));
/** ES256 in the one spelling the service accepts: the low s of the pair (s, n - s). */
const es256 =
  (key: KeyObject): Signer =>
  (input) =>
    lowS(sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }));
const hs256 =
  (secret: Buffer | string): Signer =>
  (input) =>
    createHmac('sha256', secret).update(input).digest();

/** A compact JWS: the signature is computed by `signer`, or given as fixed bytes. */
function jwt(header: object, claims: Claims, signer: Signer | Buffer): string {
  const input = `${enc(header)}.${enc(claims)}`;
  return `${input}.${b64u(Buffer.isBuffer(signer) ? signer : signer(input))}`;
}

const parts = (token: string) => token.split('.') as [string, string, string];

/** The P-256 group order n: r = s = n is as invalid as r = s = 0. */
const P256_ORDER = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
const ORDER = BigInt(`0x${P256_ORDER.toString('hex')}`);
const sOf = (sig: Buffer) => BigInt(`0x${sig.subarray(32).toString('hex')}`);
const withS = (sig: Buffer, s: bigint) =>
  Buffer.concat([sig.subarray(0, 32), Buffer.from(s.toString(16).padStart(64, '0'), 'hex')]);
const lowS = (sig: Buffer) => (sOf(sig) > ORDER >> 1n ? withS(sig, ORDER - sOf(sig)) : sig);

interface Attacker {
  key: KeyObject;
  publicJwk: Record<string, unknown>;
  kid: string;
  certDer: Buffer;
}

/** The attacker's own P-256 key and a self-signed certificate for it (for x5c). */
async function attackerMaterial(): Promise<Attacker> {
  const pems = await generate([{ name: 'commonName', value: 'attacker.example' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
  } as never);
  const key = createPrivateKey(pems.private);
  return {
    key,
    publicJwk: createPublicKey(key).export({ format: 'jwk' }) as Record<string, unknown>,
    kid: 'attacker-key-1',
    certDer: Buffer.from(new X509Certificate(pems.cert).raw),
  };
}

/** Everything a forgery may use: our published key, our signer, the attacker's key, a listener. */
interface Kit {
  kid: string;
  publicPem: string;
  publicJwkText: string;
  publicDer: Buffer;
  ours: Signer;
  attacker: Attacker;
  listenerUrl: string;
}

type Forgery = (k: Kit, claims: Claims) => string;

const ourHeader = (k: Kit) => ({ alg: 'ES256', typ: 'JWT', kid: k.kid });
const signedByUs = (k: Kit, claims: Claims) => jwt(ourHeader(k), claims, k.ours);
const attackerSigned = (header: object) => (k: Kit, claims: Claims) => jwt(header, claims, es256(k.attacker.key));
const withSignature = (sig: Buffer) => (k: Kit, claims: Claims) => jwt(ourHeader(k), claims, sig);
/** Our valid token with its signature bytes changed by `mutate`. */
const mutatedSignature = (mutate: (sig: Buffer) => Buffer) => (k: Kit, claims: Claims) => {
  const [h, p, s] = parts(signedByUs(k, claims));
  return `${h}.${p}.${b64u(mutate(Buffer.from(s, 'base64url')))}`;
};
/** Our valid token with its payload replaced, the original signature kept. */
const tampered = (change: (c: Claims) => Claims) => (k: Kit, claims: Claims) => {
  const [h, , s] = parts(signedByUs(k, claims));
  return `${h}.${enc(change(claims))}.${s}`;
};
/** Our valid token, respelled as text by `respell`. */
const respelled = (respell: (token: string) => string) => (k: Kit, claims: Claims) => respell(signedByUs(k, claims));

const flipBit = (byte: number, bit: number) => (sig: Buffer) => {
  const copy = Buffer.from(sig);
  copy[byte] = (copy[byte] ?? 0) ^ (1 << bit);
  return copy;
};

const NONE_SPELLINGS = ['none', 'None', 'NONE', 'nOnE'];

const FORGERIES: [string, Forgery][] = [
  ...NONE_SPELLINGS.flatMap((alg): [string, Forgery][] => [
    [`alg "${alg}", empty signature`, (k, c) => `${enc({ ...ourHeader(k), alg })}.${enc(c)}.`],
    [`alg "${alg}", no kid, empty signature`, (_k, c) => `${enc({ alg, typ: 'JWT' })}.${enc(c)}.`],
    [`alg "${alg}" with a valid ES256 signature of our key`, (k, c) => jwt({ ...ourHeader(k), alg }, c, k.ours)],
  ]),
  // Key confusion: HMAC keyed with our public key, in every form a confused verifier might use.
  ['HS256 keyed with our public key as PEM', (k, c) => jwt({ ...ourHeader(k), alg: 'HS256' }, c, hs256(k.publicPem))],
  [
    'HS256 keyed with our public key as trimmed PEM',
    (k, c) => jwt({ ...ourHeader(k), alg: 'HS256' }, c, hs256(k.publicPem.trim())),
  ],
  ['HS256 keyed with our public key as JWK JSON', (k, c) => jwt({ ...ourHeader(k), alg: 'HS256' }, c, hs256(k.publicJwkText))],
  ['HS256 keyed with our public key as DER', (k, c) => jwt({ ...ourHeader(k), alg: 'HS256' }, c, hs256(k.publicDer))],
  // Key material or key locations carried by the token itself.
  [
    'embedded jwk of the attacker, attacker kid',
    (k, c) => jwt({ alg: 'ES256', typ: 'JWT', kid: k.attacker.kid, jwk: k.attacker.publicJwk }, c, es256(k.attacker.key)),
  ],
  [
    'embedded jwk of the attacker, our kid',
    (k, c) => jwt({ ...ourHeader(k), jwk: k.attacker.publicJwk }, c, es256(k.attacker.key)),
  ],
  [
    'jku to the attacker listener',
    (k, c) => jwt({ alg: 'ES256', typ: 'JWT', kid: k.attacker.kid, jku: `${k.listenerUrl}/jwks.json` }, c, es256(k.attacker.key)),
  ],
  [
    'jku to the attacker listener, our kid',
    (k, c) => jwt({ ...ourHeader(k), jku: `${k.listenerUrl}/jwks.json` }, c, es256(k.attacker.key)),
  ],
  [
    'x5u to the attacker listener',
    (k, c) => jwt({ alg: 'ES256', typ: 'JWT', kid: k.attacker.kid, x5u: `${k.listenerUrl}/cert.pem` }, c, es256(k.attacker.key)),
  ],
  [
    'x5c with the attacker certificate',
    (k, c) =>
      jwt(
        { alg: 'ES256', typ: 'JWT', kid: k.attacker.kid, x5c: [k.attacker.certDer.toString('base64')] },
        c,
        es256(k.attacker.key),
      ),
  ],
  [
    'x5c with the attacker certificate, our kid',
    (k, c) => jwt({ ...ourHeader(k), x5c: [k.attacker.certDer.toString('base64')] }, c, es256(k.attacker.key)),
  ],
  // The same headers on a token our key signed: refused for the header alone.
  ['jku on a token signed by our key', (k, c) => jwt({ ...ourHeader(k), jku: `${k.listenerUrl}/jwks.json` }, c, k.ours)],
  ['x5u on a token signed by our key', (k, c) => jwt({ ...ourHeader(k), x5u: `${k.listenerUrl}/cert.pem` }, c, k.ours)],
  ['crit on a token signed by our key', (k, c) => jwt({ ...ourHeader(k), crit: ['exp'] }, c, k.ours)],
  ['crit naming an unknown extension', (k, c) => jwt({ ...ourHeader(k), crit: ['x-attacker'], 'x-attacker': true }, c, k.ours)],
  // kid injection, signed with the attacker's key.
  ['kid path traversal', attackerSigned({ alg: 'ES256', typ: 'JWT', kid: '../../etc/passwd' })],
  ['kid SQL injection', attackerSigned({ alg: 'ES256', typ: 'JWT', kid: "' OR 1=1 --" })],
  ['kid of 1000 characters', attackerSigned({ alg: 'ES256', typ: 'JWT', kid: 'k'.repeat(1000) })],
  ['kid of 65 characters', attackerSigned({ alg: 'ES256', typ: 'JWT', kid: 'k'.repeat(65) })],
  ['kid of a key that does not exist', attackerSigned({ alg: 'ES256', typ: 'JWT', kid: randomBytes(8).toString('hex') })],
  ['kid that is not a string', attackerSigned({ alg: 'ES256', typ: 'JWT', kid: { $ne: null } })],
  // Signature bytes that some ECDSA verifiers have accepted (CVE-2022-21449: r = s = 0).
  ['all-zero signature (64 bytes)', withSignature(Buffer.alloc(64))],
  ['DER r = s = 0 (8 bytes)', withSignature(Buffer.from('3006020100020100', 'hex'))],
  [
    'DER r = s = 0 as 32-byte integers',
    withSignature(
      Buffer.concat([Buffer.from('30440220', 'hex'), Buffer.alloc(32), Buffer.from('0220', 'hex'), Buffer.alloc(32)]),
    ),
  ],
  ['r = s = n (the group order)', withSignature(Buffer.concat([P256_ORDER, P256_ORDER]))],
  // ECDSA malleability: (r, n - s) verifies mathematically; we accept one spelling only.
  ['the same signature with s replaced by n - s', mutatedSignature((sig) => withS(sig, ORDER - sOf(sig)))],
  ['r = 0 with a real s', mutatedSignature((sig) => Buffer.concat([Buffer.alloc(32), sig.subarray(32)]))],
  ['real r with s = 0', mutatedSignature((sig) => Buffer.concat([sig.subarray(0, 32), Buffer.alloc(32)]))],
  ['ES256 with an empty signature', withSignature(Buffer.alloc(0))],
  ['our signature in DER form', mutatedSignature((sig) => derOf(sig))],
  ['our signature with one extra byte', mutatedSignature((sig) => Buffer.concat([sig, Buffer.from([0])]))],
  ['flipped bit: first byte of r', mutatedSignature(flipBit(0, 0))],
  ['flipped bit: last byte of r', mutatedSignature(flipBit(31, 7))],
  ['flipped bit: first byte of s', mutatedSignature(flipBit(32, 3))],
  ['flipped bit: last byte of s', mutatedSignature(flipBit(63, 0))],
  // Claims changed under the original signature.
  ['user_id changed', tampered((c) => ({ ...c, user_id: Number(c.user_id) + 1, sub: String(Number(c.user_id) + 1) }))],
  ['exp extended by a year', tampered((c) => ({ ...c, exp: Number(c.exp) + 365 * 86_400 }))],
  ['token_type switched', tampered((c) => ({ ...c, token_type: c.token_type === 'access' ? 'refresh' : 'access' }))],
  ['sid of another session', tampered((c) => ({ ...c, sid: '00000000-0000-4000-8000-000000000000' }))],
  // Issuer and audience of someone else, signed by our key.
  ['wrong iss', (k, c) => signedByUs(k, { ...c, iss: 'https://evil.example' })],
  ['no iss', (k, c) => signedByUs(k, { ...c, iss: undefined })],
  ['wrong aud', (k, c) => signedByUs(k, { ...c, aud: 'another-service' })],
  ['aud list without ours', (k, c) => signedByUs(k, { ...c, aud: ['another-service'] })],
  // One token, one spelling: anything but the compact serialisation we issue.
  [
    'JSON serialisation',
    respelled((tok) => {
      const [protectedHeader, payload, signature] = parts(tok);
      return JSON.stringify({ protected: protectedHeader, payload, signature });
    }),
  ],
  [
    'general JSON serialisation',
    respelled((tok) => {
      const [protectedHeader, payload, signature] = parts(tok);
      return JSON.stringify({ payload, signatures: [{ protected: protectedHeader, signature }] });
    }),
  ],
  ['two parts', respelled((tok) => tok.slice(0, tok.lastIndexOf('.')))],
  ['four parts', respelled((tok) => `${tok}.${parts(tok)[2]}`)],
  ['trailing dot', respelled((tok) => `${tok}.`)],
  ['padded signature', respelled((tok) => `${tok}==`)],
  ['padded header', respelled((tok) => tok.replace('.', '=.'))],
  [
    'standard base64 signature',
    respelled((tok) => `${tok.slice(0, tok.lastIndexOf('.'))}.${Buffer.from(parts(tok)[2], 'base64url').toString('base64')}`),
  ],
  ['non-base64url character', respelled((tok) => `${tok.slice(0, -2)}*${tok.slice(-1)}`)],
  ['percent-encoded dot', respelled((tok) => tok.replace('.', '%2E'))],
  ['non-canonical last character (unused bits set)', respelled((tok) => `${tok.slice(0, -1)}${nonCanonicalTwin(tok.slice(-1))}`)],
  ['leading space', respelled((tok) => ` ${tok}`)],
  ['trailing space', respelled((tok) => `${tok} `)],
  ['space inside', respelled((tok) => tok.replace('.', '. '))],
  ['trailing newline', respelled((tok) => `${tok}\n`)],
  ['tab inside', respelled((tok) => tok.replace('.', '.\t'))],
];

/** ES256 signature R || S as an ASN.1 DER SEQUENCE of two INTEGERs. */
function derOf(sig: Buffer): Buffer {
  const int = (x: Buffer) => {
    let v = x;
    while (v.length > 1 && v[0] === 0) v = v.subarray(1);
    if ((v[0] ?? 0) & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const body = Buffer.concat([int(sig.subarray(0, 32)), int(sig.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * A 64-byte signature is 86 base64url characters: the last one carries 2 bits of data and 4
 * unused bits. Setting an unused bit gives another text that decodes to the same bytes.
 */
function nonCanonicalTwin(last: string): string {
  return ALPHABET[ALPHABET.indexOf(last) ^ 1] as string;
}

type App = TestApp['app'];

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function expectCode(res: Answer, status: number, code: string, what: string): void {
  assert.equal(res.status, status, `${what}: ${res.raw}`);
  assert.equal(res.body.code, code, `${what}: ${res.raw}`);
}

/** Sends `token` to every entry point; each must refuse it. */
async function refusedEverywhere(app: App, token: string, what: string): Promise<void> {
  expectCode(await post(app, '/auth/token/refresh/', { refresh: token }), 401, 'token_not_valid', `${what} at refresh`);
  expectCode(await post(app, '/auth/logout/', { refresh_token: token }), 400, 'logout_failed', `${what} at logout`);
  expectCode(await post(app, '/auth/token/verify/', { token }), 401, 'token_not_valid', `${what} at verify`);
  // An HTTP header cannot carry a line break; a space splits the Bearer value (docs/api.md).
  if (/[\r\n]/.test(token)) return;
  const me = await get(app, '/auth/me/', bearer(token));
  const expected = token.trim().includes(' ') || token !== token.trim() ? 'bad_authorization_header' : 'token_not_valid';
  expectCode(me, 401, expected, `${what} at /auth/me/`);
}

/** Accepted everywhere but logout (which would end the session). */
async function acceptedEverywhere(app: App, tokens: { refresh: string; access: string }, what: string): Promise<void> {
  assert.equal((await post(app, '/auth/token/refresh/', { refresh: tokens.refresh })).status, 200, `${what}: refresh`);
  assert.equal((await post(app, '/auth/token/verify/', { token: tokens.refresh })).status, 200, `${what}: verify refresh`);
  assert.equal((await post(app, '/auth/token/verify/', { token: tokens.access })).status, 200, `${what}: verify access`);
  assert.equal((await get(app, '/auth/me/', bearer(tokens.access))).status, 200, `${what}: me`);
}

for (const driver of DRIVERS) {
  describe(`token attacks (${driver})`, () => {
    // One app for both suites below (an app costs seconds on a busy machine); the time tests
    // come last because they move the clock.
    let t: TestApp;
    const leewayMs = 5000;
    before(async () => {
      t = await createTestApp(driver, { ACCESS_TOKEN_LIFETIME: '60s', REFRESH_TOKEN_LIFETIME: '120s', TOKEN_LEEWAY: '5s' });
      await t.user('alice');
      await t.user('bob');
    });
    after(() => t.close());

    describe('forged tokens', () => {
      let kit: Kit;
      let live: { refresh: string; access: string };
      let listenerHits: string[];
      let closeListener: () => Promise<void>;

      before(async () => {
        live = await loginPair(t.app, 'alice');
        // The attacker's key server: any fetch of a jku/x5u would land here.
        listenerHits = [];
        const attacker = await attackerMaterial();
        const server = createServer((req, res) => {
          listenerHits.push(req.url ?? '');
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ keys: [{ ...attacker.publicJwk, kid: attacker.kid, alg: 'ES256', use: 'sig' }] }));
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        closeListener = () => new Promise((resolve) => server.close(() => resolve()));
        // Our public key as anyone can get it: from the JWKS.
        const jwks = await get(t.app, '/auth/.well-known/jwks.json');
        const published = (jwks.body.keys as Record<string, unknown>[])[0] as Record<string, unknown>;
        const publicKey = createPublicKey({ key: published as never, format: 'jwk' });
        kit = {
          kid: published.kid as string,
          publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
          publicJwkText: JSON.stringify(published),
          publicDer: publicKey.export({ type: 'spki', format: 'der' }),
          ours: es256(t.deps.keys.signingKey().signKey as KeyObject),
          attacker,
          listenerUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        };
      });
      after(() => closeListener());

      test('control: the forging code with our own key makes tokens that are accepted', async () => {
        assert.equal(headerOf(live.access).kid, kit.kid);
        const forged = { refresh: signedByUs(kit, claimsOf(live.refresh)), access: signedByUs(kit, claimsOf(live.access)) };
        await acceptedEverywhere(t.app, forged, 'signed by our key');
      });

      for (const [name, forge] of FORGERIES) {
        test(name, async () => {
          for (const real of [live.refresh, live.access]) {
            const claims = claimsOf(real);
            await refusedEverywhere(t.app, forge(kit, claims), `${name} (${claims.token_type} claims)`);
          }
          // Key locations named by a token (jku, x5u) are never fetched.
          assert.deepEqual(listenerHits, []);
        });
      }

      test('an access token is refused by refresh and logout, a refresh token by /auth/me/', async () => {
        const wrongType = await post(t.app, '/auth/token/refresh/', { refresh: live.access });
        expectCode(wrongType, 401, 'token_not_valid', 'access at refresh');
        assert.equal(wrongType.body.detail, 'Token has wrong type');
        expectCode(await post(t.app, '/auth/logout/', { refresh_token: live.access }), 400, 'logout_failed', 'access at logout');
        expectCode(await get(t.app, '/auth/me/', bearer(live.refresh)), 401, 'token_not_valid', 'refresh at me');
        expectCode(
          await post(t.app, '/auth/logout/all/', {}, bearer(live.refresh)),
          401,
          'token_not_valid',
          'refresh at logout/all',
        );
      });

      test('after all of the above, the real session is still live', async () => {
        await acceptedEverywhere(t.app, live, 'the real tokens');
      });

      test('a re-encoded token does not dodge revocation', async () => {
        const pair = await loginPair(t.app, 'bob');
        // Same claims, another text: header keys reordered, payload keys reordered, both signed
        // by our key (what a holder of a valid token could obtain by re-signing: nothing, but
        // here we prove revocation does not depend on the token's text).
        const respell = (token: string) => {
          const claims = claimsOf(token);
          const reordered = Object.fromEntries(Object.entries(claims).reverse());
          return jwt({ kid: kit.kid, typ: 'JWT', alg: 'ES256' }, reordered, kit.ours);
        };
        const twin = { refresh: respell(pair.refresh), access: respell(pair.access) };
        assert.notEqual(twin.refresh, pair.refresh);
        await acceptedEverywhere(t.app, twin, 'the re-encoded twin before logout');

        assert.equal((await post(t.app, '/auth/logout/', { refresh_token: pair.refresh })).status, 200);
        await refusedEverywhere(t.app, twin.refresh, 'the re-encoded refresh token after logout');
        await refusedEverywhere(t.app, twin.access, 'the re-encoded access token after logout');
        await refusedEverywhere(t.app, pair.refresh, 'the original refresh token after logout');
      });
    });

    describe('token times', () => {
      test('expired tokens are refused, within the leeway they are still accepted', async () => {
        const pair = await loginPair(t.app, 'alice');
        t.clock.advance(60_000 + leewayMs - 1000);
        assert.equal((await get(t.app, '/auth/me/', bearer(pair.access))).status, 200, 'access within leeway');
        t.clock.advance(2000);
        await refusedEverywhere(t.app, pair.access, 'expired access token');

        t.clock.advance(60_000 - 2000);
        // 120 s + 4 s after login: the refresh token has expired, but within the leeway.
        const late = await post(t.app, '/auth/token/refresh/', { refresh: pair.refresh });
        assert.equal(late.status, 200, late.raw);
        t.clock.advance(2000);
        await refusedEverywhere(t.app, pair.refresh, 'expired refresh token');
      });

      test('tokens issued in the future beyond the leeway are refused (iat), within it accepted', async () => {
        const pair = await loginPair(t.app, 'alice');
        // Our clock goes back: the tokens' iat is now 6 s in the future.
        t.clock.advance(-(leewayMs + 1000));
        await refusedEverywhere(t.app, pair.refresh, 'refresh token with iat beyond the leeway');
        await refusedEverywhere(t.app, pair.access, 'access token with iat beyond the leeway');
        t.clock.advance(2000);
        await acceptedEverywhere(t.app, pair, 'iat 4 s ahead');
      });

      test('nbf beyond the leeway is refused, within it accepted', async () => {
        const pair = await loginPair(t.app, 'alice');
        const key = t.deps.keys.signingKey();
        const signNbf = (token: string, aheadMs: number) =>
          jwt(
            headerOf(token),
            { ...claimsOf(token), nbf: Math.floor((t.clock.now() + aheadMs) / 1000) },
            es256(key.signKey as KeyObject),
          );
        for (const token of [pair.refresh, pair.access]) {
          await refusedEverywhere(t.app, signNbf(token, leewayMs + 2000), 'nbf beyond the leeway');
        }
        await acceptedEverywhere(
          t.app,
          { refresh: signNbf(pair.refresh, leewayMs - 2000), access: signNbf(pair.access, leewayMs - 2000) },
          'nbf within the leeway',
        );
      });
    });
  });

  describe(`HS256 mode (${driver})`, () => {
    let t: TestApp;
    const secret = randomBytes(36).toString('base64'); // 48 characters

    before(async () => {
      t = await createTestApp(driver, { JWT_ALGORITHM: 'HS256', JWT_SIGNING_KEY: secret });
      await t.user('alice');
    });
    after(() => t.close());

    test('the JWKS is empty: the shared secret is never published', async () => {
      const res = await get(t.app, '/auth/.well-known/jwks.json');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { keys: [] });
    });

    test('control: HS256 with the shared secret is accepted', async () => {
      const pair = await loginPair(t.app, 'alice');
      assert.equal(headerOf(pair.access).alg, 'HS256');
      const header = headerOf(pair.access);
      const forged = {
        refresh: jwt(header, claimsOf(pair.refresh), hs256(secret)),
        access: jwt(header, claimsOf(pair.access), hs256(secret)),
      };
      await acceptedEverywhere(t.app, forged, 'HS256 with the shared secret');
    });

    test('ES256, alg none and another secret are refused', async () => {
      const pair = await loginPair(t.app, 'alice');
      const header = headerOf(pair.access);
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      for (const real of [pair.refresh, pair.access]) {
        const claims = claimsOf(real);
        await refusedEverywhere(t.app, jwt({ ...header, alg: 'ES256' }, claims, es256(privateKey)), 'ES256 with our kid');
        await refusedEverywhere(t.app, jwt({ alg: 'ES256', typ: 'JWT', kid: 'attacker' }, claims, es256(privateKey)), 'ES256');
        await refusedEverywhere(t.app, jwt(header, claims, hs256(randomBytes(36).toString('base64'))), 'another secret');
        for (const alg of NONE_SPELLINGS) {
          await refusedEverywhere(t.app, `${enc({ ...header, alg })}.${enc(claims)}.`, `alg ${alg}`);
          await refusedEverywhere(t.app, jwt({ ...header, alg }, claims, hs256(secret)), `alg ${alg} with a valid HMAC`);
        }
      }
      await acceptedEverywhere(t.app, pair, 'the real tokens');
    });
  });
}
