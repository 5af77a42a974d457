// The definition of a valid token, run directly: no database, no HTTP. The whole forged-token
// table must be refused here for each token type (the server runs it again through every
// endpoint), the control (the forging code with the real key) accepted, and each refusal must
// name the check that failed.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { generate } from 'selfsigned';
import { type VerificationKey, VerifiedCache, validateToken } from '../src/index.js';
import { attackerFrom, type Claims, es256, FORGERIES, jwt, kitFor, ourHeader, signedByUs } from '../src/testing/index.js';

const NOW = Date.UTC(2026, 11, 1, 12);
const nowS = Math.floor(NOW / 1000);
const ISSUER = 'https://auth.example';
const AUDIENCE = 'orders';

const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const kid = 'k1-0123456789ab';
const key: VerificationKey = { kid, alg: 'ES256', publicKey };
const keys = new Map([[kid, key]]);

const pems = await generate([{ name: 'commonName', value: 'attacker.example' }], { keyType: 'ec', curve: 'P-256' } as never);
const kit = kitFor({
  published: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' },
  ours: es256(privateKey),
  attacker: attackerFrom(pems.private, pems.cert),
  listenerUrl: 'http://127.0.0.1:9/never',
});

const claims = (type: 'access' | 'refresh', extra: Claims = {}): Claims => ({
  token_type: type,
  exp: nowS + 300,
  iat: nowS - 10,
  jti: '0123456789abcdef0123456789abcdef',
  user_id: 7,
  sub: '7',
  iss: ISSUER,
  aud: AUDIENCE,
  sid: '00000000-0000-4000-8000-000000000001',
  ...extra,
});

const options = (expected: 'access' | 'refresh') => ({
  keys,
  issuer: ISSUER,
  audience: AUDIENCE,
  leewayS: 5,
  now: NOW,
  expected,
});

describe('validateToken', () => {
  test('control: tokens the forging code signs with the real key are valid', () => {
    for (const type of ['access', 'refresh'] as const) {
      const result = validateToken(signedByUs(kit, claims(type)), options(type));
      assert.equal(result.ok, true, JSON.stringify(result));
      if (result.ok) assert.equal(result.claims.user_id, 7);
    }
  });

  for (const [name, forge] of FORGERIES) {
    test(`refuses: ${name}`, () => {
      for (const type of ['access', 'refresh'] as const) {
        const result = validateToken(forge(kit, claims(type)), options(type));
        assert.equal(result.ok, false, `${name} (${type}) was accepted`);
      }
    });
  }

  test('each refusal names its check', () => {
    const reason = (token: unknown, expected: 'access' | 'refresh' = 'access') => {
      const result = validateToken(token, options(expected));
      return result.ok ? 'accepted' : result.reason;
    };
    assert.equal(reason(42), 'malformed');
    assert.equal(reason('a.b'), 'malformed');
    assert.equal(reason(`${signedByUs(kit, claims('access'))}x`.repeat(20)), 'malformed');
    assert.equal(reason(jwt({ ...ourHeader(kit), jku: 'https://evil' }, claims('access'), kit.ours)), 'header');
    assert.equal(reason(jwt({ ...ourHeader(kit), typ: 'at+jwt+evil' }, claims('access'), kit.ours)), 'header');
    assert.equal(reason(jwt({ ...ourHeader(kit), alg: 'HS256' }, claims('access'), kit.ours)), 'algorithm');
    assert.equal(reason(jwt({ ...ourHeader(kit), kid: 'unknown-kid' }, claims('access'), kit.ours)), 'unknown_key');
    assert.equal(reason(jwt(ourHeader(kit), claims('access'), es256(kit.attacker.key))), 'signature');
    assert.equal(reason(signedByUs(kit, claims('access', { jti: 'not-hex' }))), 'claims');
    assert.equal(reason(signedByUs(kit, claims('access', { exp: nowS + 1, iat: nowS + 2 }))), 'claims', 'exp before iat');
    assert.equal(reason(signedByUs(kit, claims('access', { exp: nowS + 1, iat: nowS + 1 }))), 'claims', 'exp at iat');
    for (const name of ['exp of 1e400 (Infinity), signed by our key', 'iat of -1e400 (minus Infinity), signed by our key']) {
      const forge = FORGERIES.find(([n]) => n === name)?.[1];
      assert.ok(forge, name);
      assert.equal(reason(forge(kit, claims('access'))), 'claims', name);
    }
    assert.equal(reason(signedByUs(kit, claims('access', { exp: nowS - 6 }))), 'expired');
    assert.equal(reason(signedByUs(kit, claims('access', { exp: nowS - 4 }))), 'accepted', 'within the leeway');
    assert.equal(reason(signedByUs(kit, claims('access', { iat: nowS + 6 }))), 'not_yet_valid');
    assert.equal(reason(signedByUs(kit, claims('access', { nbf: nowS + 6 }))), 'not_yet_valid');
    assert.equal(reason(signedByUs(kit, claims('access', { iss: 'https://other' }))), 'issuer');
    assert.equal(reason(signedByUs(kit, claims('access', { aud: ['a', 'b'] }))), 'audience');
    assert.equal(reason(signedByUs(kit, claims('access', { aud: ['a', AUDIENCE] }))), 'accepted', 'an audience list naming ours');
    assert.equal(reason(signedByUs(kit, claims('refresh'))), 'type');
    assert.equal(reason(signedByUs(kit, claims('access')), 'refresh'), 'type');
  });

  test('an algorithm outside the accepted ones is refused before any key is looked up', () => {
    const lookups: string[] = [];
    const watched = {
      get: (k: string) => {
        lookups.push(k);
        return keys.get(k);
      },
    };
    const token = signedByUs(kit, claims('access'));
    const result = validateToken(token, { ...options('access'), keys: watched, algorithms: ['HS256'] });
    assert.deepEqual([result.ok, !result.ok && result.reason, lookups], [false, 'algorithm', []]);
  });

  test('the verified cache skips the signature only: expiry, key and type are checked on every use', () => {
    const verified = new VerifiedCache();
    const token = signedByUs(kit, claims('access'));
    assert.equal(validateToken(token, { ...options('access'), verified }).ok, true);
    assert.ok(verified.get(token), 'cached after one verification');
    const later = validateToken(token, { ...options('access'), verified, now: NOW + 400_000 });
    assert.deepEqual([later.ok, !later.ok && later.reason], [false, 'expired']);
    const keyGone = validateToken(token, { ...options('access'), verified, keys: new Map() });
    assert.deepEqual([keyGone.ok, !keyGone.ok && keyGone.reason], [false, 'unknown_key']);
    const asRefresh = validateToken(token, { ...options('refresh'), verified });
    assert.deepEqual([asRefresh.ok, !asRefresh.ok && asRefresh.reason], [false, 'type']);
  });

  test('a forged token never enters the cache', () => {
    const verified = new VerifiedCache();
    const forged = jwt(ourHeader(kit), claims('access'), es256(kit.attacker.key));
    assert.equal(validateToken(forged, { ...options('access'), verified }).ok, false);
    assert.equal(verified.get(forged), undefined);
  });
});
