// The pure rules of the cut-over: the definition of a valid token of the old format, the
// session id of an imported refresh token, and what a re-import does to a user that exists.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { b64u, hs256, jwt, nonCanonicalTwin } from '@auth-service/verifier/testing';
import { decideUser, storedHash } from '../src/auth/simplejwt/import-users.js';
import { type LegacyValidateOptions, validateLegacyToken } from '../src/auth/simplejwt/legacy-token.js';
import { importedSessionId } from '../src/auth/simplejwt/session-id.js';
import { newJti, simplejwtToken } from './helpers/simplejwt.js';

const KEY = 'the-old-secret-key';
const nowS = 1_800_000_000;
const options: LegacyValidateOptions = {
  key: Buffer.from(KEY),
  expected: 'access',
  now: nowS * 1000,
  leewayS: 5,
  accessLifetimeS: 300,
};
const claims = (extra: Record<string, unknown> = {}) => ({
  token_type: 'access',
  exp: nowS + 300,
  iat: nowS,
  jti: newJti(),
  user_id: 7,
  ...extra,
});
const reason = (token: string, o: Partial<LegacyValidateOptions> = {}) => {
  const result = validateLegacyToken(token, { ...options, ...o });
  return result.ok ? 'ok' : result.reason;
};

describe('validateLegacyToken', () => {
  test("SimpleJWT's own token is valid, with its claims only", () => {
    const token = simplejwtToken(KEY, 'access', 7, { nowS });
    const result = validateLegacyToken(token, options);
    assert.ok(result.ok);
    assert.deepEqual(Object.keys(result.claims).sort(), ['exp', 'iat', 'jti', 'token_type', 'user_id']);
  });

  test('header: exactly alg HS256 and typ JWT', () => {
    const sign = (header: object) => jwt(header, claims(), hs256(KEY));
    assert.equal(reason(sign({ alg: 'HS256' })), 'ok');
    assert.equal(reason(sign({ alg: 'HS256', typ: 'JWT', kid: 'k' })), 'header');
    assert.equal(reason(sign({ alg: 'HS256', typ: 'JWT', jku: 'https://evil.example/jwks' })), 'header');
    assert.equal(reason(sign({ alg: 'HS256', typ: 'at+jwt' })), 'header');
    assert.equal(reason(sign({ alg: 'HS512', typ: 'JWT' })), 'algorithm');
    assert.equal(reason(sign({ alg: 'none', typ: 'JWT' })), 'algorithm');
  });

  test('signature: the key, in constant time; one spelling only (PyJWT would also take the twin)', () => {
    const token = jwt({ alg: 'HS256', typ: 'JWT' }, claims(), hs256(KEY));
    assert.equal(reason(jwt({ alg: 'HS256', typ: 'JWT' }, claims(), hs256('another-key'))), 'signature');
    assert.equal(reason(`${token.slice(0, -1)}${nonCanonicalTwin(token.slice(-1))}`), 'malformed');
    assert.equal(reason(`${token.split('.').slice(0, 2).join('.')}.${b64u(Buffer.alloc(32))}`), 'signature');
    assert.equal(reason('x'.repeat(5000)), 'malformed');
  });

  test('claims: well formed, no sid, within time, the expected type, an access token no longer lived than the old lifetime', () => {
    const sign = (extra: Record<string, unknown>) => jwt({ alg: 'HS256', typ: 'JWT' }, claims(extra), hs256(KEY));
    assert.equal(reason(sign({ sid: '4b8e0c35-7f2c-4f27-9a55-1f2d3c4b5a69' })), 'claims');
    assert.equal(reason(sign({ jti: 'abc' })), 'claims');
    assert.equal(reason(sign({ user_id: '7' })), 'claims');
    assert.equal(reason(sign({ user_id: 0 })), 'claims');
    assert.equal(reason(sign({ token_type: 'sliding' })), 'claims');
    assert.equal(reason(sign({ exp: nowS - 6, iat: nowS - 306 })), 'expired');
    assert.equal(reason(sign({ exp: nowS - 4, iat: nowS - 304 })), 'ok', 'within the leeway');
    assert.equal(reason(sign({ exp: nowS + 1, iat: nowS + 2 })), 'claims', 'exp before iat (the rule of ours: timeRefusal)');
    assert.equal(reason(sign({ iat: nowS + 60 })), 'not_yet_valid');
    assert.equal(reason(sign({ nbf: nowS + 60 })), 'not_yet_valid');
    assert.equal(reason(sign({})), 'ok');
    assert.equal(reason(sign({}), { expected: 'refresh' }), 'type');
    assert.equal(reason(sign({ exp: nowS + 3600 })), 'claims');
    // iat copied from the refresh token (SimpleJWT does so): only exp counts.
    assert.equal(reason(sign({ iat: nowS - 80_000 })), 'ok');
    assert.equal(reason(sign({ token_type: 'refresh', exp: nowS + 86_400 }), { expected: 'refresh' }), 'ok');
  });
});

describe('imported session ids', () => {
  test('deterministic, a UUIDv8 (never one of ours, v4), different for every jti', () => {
    const jti = newJti();
    assert.equal(importedSessionId(jti), importedSessionId(jti));
    assert.match(importedSessionId(jti), /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(importedSessionId(jti), importedSessionId(newJti()));
  });
});

describe('a re-import of an existing user', () => {
  const django = { id: 3, username: 'ann', password: 'pbkdf2_sha256$1000$s$h', isActive: true, dateJoined: null };
  const here = { id: 3, username: 'ann', passwordHash: django.password, importedPasswordHash: django.password, isActive: true };

  test('unchanged when nothing changed; a new Django hash is taken while ours is still the imported one', () => {
    assert.equal(decideUser(django, here, here).do, 'unchanged');
    const changed = decideUser({ ...django, password: 'pbkdf2_sha256$2000$t$i' }, here, here);
    assert.equal(changed.do, 'update');
  });

  test('a password changed here is kept; a disable there disables here; an enable there does not enable here', () => {
    const rehashed = { ...here, passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$x$y' };
    assert.deepEqual(decideUser({ ...django, password: 'pbkdf2_sha256$2000$t$i' }, rehashed, rehashed), {
      do: 'unchanged',
      keptOurs: true,
      keptDisabled: false,
    });
    const disabled = decideUser({ ...django, isActive: false }, here, here);
    assert.ok(disabled.do === 'update' && disabled.deactivate && !disabled.user.isActive);
    const off = { ...here, isActive: false };
    assert.deepEqual(decideUser(django, off, off), { do: 'unchanged', keptOurs: false, keptDisabled: true });
  });

  test('weak hashes are not stored; unusable and verified ones are', () => {
    assert.equal(storedHash('md5$salt$0123456789abcdef0123456789abcdef'), '!refused:md5');
    assert.equal(storedHash('0123456789abcdef0123456789abcdef'), '!refused:unsalted_md5');
    assert.equal(storedHash('custom_hasher$1$a$b'), '!refused:unsupported');
    assert.equal(storedHash('!abc'), '!abc');
    assert.equal(storedHash(django.password), django.password);
  });
});
