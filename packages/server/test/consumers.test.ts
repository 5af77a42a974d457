// Our tokens as the other services see them, through the real HTTPS JWKS: our verifier and
// three we did not write (jose, jsonwebtoken + jwks-rsa, PyJWT), each configured with our
// issuer and audience and nothing else. All of them accept our access token and refuse our
// refresh token (an audience of its own) and every forgery. Where a third-party library accepts
// an entry of the forged-token table, it is one our key signed with our claims, respelled (an
// ECDSA twin, a non-canonical base64url, padding) or with a header it ignores (jku, x5u): what
// it gets is exactly what we signed; or one our key signed with a time claim of 1e400, which
// they compare with the clock as Infinity (CLAIMS_LENIENT_ELSEWHERE). Ours refuses those too.
import assert from 'node:assert/strict';
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createVerifier, type Verifier } from '@auth-service/verifier';
import { es256, FORGERIES, jwt } from '@auth-service/verifier/testing';
import { createTestApp, serviceSigningKey, type TestApp } from './helpers/app.js';
import { type Consumer, joseConsumer, jsonwebtokenConsumer, pyjwtConsumer } from './helpers/consumers.js';
import { CLAIMS_LENIENT_ELSEWHERE, forgeryKit } from './helpers/forgery-kit.js';
import { claimsOf, headerOf } from './helpers/http.js';
import { type Listening, listenHttps } from './helpers/listening.js';

const ISSUER = 'https://auth.test';
const AUDIENCE = 'orders';

/** True when `token` (trimmed, segments respelled canonically) carries a signature of `key` (raw or DER). */
function signedBy(key: KeyObject, token: string): boolean {
  const [h = '', p = '', s = ''] = token.trim().split('.');
  const canonical = (segment: string) => Buffer.from(segment, 'base64url').toString('base64url');
  const input = Buffer.from(`${canonical(h)}.${canonical(p)}`);
  const sig = Buffer.from(s, 'base64url');
  const check = (dsaEncoding: 'ieee-p1363' | 'der') => {
    try {
      return verify('sha256', input, { key, dsaEncoding }, sig);
    } catch {
      return false;
    }
  };
  return check('ieee-p1363') || check('der');
}

const oursAsConsumer = (verifier: Verifier): Consumer => ({
  name: '@auth-service/verifier',
  judge: (tokens) =>
    Promise.all(
      tokens.map((token) =>
        verifier.verify(token).then(
          () => 'accepted',
          (e) => `${e.code}/${e.reason}`,
        ),
      ),
    ),
});

describe('consumers of our tokens (pglite, real HTTPS)', () => {
  let t: TestApp;
  let https: Listening;
  let verifier: Verifier;
  let consumers: Consumer[];
  let pair: { access: string; refresh: string };

  before(async () => {
    t = await createTestApp('pglite', { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE });
    await t.user('alice');
    https = await listenHttps(t.deps);
    verifier = createVerifier({ url: https.url, ca: https.ca, issuer: ISSUER, audience: AUDIENCE });
    const settings = { jwksUrl: https.jwksUrl, ca: https.ca, issuer: ISSUER, audience: AUDIENCE };
    consumers = [oursAsConsumer(verifier), joseConsumer(settings), jsonwebtokenConsumer(settings), pyjwtConsumer(settings)];
    pair = await t.api.login('alice');
  });
  after(async () => {
    await verifier?.close();
    await https?.stop();
    await t?.close();
  });

  test('every consumer accepts our access token', async () => {
    for (const consumer of consumers) assert.deepEqual(await consumer.judge([pair.access]), ['accepted'], consumer.name);
    const claims = await verifier.verify(pair.access);
    assert.deepEqual([claims.user_id, claims.iss, claims.aud], [claimsOf(pair.access).user_id, ISSUER, AUDIENCE]);
  });

  test('every consumer refuses our refresh token', async () => {
    for (const consumer of consumers) {
      const [verdict] = await consumer.judge([pair.refresh]);
      assert.notEqual(verdict, 'accepted', `${consumer.name} accepted a refresh token`);
    }
    assert.equal(headerOf(pair.refresh).typ, 'refresh+jwt');
    assert.equal(claimsOf(pair.refresh).aud, `${ISSUER}#refresh`);
  });

  test('every consumer refuses every forgery; what a third party accepts of the table is what we signed', async () => {
    const jwks = (await t.api.get('/auth/.well-known/jwks.json')).body as { keys: Record<string, unknown>[] };
    const published = jwks.keys.find((k) => k.kid === headerOf(pair.access).kid) as Record<string, unknown>;
    const forging = await forgeryKit({ keys: [published] }, serviceSigningKey(t));
    const kit = forging.kit;
    try {
      const claims = claimsOf(pair.access);
      const ourKey = createPublicKey({ key: published as never, format: 'jwk' });
      const forged = FORGERIES.map(([name, forge]) => [name, forge(kit, claims)] as const);
      for (const consumer of consumers) {
        const verdicts = await consumer.judge(forged.map(([, token]) => token));
        const accepted = forged.filter((_, i) => verdicts[i] === 'accepted');
        for (const [name, token] of accepted) {
          assert.ok(signedBy(ourKey, token), `${consumer.name} accepted the forgery "${name}", not signed by our key`);
          if (CLAIMS_LENIENT_ELSEWHERE.some((pattern) => pattern.test(name))) continue;
          assert.deepEqual(claimsOf(token.trim()), claims, `${consumer.name}: "${name}" carries our claims`);
        }
        if (consumer.name === '@auth-service/verifier') assert.deepEqual(accepted, [], 'ours accepts none of them');
        else console.log(`# ${consumer.name} accepts, of the table: ${accepted.map(([name]) => name).join('; ') || 'nothing'}`);
      }
      assert.deepEqual(forging.listenerHits, [], 'no consumer fetched a key location the token named');
    } finally {
      await forging.close();
    }
  });

  test('a refresh token issued before it had an audience of its own still refreshes, until it expires', async () => {
    const fresh = await t.api.login('alice');
    // What the previous release issued: typ JWT, aud JWT_AUDIENCE, for the same live session.
    const legacyClaims = { ...claimsOf(fresh.refresh), aud: AUDIENCE };
    const legacy = jwt({ alg: 'ES256', typ: 'JWT', kid: headerOf(fresh.refresh).kid }, legacyClaims, es256(serviceSigningKey(t)));
    const refreshed = await t.api.post('/auth/token/refresh/', { refresh: legacy });
    assert.equal(refreshed.status, 200, refreshed.raw);
    assert.equal((await t.api.post('/auth/token/verify/', { token: legacy })).status, 200);
    // An access token of the previous release (typ JWT) is still an access token.
    const legacyAccess = jwt({ ...headerOf(fresh.access), typ: 'JWT' }, claimsOf(fresh.access), es256(serviceSigningKey(t)));
    assert.equal(await verifier.verify(legacyAccess).then(() => 'accepted'), 'accepted');
    assert.equal((await t.api.get('/auth/me/', { authorization: `Bearer ${legacyAccess}` })).status, 200);
    // Never a legacy-typed token with a new refresh audience, nor the legacy refresh token as an access token.
    const mixed = jwt(
      { alg: 'ES256', typ: 'JWT', kid: headerOf(fresh.refresh).kid },
      claimsOf(fresh.refresh),
      es256(serviceSigningKey(t)),
    );
    assert.equal((await t.api.post('/auth/token/refresh/', { refresh: mixed })).status, 401);
    assert.equal((await t.api.get('/auth/me/', { authorization: `Bearer ${legacy}` })).status, 401);
    assert.equal(await verifier.verify(legacy).catch((e) => e.reason), 'type');
    assert.equal((await t.api.post('/auth/logout/', { refresh_token: legacy })).status, 200);
  });
});
