// The key cache of createVerifier against a real HTTPS JWKS server that counts its requests:
// Cache-Control, one shared refetch per cooldown for unknown kids (counted on failures too),
// a flood of made-up kids that costs the server nothing and evicts no key, a service that is
// down or slow, a verifier that never got keys, a key rotated in at once. Time is the
// verifier's clock option, moved by the tests; nothing waits on a timer.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createVerifier, type Verifier, type VerifierOptions } from '../src/index.js';
import {
  AUDIENCE,
  accessClaims,
  Clock,
  ISSUER,
  type JwksServer,
  newKey,
  sign,
  startJwksServer,
  type TestKey,
} from './helpers/jwks-server.js';

/** The error a verification throws, as [code, reason], or 'accepted'. */
async function outcome(verifier: Verifier, token: string): Promise<string> {
  try {
    await verifier.verify(token);
    return 'accepted';
  } catch (err) {
    const e = err as { code?: string; reason?: string };
    return `${e.code}/${e.reason}`;
  }
}

describe('the key cache', () => {
  let server: JwksServer;
  let key: TestKey;
  const open: Verifier[] = [];
  before(async () => {
    key = newKey();
    server = await startJwksServer([key]);
  });
  after(async () => {
    for (const v of open) await v.close();
    await server.stop();
  });

  /** A verifier on `server`, with the test clock; `extra` on top. */
  const verifierFor = (clock: Clock, extra: Partial<VerifierOptions> = {}) => {
    const v = createVerifier({ url: server.url, ca: server.ca, issuer: ISSUER, audience: AUDIENCE, clock: clock.now, ...extra });
    open.push(v);
    return v;
  };
  const claimsAt = (clock: Clock) => accessClaims({}, clock.ms);
  const tokenAt = (clock: Clock, k = key) => sign(k, claimsAt(clock));
  const reset = () => {
    server.keys = [key];
    server.status = 200;
    server.cacheControl = 'public, max-age=300';
  };

  test('one fetch serves every verification while the answer is fresh (Cache-Control max-age)', async () => {
    reset();
    server.cacheControl = 'public, max-age=60';
    const clock = new Clock();
    const v = verifierFor(clock);
    const start = server.hits();
    for (let i = 0; i < 50; i++) assert.equal(await outcome(v, tokenAt(clock)), 'accepted');
    assert.equal(server.hits() - start, 1, 'one fetch for 50 verifications');
    clock.advance(59_000);
    assert.equal(await outcome(v, tokenAt(clock)), 'accepted');
    assert.equal(server.hits() - start, 1, 'still fresh at 59 s');
    // Stale: the next verification starts a refresh in the background and does not wait for it.
    const release = server.hold();
    clock.advance(2000);
    assert.equal(await outcome(v, tokenAt(clock)), 'accepted', 'answered from the cache while the refresh is held');
    await waitFor(() => server.hits() - start === 2);
    release();
  });

  test('no-store or no-cache: refreshed at most once per cooldown', async () => {
    reset();
    server.cacheControl = 'no-store';
    const clock = new Clock();
    const v = verifierFor(clock, { jwks: { cooldown: 10 } });
    const start = server.hits();
    assert.equal(await outcome(v, tokenAt(clock)), 'accepted');
    clock.advance(9000);
    for (let i = 0; i < 20; i++) assert.equal(await outcome(v, tokenAt(clock)), 'accepted');
    assert.equal(server.hits() - start, 1);
  });

  test('a flood of tokens with random kids: one shared refetch per cooldown, refused, no known key evicted', async () => {
    reset();
    const clock = new Clock();
    const v = verifierFor(clock, { jwks: { cooldown: 10 } });
    assert.equal(await outcome(v, tokenAt(clock)), 'accepted');
    const start = server.hits();
    const flood = () => Promise.all(Array.from({ length: 200 }, () => outcome(v, sign(newKeyWithKid(), claimsAt(clock)))));
    const first = await flood();
    assert.deepEqual(new Set(first), new Set(['token_not_valid/unknown_key']));
    assert.equal(server.hits() - start, 1, '200 concurrent unknown kids, one fetch');
    clock.advance(5000);
    await flood();
    assert.equal(server.hits() - start, 1, 'within the cooldown: no fetch at all');
    assert.equal(await outcome(v, tokenAt(clock)), 'accepted', 'the known key still verifies');
    clock.advance(5001);
    await flood();
    assert.equal(server.hits() - start, 2, 'the next cooldown: one more');
    assert.equal(await outcome(v, tokenAt(clock)), 'accepted');
  });

  test('keys rotate --now: a token of a key published after our fetch is accepted at once', async () => {
    reset();
    const clock = new Clock();
    const v = verifierFor(clock);
    assert.equal(await outcome(v, tokenAt(clock)), 'accepted');
    const rotated = newKey();
    server.keys = [key, rotated];
    const results = await Promise.all(Array.from({ length: 20 }, () => outcome(v, tokenAt(clock, rotated))));
    assert.deepEqual(new Set(results), new Set(['accepted']));
    assert.equal(await outcome(v, tokenAt(clock)), 'accepted', 'and the old key still verifies');
  });

  test('a failing refetch counts against the cooldown; an unknown kid then gets 503 with Retry-After, known kids pass', async () => {
    reset();
    const clock = new Clock();
    const v = verifierFor(clock, { jwks: { cooldown: 10 } });
    assert.equal(await outcome(v, tokenAt(clock)), 'accepted');
    server.status = 500;
    const start = server.hits();
    const unknown = () => sign(newKeyWithKid(), claimsAt(clock));
    const err = await v.verify(unknown()).catch((e) => e);
    assert.deepEqual([err.code, err.reason, err.status], ['service_unavailable', 'keys_unavailable', 503]);
    assert.equal(err.retryAfterSeconds, 10);
    assert.match(err.message, /answered 500/);
    clock.advance(4000);
    const again = await v.verify(unknown()).catch((e) => e);
    assert.deepEqual([again.code, again.retryAfterSeconds], ['service_unavailable', 6]);
    assert.equal(server.hits() - start, 1, 'the failure started the cooldown');
    assert.equal(await outcome(v, tokenAt(clock)), 'accepted', 'cached keys keep working');
  });

  test('the service down: cached keys verify until maxStale after the last fetch, then 503', async () => {
    reset();
    const clock = new Clock();
    const v = verifierFor(clock, { jwks: { cooldown: 10, maxStale: 3600 } });
    assert.equal(await outcome(v, tokenAt(clock)), 'accepted');
    await server.stop();
    try {
      clock.advance(600_000); // stale (max-age 300): background refreshes fail
      assert.equal(await outcome(v, tokenAt(clock)), 'accepted');
      await waitFor(() => {
        const keys = v.status().keys;
        return keys !== 'shared secret' && keys.lastError !== null;
      });
      assert.equal(await outcome(v, sign(newKeyWithKid(), claimsAt(clock))), 'service_unavailable/keys_unavailable');
      clock.advance(3_000_000); // 3600 s after the last fetch
      assert.equal(await outcome(v, tokenAt(clock)), 'accepted', 'at maxStale: still');
      clock.advance(1000);
      const err = await v.verify(tokenAt(clock)).catch((e) => e);
      assert.deepEqual([err.code, err.reason], ['service_unavailable', 'keys_unavailable']);
      assert.match(err.message, /keys last fetched 3601 s ago from https:\/\/127\.0\.0\.1:\d+\/auth\/\.well-known\/jwks\.json/);
    } finally {
      await server.start();
    }
    clock.advance(10_000);
    assert.equal(await outcome(v, tokenAt(clock)), 'accepted', 'back once the service answers');
  });

  test('a verifier that never got keys fails clearly, and asks again once per cooldown', async () => {
    reset();
    server.status = 503;
    const clock = new Clock();
    const v = verifierFor(clock, { jwks: { cooldown: 10 } });
    const start = server.hits();
    const err = await v.verify(tokenAt(clock)).catch((e) => e);
    assert.deepEqual([err.code, err.reason, err.status], ['service_unavailable', 'keys_unavailable', 503]);
    assert.match(
      err.message,
      /no keys ever fetched from https:\/\/127\.0\.0\.1:\d+\/auth\/\.well-known\/jwks\.json: .*answered 503/,
    );
    for (let i = 0; i < 20; i++) assert.equal(await outcome(v, tokenAt(clock)), 'service_unavailable/keys_unavailable');
    assert.equal(server.hits() - start, 1);
    assert.equal(await outcome(v, 'not-a-token'), 'token_not_valid/malformed', 'garbage is refused without any key');
    server.status = 200;
    clock.advance(10_000);
    assert.equal(await outcome(v, tokenAt(clock)), 'accepted');
  });

  test('a service that does not answer in time counts as down', async () => {
    reset();
    const release = server.hold();
    try {
      const v = verifierFor(new Clock(), { jwks: { timeout: 0.2 } });
      const err = await v.verify(tokenAt(new Clock())).catch((e) => e);
      assert.deepEqual([err.code, err.reason], ['service_unavailable', 'keys_unavailable']);
      assert.match(err.message, /no answer from https:\/\/127\.0\.0\.1:\d+ within 200 ms/);
    } finally {
      release();
    }
  });

  test('a server that drips its answer a byte at a time is as slow: the timeout bounds the whole fetch', async () => {
    reset();
    server.dripMs = 50;
    try {
      const v = verifierFor(new Clock(), { jwks: { timeout: 0.3 } });
      const err = await v.verify(tokenAt(new Clock())).catch((e) => e);
      assert.deepEqual([err.code, err.reason], ['service_unavailable', 'keys_unavailable']);
      assert.match(err.message, /within 300 ms/);
    } finally {
      server.dripMs = 0;
    }
  });

  test('a certificate that the ca does not vouch for: no keys, whatever the server says', async () => {
    reset();
    const v = createVerifier({ url: server.url, issuer: ISSUER, audience: AUDIENCE });
    open.push(v);
    const err = await v.verify(tokenAt(new Clock())).catch((e) => e);
    assert.deepEqual([err.code, err.reason], ['service_unavailable', 'keys_unavailable']);
    assert.match(err.message, /self-signed|certificate/i);
  });

  test('only EC P-256 ES256 signing keys are taken from the set; a set without one is an error', async () => {
    reset();
    const clock = new Clock();
    const odd = newKey();
    const jwk = (k: TestKey) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid });
    // Served as written: keys for another algorithm or use, a bad kid, a point off the curve.
    server.keys = [];
    const extra = [
      { ...jwk(odd), alg: 'ES384' },
      { ...jwk(odd), kid: 'enc-key', use: 'enc' },
      { ...jwk(odd), kid: '../../etc/passwd' },
      { ...jwk(odd), kid: 'off-curve', x: jwk(key).y },
      { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac', alg: 'HS256' },
    ];
    const served = serveRaw(server, [...extra, { ...jwk(key), alg: 'ES256', use: 'sig' }]);
    try {
      const v = verifierFor(clock);
      assert.equal(await outcome(v, tokenAt(clock)), 'accepted');
      const status = v.status().keys;
      assert.ok(status !== 'shared secret');
      assert.deepEqual(status.keys, [key.kid]);
      served.set(extra);
      const empty = verifierFor(clock);
      const err = await empty.verify(tokenAt(clock)).catch((e) => e);
      assert.match(err.message, /holds no ES256 key/);
    } finally {
      served.restore();
    }
  });

  test('discovery: the url of a discovery document leads to its jwks_uri', async () => {
    reset();
    const clock = new Clock();
    const v = verifierFor(clock, { url: `${server.url}/.well-known/openid-configuration` });
    assert.equal(await outcome(v, tokenAt(clock)), 'accepted');
    const plain = server.jwksUri;
    server.jwksUri = plain.replace('https:', 'http:');
    try {
      const insecure = verifierFor(clock, { url: `${server.url}/.well-known/openid-configuration` });
      const err = await insecure.verify(tokenAt(clock)).catch((e) => e);
      assert.match(err.message, /jwks_uri http:.* is not https/);
    } finally {
      server.jwksUri = plain;
    }
  });
});

const newKeyWithKid = () => newKey(randomBytes(8).toString('hex'));

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 3000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition(), 'condition never held');
}

/** Serves raw JWKs instead of the server's keys (the server maps its TestKeys through jwkOf). */
function serveRaw(server: JwksServer, jwks: object[]) {
  let current = jwks;
  const original = server.keys;
  const fake = { map: () => current } as unknown as TestKey[];
  server.keys = fake;
  return {
    set: (next: object[]) => {
      current = next;
    },
    restore: () => {
      server.keys = original;
    },
  };
}
