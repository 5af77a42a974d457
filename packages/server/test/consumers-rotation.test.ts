// Key rotation and outages as the services that verify our tokens live them, through the real
// HTTPS JWKS:
// - a staged `keys rotate` refuses nothing, even at a consumer that caches the JWKS for 10
//   minutes and never refetches on an unknown kid (Envoy's jwt_authn), in the worst case: it
//   fetched the JWKS, just before that instance reloaded its keys, from an instance that had
//   not seen the rotation yet;
// - our verifier picks up `keys rotate --now` at the first token of the new key (within the
//   cooldown when a flood of made-up kids has just used it up);
// - the service down: cached keys keep verifying; a kid nobody could fetch is a 503.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createVerifier, type Verifier } from '@auth-service/verifier';
import { es256, jwt } from '@auth-service/verifier/testing';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { CLI_CONTEXT } from '../src/auth/context.js';
import { rotateKeys } from '../src/auth/keys/operations.js';
import { anotherInstance, createTestApp, serviceSigningKey, type TestApp, type TestInstance } from './helpers/app.js';
import { claimsOf, headerOf } from './helpers/http.js';
import { type Listening, listenHttps } from './helpers/listening.js';

const ISSUER = 'https://auth.test';
const AUDIENCE = 'orders';
const ENVOY_CACHE_MS = 600_000;

describe('key rotation at the consumers (pglite)', () => {
  let t: TestApp;
  let stale: TestInstance;
  before(async () => {
    t = await createTestApp('pglite', { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, KEY_RELOAD_INTERVAL: '60s' });
    await t.user('alice');
    stale = await anotherInstance(t);
  });
  after(async () => {
    await stale?.close();
    await t?.close();
  });

  test('staged: a consumer that caches the JWKS 10 minutes and never refetches on an unknown kid refuses nothing', async () => {
    const rotatedAt = t.clock.ms;
    const { next, signsFrom } = await rotateKeys(t.deps, CLI_CONTEXT);
    // The worst case: 1 ms before the other instance's periodic reload (KEY_RELOAD_INTERVAL),
    // the consumer fetches the JWKS from it, without the new key.
    t.clock.advance(60_000 - 1);
    let cache = await envoyFetch(stale);
    assert.ok(!cache.kids.includes(next), 'the stale instance does not publish the new key yet');
    t.clock.advance(1);
    await stale.deps.keyStore.load(); // its periodic reload
    assert.ok(signsFrom.getTime() - (rotatedAt + 60_000) >= ENVOY_CACHE_MS, 'published everywhere 10 min before it signs');

    const refused: string[] = [];
    // Every 20 s until a minute past the activation: log in on the rotating instance, verify at
    // the consumer, which refetches only when its copy is 10 minutes old (from either instance).
    for (let at = t.clock.ms; at <= signsFrom.getTime() + 60_000; at += 20_000) {
      t.clock.ms = at;
      if (at - cache.fetchedAt >= ENVOY_CACHE_MS) cache = await envoyFetch(stale);
      const { access } = await t.api.login('alice');
      const verdict = await jwtVerify(access, createLocalJWKSet(cache.jwks), {
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: new Date(at),
      }).then(
        () => 'accepted',
        (err) => `${err.code}`,
      );
      if (verdict !== 'accepted') refused.push(`${(at - rotatedAt) / 1000} s: ${verdict} (kid ${headerOf(access).kid})`);
    }
    assert.deepEqual(refused, []);
    assert.equal(headerOf((await t.api.login('alice')).access).kid, next, 'the new key signs by the end');
  });

  /** The consumer's copy of the JWKS, fetched from `from` at the test clock's time. */
  async function envoyFetch(from: { app: TestApp['app'] }) {
    const res = await from.app.inject({ url: '/auth/.well-known/jwks.json' });
    const jwks = res.json() as JSONWebKeySet;
    return { jwks, kids: jwks.keys.map((k) => String(k.kid)), fetchedAt: t.clock.ms };
  }
});

describe('our verifier through rotations and outages (pglite, real HTTPS)', () => {
  let t: TestApp;
  let https: Listening;
  const verifiers: Verifier[] = [];
  before(async () => {
    t = await createTestApp('pglite', { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE });
    await t.user('alice');
    https = await listenHttps(t.deps);
  });
  after(async () => {
    for (const v of verifiers) await v.close();
    await https?.stop();
    await t?.close();
  });

  /** A verifier whose clock follows the service's test clock. */
  const verifierFor = () => {
    const v = createVerifier({ url: https.url, ca: https.ca, issuer: ISSUER, audience: AUDIENCE, clock: t.clock.now });
    verifiers.push(v);
    return v;
  };
  const login = async () => (await t.api.login('alice')).access;
  const outcome = (v: Verifier, token: string) =>
    v.verify(token).then(
      () => 'accepted',
      (e) => `${e.code}/${e.reason}`,
    );

  test('staged rotation: zero refusals, before, during and after the switch', async () => {
    const v = verifierFor();
    const before = await login();
    assert.equal(await outcome(v, before), 'accepted');
    const { next, signsFrom } = await rotateKeys(t.deps, CLI_CONTEXT);
    const verdicts = new Set<string>();
    for (let at = t.clock.ms; at <= signsFrom.getTime() + 120_000; at += 30_000) {
      t.clock.ms = at;
      verdicts.add(await outcome(v, await login()));
      if (at < Number(claimsOf(before).exp) * 1000) verdicts.add(await outcome(v, before));
    }
    assert.deepEqual([...verdicts], ['accepted']);
    assert.equal(headerOf(await login()).kid, next);
  });

  test('keys rotate --now: the first token of the new key is accepted; after a flood, within the cooldown', async () => {
    const v = verifierFor();
    assert.equal(await outcome(v, await login()), 'accepted');
    await rotateKeys(t.deps, CLI_CONTEXT, { immediate: true });
    assert.equal(await outcome(v, await login()), 'accepted', 'picked up at once: one refetch');

    // A flood of made-up kids uses up the unknown-kid refetch; a --now rotation right after it
    // is seen once the cooldown (10 s) has passed.
    t.clock.advance(10_000);
    const claims = claimsOf(await login());
    const forged = () =>
      jwt({ alg: 'ES256', typ: 'at+jwt', kid: randomBytes(8).toString('hex') }, claims, es256(serviceSigningKey(t)));
    const flood = await Promise.all(Array.from({ length: 100 }, () => outcome(v, forged())));
    assert.deepEqual(new Set(flood), new Set(['token_not_valid/unknown_key']));
    await rotateKeys(t.deps, CLI_CONTEXT, { immediate: true });
    const token = await login();
    assert.equal(await outcome(v, token), 'token_not_valid/unknown_key', 'within the cooldown of the flood');
    t.clock.advance(10_000);
    assert.equal(await outcome(v, token), 'accepted', 'once the cooldown has passed');
  });

  test('the service down: cached keys keep verifying; a kid that cannot be fetched answers 503', async () => {
    const v = verifierFor();
    const token = await login();
    assert.equal(await outcome(v, token), 'accepted');
    await https.stop();
    try {
      assert.equal(await outcome(v, token), 'accepted', 'cached keys');
      t.clock.advance(600_000); // past the JWKS max-age: background refreshes fail
      assert.equal(await outcome(v, await login()), 'accepted', 'still, stale');
      await rotateKeys(t.deps, CLI_CONTEXT, { immediate: true });
      const err = await v.verify(await login()).catch((e) => e);
      assert.deepEqual([err.code, err.reason, err.status], ['service_unavailable', 'keys_unavailable', 503]);
      assert.ok(err.retryAfterSeconds >= 1);
    } finally {
      await https.start();
    }
    t.clock.advance(10_000);
    assert.equal(await outcome(v, await login()), 'accepted', 'the service back: the new key is fetched');
  });

  test('a verifier that never got keys says so', async () => {
    await https.stop();
    try {
      const v = verifierFor();
      const err = await v.verify(await login()).catch((e) => e);
      assert.deepEqual([err.code, err.reason], ['service_unavailable', 'keys_unavailable']);
      assert.match(err.message, /no keys ever fetched from https:\/\/127\.0\.0\.1:\d+\/auth\/\.well-known\/jwks\.json/);
    } finally {
      await https.start();
    }
  });
});
