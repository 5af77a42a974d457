// createVerifier as another service uses it: our access tokens accepted with their claims,
// everything else refused with a stable code and the reason: the whole forged-token table, a
// refresh token in any spelling, the wrong issuer or audience; HS256 with a shared secret;
// options that are wrong fail at creation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { refreshAudience } from '@auth-service/protocol';
import { generate } from 'selfsigned';
import { createVerifier, sharedSecretKey, type Verifier } from '../src/index.js';
import { attackerFrom, es256, FORGERIES, hs256, jwt, type Kit, kitFor } from '../src/testing/index.js';
import {
  AUDIENCE,
  accessClaims,
  ISSUER,
  type JwksServer,
  jwkOf,
  newKey,
  sign,
  startJwksServer,
  type TestKey,
} from './helpers/jwks-server.js';

async function reasonOf(verifier: Verifier, token: unknown): Promise<string> {
  try {
    await verifier.verify(token);
    return 'accepted';
  } catch (err) {
    const e = err as { code?: string; reason?: string };
    assert.equal(e.code, 'token_not_valid', `${e.code}: ${(err as Error).message}`);
    return String(e.reason);
  }
}

describe('createVerifier', () => {
  let server: JwksServer;
  let key: TestKey;
  let verifier: Verifier;
  let kit: Kit;
  before(async () => {
    key = newKey();
    server = await startJwksServer([key]);
    verifier = createVerifier({ url: server.url, ca: server.ca, issuer: ISSUER, audience: AUDIENCE });
    const pems = await generate([{ name: 'commonName', value: 'attacker.example' }], { keyType: 'ec', curve: 'P-256' } as never);
    kit = kitFor({
      published: jwkOf(key),
      ours: es256(key.privateKey),
      attacker: attackerFrom(pems.private, pems.cert),
      listenerUrl: 'http://127.0.0.1:9/never',
    });
  });
  after(async () => {
    await verifier.close();
    await server.stop();
  });

  test('an access token: its claims, typed', async () => {
    const claims = await verifier.verify(sign(key));
    assert.equal(claims.user_id, 7);
    assert.equal(claims.sub, '7');
    assert.equal(claims.token_type, 'access');
    assert.match(claims.jti, /^[0-9a-f]{32}$/);
    const viaHeader = await verifier.verifyAuthorization(`Bearer ${sign(key)}`);
    assert.equal(viaHeader.sid, claims.sid);
  });

  test('an access token issued before explicit typing (typ JWT) is accepted until it expires', async () => {
    assert.equal(await reasonOf(verifier, sign(key, accessClaims(), 'JWT')), 'accepted');
  });

  test('a refresh token never passes, in any spelling', async () => {
    const refresh = accessClaims({ token_type: 'refresh', aud: refreshAudience(ISSUER) });
    assert.equal(await reasonOf(verifier, sign(key, refresh, 'refresh+jwt')), 'type', 'as issued now');
    assert.equal(await reasonOf(verifier, sign(key, { ...refresh, aud: AUDIENCE }, 'JWT')), 'type', 'as issued before');
    assert.equal(await reasonOf(verifier, sign(key, refresh, 'at+jwt')), 'type', 'typ says access, token_type refresh');
    assert.equal(await reasonOf(verifier, sign(key, accessClaims(), 'refresh+jwt')), 'type', 'typ says refresh');
  });

  for (const [name, forge] of FORGERIES) {
    test(`refuses: ${name}`, async () => {
      const token = forge(kit, accessClaims());
      assert.notEqual(await reasonOf(verifier, token), 'accepted');
    });
  }

  test('each refusal names its check', async () => {
    assert.equal(await reasonOf(verifier, 42), 'malformed');
    assert.equal(await reasonOf(verifier, sign(key, accessClaims({ iss: 'https://other' }))), 'issuer');
    assert.equal(await reasonOf(verifier, sign(key, accessClaims({ aud: 'billing' }))), 'audience');
    assert.equal(await reasonOf(verifier, sign(key, accessClaims({}, Date.now() - 306_000))), 'expired');
    assert.equal(await reasonOf(verifier, sign(key, accessClaims({ user_id: 'root' }))), 'claims');
    assert.equal(
      await reasonOf(verifier, jwt({ alg: 'HS256', typ: 'at+jwt', kid: key.kid }, accessClaims(), Buffer.alloc(32))),
      'algorithm',
    );
    assert.equal(await reasonOf(verifier, sign(newKey(key.kid), accessClaims())), 'signature');
  });

  test('clockTolerance is the leeway on exp', async () => {
    const strict = createVerifier({ url: server.url, ca: server.ca, issuer: ISSUER, audience: AUDIENCE, clockTolerance: 0 });
    try {
      const justExpired = sign(key, accessClaims({}, Date.now() - 302_000));
      assert.equal(await reasonOf(verifier, justExpired), 'accepted', 'default leeway 5 s');
      assert.equal(await reasonOf(strict, justExpired), 'expired');
    } finally {
      await strict.close();
    }
  });

  test('verifyAuthorization: no token, another scheme, a malformed header', async () => {
    const failure = (header: string | undefined) =>
      verifier.verifyAuthorization(header).then(
        () => 'accepted',
        (e) => `${e.code}/${e.reason}/${e.status}`,
      );
    assert.equal(await failure(undefined), 'not_authenticated/missing_token/401');
    assert.equal(await failure(`Basic ${Buffer.from('a:b').toString('base64')}`), 'not_authenticated/missing_token/401');
    assert.equal(await failure('Bearer'), 'bad_authorization_header/bad_authorization_header/401');
    assert.equal(await failure(`Bearer ${sign(key)} extra`), 'bad_authorization_header/bad_authorization_header/401');
    assert.equal(await failure('Bearer garbage'), 'token_not_valid/malformed/401');
  });
});

describe('createVerifier with a shared secret (HS256)', () => {
  const secret = 'a-shared-secret-of-at-least-32-bytes!';
  const kid = sharedSecretKey(secret).kid;
  const hsToken = (claims = accessClaims(), k = kid, s = secret) =>
    jwt({ alg: 'HS256', typ: 'at+jwt', kid: k }, claims, hs256(Buffer.from(s)));

  test('tokens signed with the secret pass; ES256 or another secret do not', async () => {
    const verifier = createVerifier({ secret, issuer: ISSUER, audience: AUDIENCE });
    try {
      assert.equal((await verifier.verify(hsToken())).user_id, 7);
      assert.equal(await reasonOf(verifier, hsToken(accessClaims(), kid, `${secret}-other`)), 'signature');
      assert.equal(await reasonOf(verifier, hsToken(accessClaims(), 'hs256-another')), 'unknown_key');
      assert.equal(await reasonOf(verifier, sign(newKey(kid))), 'algorithm');
      assert.equal(verifier.status().keys, 'shared secret');
    } finally {
      await verifier.close();
    }
  });
});

describe('createVerifier options', () => {
  test('mistakes fail at creation, naming the option', () => {
    assert.throws(() => createVerifier({}), /give the auth service url, or a secret/);
    assert.throws(() => createVerifier({ url: 'http://auth.internal:8443' }), /url must be https/);
    assert.throws(() => createVerifier({ url: 'not a url' }), TypeError);
    assert.throws(() => createVerifier({ secret: 'short' }), /at least 32 bytes/);
    assert.throws(() => createVerifier({ url: 'https://a', clockTolerance: -1 }), /clockTolerance/);
    assert.throws(() => createVerifier({ url: 'https://a', jwks: { cooldown: 0 } }), /jwks.cooldown/);
    assert.throws(() => createVerifier({ url: 'https://a', issuer: '' }), /issuer/);
  });
});
