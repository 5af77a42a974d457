// The forged-token table (@auth-service/verifier/testing, which the verifier also runs against
// validateToken directly) sent to every entry point that reads a token: refresh, logout,
// verify, /auth/me/ and /auth/logout/all/ (the gateway check has its own: forward-auth.test.ts).
// Each forgery is built from the claims of a LIVE session of ours, so that only the forged part
// can make it fail; a control test shows that the same forging code, given our own key, yields
// tokens that are accepted.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { enc, es256, FORGERIES, hs256, jwt, type Kit, NONE_SPELLINGS, signedByUs } from '@auth-service/verifier/testing';
import { createTestApp, DRIVERS, serviceSigningKey, type TestApp } from './helpers/app.js';
import { bearer, type Endpoint, expectCode, pairAccepted } from './helpers/endpoint.js';
import { forgeryKit, headerSafe, type KitHandle } from './helpers/forgery-kit.js';
import { claimsOf, headerOf } from './helpers/http.js';

/** Sends `token` to every entry point; each must refuse it. */
async function refusedEverywhere(api: Endpoint, token: string, what: string): Promise<void> {
  expectCode(await api.post('/auth/token/refresh/', { refresh: token }), 401, 'token_not_valid', `${what} at refresh`);
  expectCode(await api.post('/auth/logout/', { refresh_token: token }), 400, 'logout_failed', `${what} at logout`);
  expectCode(await api.post('/auth/token/verify/', { token }), 401, 'token_not_valid', `${what} at verify`);
  // An HTTP header cannot carry a line break; a space splits the Bearer value (docs/api.md).
  if (!headerSafe(token)) return;
  const expected = token.trim().includes(' ') || token !== token.trim() ? 'bad_authorization_header' : 'token_not_valid';
  expectCode(await api.get('/auth/me/', bearer(token)), 401, expected, `${what} at /auth/me/`);
  expectCode(await api.post('/auth/logout/all/', {}, bearer(token)), 401, expected, `${what} at /auth/logout/all/`);
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
      let forging: KitHandle;

      before(async () => {
        live = await t.api.login('alice');
        // Our public key as anyone can get it (the JWKS); the attacker's key server counts any
        // fetch of a jku/x5u.
        const jwks = (await t.api.get('/auth/.well-known/jwks.json')).body as { keys: Record<string, unknown>[] };
        forging = await forgeryKit(jwks, serviceSigningKey(t));
        kit = forging.kit;
      });
      after(() => forging.close());

      test('control: the forging code with our own key makes tokens that are accepted', async () => {
        assert.equal(headerOf(live.access).kid, kit.kid);
        const forged = { refresh: signedByUs(kit, claimsOf(live.refresh)), access: signedByUs(kit, claimsOf(live.access)) };
        await pairAccepted(t.api, forged, 'signed by our key');
      });

      for (const [name, forge] of FORGERIES) {
        test(name, async () => {
          for (const real of [live.refresh, live.access]) {
            const claims = claimsOf(real);
            await refusedEverywhere(t.api, forge(kit, claims), `${name} (${claims.token_type} claims)`);
          }
          // Key locations named by a token (jku, x5u) are never fetched.
          assert.deepEqual(forging.listenerHits, []);
        });
      }

      test('an access token is refused by refresh and logout, a refresh token by /auth/me/', async () => {
        const wrongType = await t.api.post('/auth/token/refresh/', { refresh: live.access });
        expectCode(wrongType, 401, 'token_not_valid', 'access at refresh');
        assert.equal(wrongType.body.detail, 'Token has wrong type');
        expectCode(await t.api.post('/auth/logout/', { refresh_token: live.access }), 400, 'logout_failed', 'access at logout');
        expectCode(await t.api.get('/auth/me/', bearer(live.refresh)), 401, 'token_not_valid', 'refresh at me');
        expectCode(
          await t.api.post('/auth/logout/all/', {}, bearer(live.refresh)),
          401,
          'token_not_valid',
          'refresh at logout/all',
        );
      });

      test('after all of the above, the real session is still live', async () => {
        await pairAccepted(t.api, live, 'the real tokens');
      });

      test('a re-encoded token does not dodge revocation', async () => {
        const pair = await t.api.login('bob');
        // Same claims, another text: header keys reordered, payload keys reordered, both signed
        // by our key (what a holder of a valid token could obtain by re-signing: nothing, but
        // here we prove revocation does not depend on the token's text).
        const respell = (token: string) => {
          const claims = claimsOf(token);
          const reordered = Object.fromEntries(Object.entries(claims).reverse());
          return jwt({ kid: kit.kid, typ: headerOf(token).typ, alg: 'ES256' }, reordered, kit.ours);
        };
        const twin = { refresh: respell(pair.refresh), access: respell(pair.access) };
        assert.notEqual(twin.refresh, pair.refresh);
        await pairAccepted(t.api, twin, 'the re-encoded twin before logout');

        assert.equal((await t.api.post('/auth/logout/', { refresh_token: pair.refresh })).status, 200);
        await refusedEverywhere(t.api, twin.refresh, 'the re-encoded refresh token after logout');
        await refusedEverywhere(t.api, twin.access, 'the re-encoded access token after logout');
        await refusedEverywhere(t.api, pair.refresh, 'the original refresh token after logout');
      });
    });

    describe('token times', () => {
      test('expired tokens are refused, within the leeway they are still accepted', async () => {
        const pair = await t.api.login('alice');
        t.clock.advance(60_000 + leewayMs - 1000);
        assert.equal((await t.api.get('/auth/me/', bearer(pair.access))).status, 200, 'access within leeway');
        t.clock.advance(2000);
        await refusedEverywhere(t.api, pair.access, 'expired access token');

        t.clock.advance(60_000 - 2000);
        // 120 s + 4 s after login: the refresh token has expired, but within the leeway.
        const late = await t.api.post('/auth/token/refresh/', { refresh: pair.refresh });
        assert.equal(late.status, 200, late.raw);
        t.clock.advance(2000);
        await refusedEverywhere(t.api, pair.refresh, 'expired refresh token');
      });

      test('tokens issued in the future beyond the leeway are refused (iat), within it accepted', async () => {
        const pair = await t.api.login('alice');
        // Our clock goes back: the tokens' iat is now 6 s in the future.
        t.clock.advance(-(leewayMs + 1000));
        await refusedEverywhere(t.api, pair.refresh, 'refresh token with iat beyond the leeway');
        await refusedEverywhere(t.api, pair.access, 'access token with iat beyond the leeway');
        t.clock.advance(2000);
        await pairAccepted(t.api, pair, 'iat 4 s ahead');
      });

      test('nbf beyond the leeway is refused, within it accepted', async () => {
        const pair = await t.api.login('alice');
        const key = serviceSigningKey(t);
        const signNbf = (token: string, aheadMs: number) =>
          jwt(headerOf(token), { ...claimsOf(token), nbf: Math.floor((t.clock.now() + aheadMs) / 1000) }, es256(key));
        for (const token of [pair.refresh, pair.access]) {
          await refusedEverywhere(t.api, signNbf(token, leewayMs + 2000), 'nbf beyond the leeway');
        }
        await pairAccepted(
          t.api,
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
      const res = await t.api.get('/auth/.well-known/jwks.json');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { keys: [] });
    });

    test('control: HS256 with the shared secret is accepted', async () => {
      const pair = await t.api.login('alice');
      assert.equal(headerOf(pair.access).alg, 'HS256');
      const forged = {
        refresh: jwt(headerOf(pair.refresh), claimsOf(pair.refresh), hs256(secret)),
        access: jwt(headerOf(pair.access), claimsOf(pair.access), hs256(secret)),
      };
      await pairAccepted(t.api, forged, 'HS256 with the shared secret');
    });

    test('ES256, alg none and another secret are refused', async () => {
      const pair = await t.api.login('alice');
      const header = headerOf(pair.access);
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      for (const real of [pair.refresh, pair.access]) {
        const claims = claimsOf(real);
        await refusedEverywhere(t.api, jwt({ ...header, alg: 'ES256' }, claims, es256(privateKey)), 'ES256 with our kid');
        await refusedEverywhere(t.api, jwt({ alg: 'ES256', typ: 'JWT', kid: 'attacker' }, claims, es256(privateKey)), 'ES256');
        await refusedEverywhere(t.api, jwt(header, claims, hs256(randomBytes(36).toString('base64'))), 'another secret');
        for (const alg of NONE_SPELLINGS) {
          await refusedEverywhere(t.api, `${enc({ ...header, alg })}.${enc(claims)}.`, `alg ${alg}`);
          await refusedEverywhere(t.api, jwt({ ...header, alg }, claims, hs256(secret)), `alg ${alg} with a valid HMAC`);
        }
      }
      await pairAccepted(t.api, pair, 'the real tokens');
    });
  });
}
