// The contract, case by case: every row of the original service's observed behaviour (the
// L/R/V/M/O/E/I/X numbers of OBSERVED.md), with our answer where docs/api.md documents a
// deliberate difference. Runs on PGlite and on PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { disableUser } from '../src/auth/users.js';
import { createTestApp, DRIVERS, type TestApp } from './helpers/app.js';
import { bearer } from './helpers/endpoint.js';
import { type Answer, claimsOf, headerOf } from './helpers/http.js';

const NO_ACCOUNT = { detail: 'No active account found with the given credentials', code: 'no_active_account' };
const INVALID = { detail: 'Token is invalid or expired', code: 'token_not_valid' };
const LOGOUT_FAILED = { error: 'Token is invalid or already blacklisted', code: 'logout_failed' };
const NOT_AUTHENTICATED = { detail: 'Authentication credentials were not provided.', code: 'not_authenticated' };
const BAD_HEADER = { detail: 'Authorization header must contain two space-delimited values', code: 'bad_authorization_header' };
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function meRefused(message: string) {
  return {
    detail: 'Given token not valid for any token type',
    code: 'token_not_valid',
    messages: [{ token_class: 'AccessToken', token_type: 'access', message }],
  };
}

function assertAnswer(res: Answer, status: number, body: Record<string, unknown>) {
  assert.equal(res.status, status, res.raw);
  assert.deepEqual(res.body, body);
}

/** A 400 naming each field, in DRF's per-field shape plus our detail and code. */
function assertFields(res: Answer, fields: Record<string, string>) {
  assert.equal(res.status, 400, res.raw);
  assert.equal(res.body.code, 'validation_error');
  for (const [field, message] of Object.entries(fields)) {
    assert.deepEqual(res.body[field], [message], `field ${field}: ${res.raw}`);
    assert.match(String(res.body.detail), new RegExp(`${field}: ${message.replace('.', '\\.')}`));
  }
}

for (const driver of DRIVERS) {
  describe(`contract (${driver})`, () => {
    let t: TestApp;
    let aliceId: number;
    before(async () => {
      t = await createTestApp(driver);
      aliceId = await t.user('alice');
      await t.user('inactive');
      await disableUser(t.deps, 'inactive', { clientIp: '127.0.0.1', userAgent: 'test' });
    });
    after(() => t.close());

    describe('token claims', () => {
      test('a pair of JWTs with SimpleJWT claims plus sub, iss, aud, sid; kid in the header', async () => {
        const pair = await t.api.login('alice');
        assert.match(pair.access, JWT);
        assert.match(pair.refresh, JWT);
        const [access, refresh] = [claimsOf(pair.access), claimsOf(pair.refresh)];
        assert.equal(access.token_type, 'access');
        assert.equal(refresh.token_type, 'refresh');
        for (const claims of [access, refresh]) {
          assert.equal(claims.user_id, aliceId);
          assert.equal(claims.sub, String(aliceId));
          assert.equal(claims.iss, 'auth-service');
          assert.match(String(claims.jti), /^[0-9a-f]{32}$/);
          assert.ok(Number.isInteger(claims.iat) && Number.isInteger(claims.exp));
        }
        assert.equal(access.sid, refresh.sid);
        assert.notEqual(access.jti, refresh.jti);
        assert.equal(Number(access.exp) - Number(access.iat), 300, 'ACCESS_TOKEN_LIFETIME default 5m');
        assert.equal(Number(refresh.exp) - Number(refresh.iat), 86400, 'REFRESH_TOKEN_LIFETIME default 1d');
        // A refresh token must not pass for an access token at any verifier (RFC 8725 3.11):
        // a typ and an audience of its own; access tokens are RFC 9068 at+jwt.
        assert.equal(access.aud, 'auth-service');
        assert.equal(refresh.aud, 'auth-service#refresh');
        const header = headerOf(pair.access);
        assert.equal(header.alg, 'ES256');
        assert.equal(header.typ, 'at+jwt');
        assert.equal(typeof header.kid, 'string');
        assert.deepEqual(headerOf(pair.refresh), { ...header, typ: 'refresh+jwt' });
      });

      test('an access token minted by refresh has a fresh iat, exp and jti', async () => {
        const pair = await t.api.login('alice');
        t.clock.advance(2000);
        const res = await t.api.post('/auth/token/refresh/', { refresh: pair.refresh });
        const [before, minted] = [claimsOf(pair.access), claimsOf(String(res.body.access))];
        assert.equal(Number(minted.iat), Number(before.iat) + 2);
        assert.equal(Number(minted.exp), Number(before.exp) + 2);
        assert.notEqual(minted.jti, before.jti);
        assert.equal(minted.sid, before.sid);
      });

      test('lifetimes come from the configuration', async () => {
        const short = await createTestApp(driver, { ACCESS_TOKEN_LIFETIME: '90s', REFRESH_TOKEN_LIFETIME: '2h' });
        try {
          await short.user('bob');
          const pair = await short.api.login('bob');
          const [access, refresh] = [claimsOf(pair.access), claimsOf(pair.refresh)];
          assert.equal(Number(access.exp) - Number(access.iat), 90);
          assert.equal(Number(refresh.exp) - Number(refresh.iat), 7200);
        } finally {
          await short.close();
        }
      });
    });

    describe('POST /auth/login/', () => {
      const login = (payload: unknown, headers?: Record<string, string>) => t.api.post('/auth/login/', payload, headers);

      test('L1 right password: 200 with refresh and access, no-store', async () => {
        const res = await login({ username: 'alice', password: 'alice-password-1' });
        assert.equal(res.status, 200);
        assert.deepEqual(Object.keys(res.body).sort(), ['access', 'refresh']);
        assert.match(String(res.headers['cache-control']), /no-store/);
      });

      test('L2-L5, L10 wrong password, unknown user, inactive user, wrong case, numeric username: one answer', async () => {
        const cases = [
          { username: 'alice', password: 'wrong-password' },
          { username: 'nobody', password: 'alice-password-1' },
          { username: 'inactive', password: 'inactive-password-1' },
          { username: 'Alice', password: 'alice-password-1' },
        ];
        for (const payload of cases) {
          const res = await login(payload);
          assertAnswer(res, 401, NO_ACCOUNT);
          assert.equal(res.headers['www-authenticate'], 'Bearer realm="api"');
        }
        // L10: the original coerced a number to a string (then 401); strict schemas say 400.
        assertFields(await login({ username: 12345, password: 'x' }), { username: 'Not a valid string.' });
      });

      test('L6-L9, L13 missing, blank and null fields name each field', async () => {
        assertFields(await login({ username: 'alice' }), { password: 'This field is required.' });
        assertFields(await login({}), { username: 'This field is required.', password: 'This field is required.' });
        assertFields(await login({ username: '', password: '' }), {
          username: 'This field may not be blank.',
          password: 'This field may not be blank.',
        });
        assertFields(await login({ username: 'alice', password: null }), { password: 'This field may not be null.' });
        assertFields(await login(''), { username: 'This field is required.', password: 'This field is required.' });
      });

      test('L11 malformed JSON: 400 JSON parse error', async () => {
        const res = await login('{"username":');
        assert.equal(res.status, 400);
        assert.equal(res.body.code, 'validation_error');
        assert.match(String(res.body.detail), /^JSON parse error - /);
      });

      test('L12 a JSON array body: 400 non_field_errors', async () => {
        const res = await login('[]');
        assert.equal(res.status, 400);
        assert.deepEqual(res.body.non_field_errors, ['Invalid data. Expected a JSON object.']);
        assert.equal(res.body.code, 'validation_error');
      });

      test('L14, L15 form-encoded and text/plain bodies: 415', async () => {
        for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
          const res = await login('username=alice&password=alice-password-1', { 'content-type': type });
          assert.equal(res.status, 415, type);
          assert.equal(res.body.code, 'unsupported_media_type');
        }
      });

      test('L16 GET: 405 with Allow', async () => {
        const res = await t.api.get('/auth/login/');
        assert.equal(res.status, 405);
        assert.equal(res.body.code, 'method_not_allowed');
        assert.match(String(res.headers.allow), /POST/);
      });

      test('L17 no trailing slash: served, never redirected', async () => {
        const res = await login({ username: 'alice', password: 'alice-password-1' });
        const bare = await t.api.post('/auth/login', { username: 'alice', password: 'alice-password-1' });
        assert.equal(res.status, 200);
        assert.equal(bare.status, 200);
        assert.equal(bare.headers.location, undefined);
      });

      test('L18 unknown fields ignored; L19 a garbage Bearer header ignored', async () => {
        const payload = { username: 'alice', password: 'alice-password-1', remember: true, extra: { a: 1 } };
        assert.equal((await login(payload)).status, 200);
        assert.equal((await login(payload, bearer('garbage'))).status, 200);
      });
    });

    describe('POST /auth/token/refresh/', () => {
      let pair: { refresh: string; access: string };
      before(async () => {
        pair = await t.api.login('alice');
      });
      const refresh = (payload: unknown) => t.api.post('/auth/token/refresh/', payload);

      test('R1, R2 a refresh token can be used again and again (no rotation by default)', async () => {
        for (let i = 0; i < 3; i++) {
          const res = await refresh({ refresh: pair.refresh });
          assert.equal(res.status, 200);
          assert.deepEqual(Object.keys(res.body), ['access']);
          assert.equal(claimsOf(String(res.body.access)).token_type, 'access');
          assert.match(String(res.headers['cache-control']), /no-store/);
        }
      });

      test('R3, R4, R9 missing, misnamed and null field: 400 naming "refresh"', async () => {
        assertFields(await refresh({}), { refresh: 'This field is required.' });
        assertFields(await refresh({ refresh_token: pair.refresh }), { refresh: 'This field is required.' });
        assertFields(await refresh({ refresh: null }), { refresh: 'This field may not be null.' });
      });

      test('R5 garbage; R6 an access token; R7, R7b altered signature: 401', async () => {
        assertAnswer(await refresh({ refresh: 'garbage' }), 401, INVALID);
        assertAnswer(await refresh({ refresh: pair.access }), 401, { detail: 'Token has wrong type', code: 'token_not_valid' });
        const at = pair.refresh.length - 10;
        const flipped = pair.refresh.slice(0, at) + (pair.refresh[at] === 'A' ? 'B' : 'A') + pair.refresh.slice(at + 1);
        assertAnswer(await refresh({ refresh: flipped }), 401, INVALID);
        // R7b: the same signature bytes spelled with non-zero unused trailing bits. The original
        // accepted it; we accept one spelling only (docs/api.md).
        const last = pair.refresh.at(-1) ?? '';
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        const sibling = alphabet[alphabet.indexOf(last) ^ 1] ?? 'A';
        assertAnswer(await refresh({ refresh: pair.refresh.slice(0, -1) + sibling }), 401, INVALID);
      });

      test('R8 malformed JSON: 400', async () => {
        const res = await refresh('{"refresh":');
        assert.equal(res.status, 400);
        assert.match(String(res.body.detail), /^JSON parse error - /);
      });
    });

    describe('POST /auth/token/verify/', () => {
      test('V1, V2 a valid access or refresh token: 200 {}', async () => {
        const pair = await t.api.login('alice');
        assertAnswer(await t.api.post('/auth/token/verify/', { token: pair.access }), 200, {});
        assertAnswer(await t.api.post('/auth/token/verify/', { token: pair.refresh }), 200, {});
      });

      test('V3 garbage: 401; V4 missing field: 400', async () => {
        assertAnswer(await t.api.post('/auth/token/verify/', { token: 'garbage' }), 401, INVALID);
        assertFields(await t.api.post('/auth/token/verify/', {}), { token: 'This field is required.' });
      });
    });

    describe('GET /auth/me/', () => {
      let pair: { refresh: string; access: string };
      before(async () => {
        pair = await t.api.login('alice');
      });
      const me = (headers: Record<string, string>) => t.api.get('/auth/me/', headers);

      test('M1 a valid access token: 200 {id, username}', async () => {
        assertAnswer(await me(bearer(pair.access)), 200, { id: aliceId, username: 'alice' });
      });

      test('M2, M7, M8 no credentials (no header, lower-case scheme, another scheme): 401', async () => {
        const cases: Record<string, string>[] = [
          {},
          { authorization: `bearer ${pair.access}` },
          { authorization: `JWT ${pair.access}` },
        ];
        for (const headers of cases) {
          const res = await me(headers);
          assertAnswer(res, 401, NOT_AUTHENTICATED);
          assert.equal(res.headers['www-authenticate'], 'Bearer realm="api"');
        }
      });

      test('M3 a refresh token; M4 garbage: 401 with the nested messages', async () => {
        assertAnswer(await me(bearer(pair.refresh)), 401, meRefused('Token has wrong type'));
        assertAnswer(await me(bearer('garbage')), 401, meRefused('Token is invalid or expired'));
      });

      test('M5, M6 Bearer with no token or two: 401 bad_authorization_header', async () => {
        assertAnswer(await me({ authorization: 'Bearer' }), 401, BAD_HEADER);
        assertAnswer(await me({ authorization: 'Bearer a b' }), 401, BAD_HEADER);
      });

      test('M9, M10 POST: 405 (authentication is not consulted for a wrong method)', async () => {
        for (const headers of [bearer(pair.access), {} as Record<string, string>]) {
          const res = await t.api.post('/auth/me/', {}, headers);
          assert.equal(res.status, 405);
          assert.equal(res.body.code, 'method_not_allowed');
          assert.equal(res.headers.allow, 'GET, HEAD, OPTIONS');
        }
      });
    });

    describe('POST /auth/logout/', () => {
      const logout = (payload: unknown, headers?: Record<string, string>) => t.api.post('/auth/logout/', payload, headers);

      test('O1-O5 logout ends the session: refresh, verify and me refuse it afterwards', async () => {
        const pair = await t.api.login('alice');
        assertAnswer(await logout({ refresh_token: pair.refresh }), 200, { message: 'Logged out successfully' });
        assertAnswer(await logout({ refresh_token: pair.refresh }), 400, LOGOUT_FAILED);
        assertAnswer(await t.api.post('/auth/token/refresh/', { refresh: pair.refresh }), 401, {
          detail: 'Token is blacklisted',
          code: 'token_not_valid',
        });
        // O4, O5: the original still accepted these; a logged-out session is over (docs/api.md).
        assert.equal((await t.api.post('/auth/token/verify/', { token: pair.refresh })).status, 401);
        assert.equal((await t.api.post('/auth/token/verify/', { token: pair.access })).status, 401);
        assert.equal((await t.api.get('/auth/me/', bearer(pair.access))).status, 401);
      });

      test('O6, O7, O12 an access token, garbage, an empty string: 400 logout_failed', async () => {
        const pair = await t.api.login('alice');
        for (const refresh_token of [pair.access, 'garbage', '']) {
          const res = await logout({ refresh_token });
          assert.equal(res.status, 400, res.raw);
          assert.equal(res.body.error, LOGOUT_FAILED.error);
        }
        assertAnswer(await logout({ refresh_token: pair.access }), 400, LOGOUT_FAILED);
        assertAnswer(await logout({ refresh_token: 'garbage' }), 400, LOGOUT_FAILED);
      });

      test('O8-O11 missing field, misnamed field, malformed JSON, null: 400 with the error message', async () => {
        for (const payload of [{}, { refresh: 'x' }, '{"refresh_token":', { refresh_token: null }]) {
          const res = await logout(payload);
          assert.equal(res.status, 400, res.raw);
          assert.equal(res.body.error, LOGOUT_FAILED.error);
          assert.equal(res.body.code, 'validation_error');
          assert.match(String(res.body.detail), /refresh_token|JSON parse error/);
        }
      });

      test('O13 a garbage Bearer header does not stop a logout (it reads no header)', async () => {
        const pair = await t.api.login('alice');
        assert.equal((await logout({ refresh_token: pair.refresh }, bearer('garbage'))).status, 200);
      });

      test('O14 GET: 405', async () => {
        const res = await t.api.get('/auth/logout/');
        assert.equal(res.status, 405);
        assert.match(String(res.headers.allow), /POST/);
      });
    });

    describe('expiry', () => {
      test('E1-E4 expired access and refresh tokens are refused everywhere', async () => {
        const pair = await t.api.login('alice');
        t.clock.advance(5 * 60_000 + 6_000); // access lifetime plus leeway
        assertAnswer(await t.api.get('/auth/me/', bearer(pair.access)), 401, meRefused('Token is invalid or expired'));
        assertAnswer(await t.api.post('/auth/token/verify/', { token: pair.access }), 401, INVALID);
        assert.equal((await t.api.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 200);
        t.clock.advance(86_400_000);
        assertAnswer(await t.api.post('/auth/token/refresh/', { refresh: pair.refresh }), 401, INVALID);
        assertAnswer(await t.api.post('/auth/logout/', { refresh_token: pair.refresh }), 400, LOGOUT_FAILED);
      });
    });

    describe('user disabled after login', () => {
      // The original let a disabled user refresh, verify and log out (I1, I3, I4); disabling
      // here revokes every session of the user, so each of these refuses (docs/api.md).
      test('I1-I4 disabling a user ends its sessions: refresh, verify, me and logout refuse them', async () => {
        await t.user('carol');
        const pair = await t.api.login('carol');
        await disableUser(t.deps, 'carol', { clientIp: '127.0.0.1', userAgent: 'test' });
        assert.equal((await t.api.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 401);
        assert.equal((await t.api.post('/auth/token/verify/', { token: pair.access })).status, 401);
        assert.equal((await t.api.post('/auth/token/verify/', { token: pair.refresh })).status, 401);
        const me = await t.api.get('/auth/me/', bearer(pair.access));
        assert.equal(me.status, 401);
        // As the original (I2) and docs/api.md: a disabled user is told so on /auth/me/.
        assert.equal(me.body.code, 'user_inactive');
        assertAnswer(await t.api.post('/auth/logout/', { refresh_token: pair.refresh }), 400, LOGOUT_FAILED);
        assertAnswer(await t.api.post('/auth/login/', { username: 'carol', password: 'carol-password-1' }), 401, NO_ACCOUNT);
      });
    });

    describe('misc', () => {
      test('X1 unknown path: JSON 404', async () => {
        const res = await t.api.get('/nope/');
        assertAnswer(res, 404, { detail: 'Not found.', code: 'not_found' });
        assert.match(String(res.headers['content-type']), /^application\/json/);
      });

      test('X2 OPTIONS: 204 with Allow, no body', async () => {
        const res = await t.app.inject({ method: 'OPTIONS', url: '/auth/login/' });
        assert.equal(res.statusCode, 204);
        assert.match(String(res.headers.allow), /POST/);
        assert.equal(res.body, '');
      });
    });

    describe('endpoints beyond the original', () => {
      test('POST /auth/logout/all/ revokes every session of the caller', async () => {
        await t.user('dave');
        const sessions = [await t.api.login('dave'), await t.api.login('dave'), await t.api.login('dave')];
        const res = await t.api.post('/auth/logout/all/', '', bearer(sessions[0]?.access ?? ''));
        assertAnswer(res, 200, { message: 'Logged out of all sessions', sessions_revoked: 3 });
        for (const pair of sessions) {
          assert.equal((await t.api.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 401);
        }
        assert.equal((await t.api.post('/auth/logout/all/', '', {})).status, 401);
      });

      test('GET /auth/.well-known/jwks.json publishes the signing key by kid', async () => {
        const pair = await t.api.login('alice');
        const res = await t.api.get('/auth/.well-known/jwks.json');
        assert.equal(res.status, 200);
        assert.match(String(res.headers['cache-control']), /max-age=\d+/);
        const keys = res.body.keys as Array<Record<string, unknown>>;
        const key = keys.find((k) => k.kid === headerOf(pair.access).kid);
        assert.ok(key, 'the current kid is published');
        assert.equal(key.kty, 'EC');
        assert.equal(key.crv, 'P-256');
        assert.equal(key.alg, 'ES256');
        assert.equal(key.use, 'sig');
        assert.equal(key.d, undefined, 'never the private part');
      });

      test('health: live and ready answer 200 while the database answers', async () => {
        assertAnswer(await t.api.get('/auth/health/live/'), 200, { status: 'ok' });
        assertAnswer(await t.api.get('/auth/health/ready/'), 200, { status: 'ok' });
      });
    });
  });
}
