// Hostile and malformed request bodies: every one is a 4xx naming what is wrong, never a 500,
// never a crash, never a polluted prototype; and long or non-ASCII credentials work exactly.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, DRIVERS, type TestApp } from './helpers/app.js';

/** Each body endpoint and its one field. */
const FIELDS = {
  '/auth/login/': 'username',
  '/auth/token/refresh/': 'refresh',
  '/auth/token/verify/': 'token',
  '/auth/logout/': 'refresh_token',
} as const;

const BODY_LIMIT = 2 * 1024 * 1024;

for (const driver of DRIVERS) {
  describe(`request bodies (${driver})`, () => {
    let t: TestApp;
    let pair: { refresh: string; access: string };
    before(async () => {
      t = await createTestApp(driver, { BODY_LIMIT: String(BODY_LIMIT) });
      await t.user('alice');
      pair = await t.api.login('alice');
    });
    after(() => t.close());

    /** A valid body for each endpoint, to break one field at a time. */
    const validBody = (url: keyof typeof FIELDS): Record<string, unknown> =>
      ({
        '/auth/login/': { username: 'alice', password: 'alice-password-1' },
        '/auth/token/refresh/': { refresh: pair.refresh },
        '/auth/token/verify/': { token: pair.access },
        '/auth/logout/': { refresh_token: pair.refresh },
      })[url];

    const send = (url: string, payload: string, contentType?: string) =>
      t.app.inject({ method: 'POST', url, payload, headers: contentType ? { 'content-type': contentType } : {} });

    test('a body over BODY_LIMIT is 413', async () => {
      const big = JSON.stringify({ username: 'alice', password: 'x'.repeat(BODY_LIMIT) });
      for (const url of Object.keys(FIELDS)) {
        const res = await send(url, big, 'application/json');
        assert.equal(res.statusCode, 413, url);
        assert.equal(res.json().code, 'payload_too_large');
      }
    });

    test('anything but JSON is 415', async () => {
      const form = 'username=alice&password=alice-password-1';
      for (const url of Object.keys(FIELDS)) {
        for (const [payload, type] of [
          [form, 'application/x-www-form-urlencoded'],
          [form, 'text/plain'],
          ['{"username":"alice","password":"alice-password-1"}', 'text/plain'],
          ['--x\r\nContent-Disposition: form-data; name="username"\r\n\r\nalice\r\n--x--', 'multipart/form-data; boundary=x'],
          ['{"username":"alice","password":"alice-password-1"}', undefined],
        ] as const) {
          const res = await send(url, payload, type);
          assert.equal(res.statusCode, 415, `${url} ${type}`);
          assert.equal(res.json().code, 'unsupported_media_type');
        }
      }
    });

    test('a missing, null, non-string or blank field is 400 naming the field', async () => {
      for (const [url, field] of Object.entries(FIELDS) as [keyof typeof FIELDS, string][]) {
        const { [field]: _, ...without } = validBody(url);
        const bodies = [without, ...[null, 42, ['x'], { x: 'y' }, '', true].map((bad) => ({ ...validBody(url), [field]: bad }))];
        for (const body of bodies) {
          const res = await t.api.post(url, body);
          assert.equal(res.status, 400, `${url} ${JSON.stringify(body)}`);
          assert.equal(res.body.code, 'validation_error');
          assert.match(String(res.body.detail), new RegExp(`^${field}: `), `${url} ${JSON.stringify(body)}`);
          assert.ok(Array.isArray(res.body[field]), `${url}: DRF-style list under "${field}"`);
          if (url === '/auth/logout/') assert.equal(res.body.error, 'Token is invalid or already blacklisted');
        }
      }
      // Login names the password too, and both fields when both are wrong.
      const res = await t.api.post('/auth/login/', { username: 'alice' });
      assert.deepEqual(res.body.password, ['This field is required.']);
      const both = await t.api.post('/auth/login/', {});
      assert.ok(both.body.username && both.body.password, both.raw);
    });

    test('malformed JSON, and JSON that is not an object, are 400', async () => {
      for (const url of Object.keys(FIELDS)) {
        for (const payload of ['{"username": "alice", ', '{username: alice}', "{'a': 1}", '{"a":1}}', '\u0000']) {
          const res = await send(url, payload, 'application/json');
          assert.equal(res.statusCode, 400, `${url} ${payload}`);
          assert.equal(res.json().code, 'validation_error');
        }
        for (const payload of ['[]', '[{"username":"alice"}]', '"alice"', '42', 'null', 'true']) {
          const res = await send(url, payload, 'application/json');
          assert.equal(res.statusCode, 400, `${url} ${payload}`);
          assert.equal(res.json().code, 'validation_error', res.body);
        }
        const empty = await send(url, '', 'application/json');
        assert.equal(empty.statusCode, 400, `${url} empty body`);
      }
      const array = await t.api.post('/auth/login/', '[]');
      assert.deepEqual(array.body.non_field_errors, ['Invalid data. Expected a JSON object.']);
      const broken = await t.api.post('/auth/login/', '{"username": ');
      assert.match(String(broken.body.detail), /^JSON parse error - /);
    });

    test('unknown fields are ignored', async () => {
      const res = await t.api.post('/auth/login/', { username: 'alice', password: 'alice-password-1', remember: true, x: [1] });
      assert.equal(res.status, 200, res.raw);
    });

    test('__proto__, constructor and prototype keys are harmless', async () => {
      const credentials = '"username":"alice","password":"alice-password-1"';
      const payloads = [
        `{"__proto__":{"polluted":"yes"},${credentials}}`,
        `{"constructor":{"prototype":{"polluted":"yes"}},${credentials}}`,
        `{"prototype":{"polluted":"yes"},${credentials}}`,
        `{${credentials},"__proto__":{"username":"mallory","isAdmin":true}}`,
        '{"__proto__":{"username":"alice","password":"alice-password-1"}}',
        '{"username":{"__proto__":{"polluted":"yes"}},"password":"x"}',
      ];
      for (const payload of payloads) {
        const res = await t.api.post('/auth/login/', payload);
        assert.ok(res.status === 200 || res.status === 400, `${payload}: ${res.status} ${res.raw}`);
      }
      // The first three carry valid credentials beside the dangerous key: they log in.
      assert.equal((await t.api.post('/auth/login/', payloads[0])).status, 200);
      assert.equal((await t.api.post('/auth/login/', payloads[1])).status, 200);
      // Credentials hidden in a prototype are not credentials.
      assert.equal((await t.api.post('/auth/login/', payloads[4])).status, 400);
      const probe: Record<string, unknown> = {};
      assert.equal(probe.polluted, undefined, 'Object.prototype is untouched');
      assert.equal(probe.isAdmin, undefined, 'Object.prototype is untouched');
    });

    test('NUL, lone surrogates, control characters and huge usernames are 400', async () => {
      const usernames = [
        'al\\u0000ice',
        '\\ud800',
        'alice\\udfff',
        'al\\u0007ice',
        'alice\\n',
        '\\u001b[31malice',
        'alice\\u007f',
      ];
      for (const username of usernames) {
        const res = await t.api.post('/auth/login/', `{"username":"${username}","password":"alice-password-1"}`);
        assert.equal(res.status, 400, `${username}: ${res.raw}`);
        assert.equal(res.body.code, 'validation_error');
        assert.ok(res.body.username, res.raw);
      }
      for (const password of ['alice-password-1\\u0000', '\\ud800', 'x\\udc00y']) {
        const res = await t.api.post('/auth/login/', `{"username":"alice","password":"${password}"}`);
        assert.equal(res.status, 400, `${password}: ${res.raw}`);
        assert.ok(res.body.password, res.raw);
      }
      // Over USERNAME_MAX (150) but well under BODY_LIMIT: refused by the schema, never hashed.
      for (const length of [151, 1024 * 1024]) {
        const res = await t.api.post('/auth/login/', { username: 'a'.repeat(length), password: 'x' });
        assert.equal(res.status, 400, `${length}-character username`);
        assert.match(String(res.body.detail), /^username: /);
      }
      for (const url of ['/auth/token/refresh/', '/auth/token/verify/', '/auth/logout/']) {
        const field = FIELDS[url as keyof typeof FIELDS];
        const res = await t.api.post(url, { [field]: `${'a'.repeat(1024 * 1024)}\u0000` });
        assert.equal(res.status, 400, url);
      }
    });

    test('passwords of 1 to 1024 characters work, 1025 is refused', async () => {
      // New passwords need at least 8 characters; login accepts any length from 1 to 1024.
      for (const length of [64, 1024]) {
        const name = `long${length}`;
        const password = `${'p'.repeat(length - 4)}-Zé1`;
        await t.user(name, password);
        assert.equal((await t.api.post('/auth/login/', { username: name, password })).status, 200, `${length} characters`);
        const other = `${password.slice(0, -1)}2`;
        assert.equal((await t.api.post('/auth/login/', { username: name, password: other })).status, 401);
      }
      const tooLong = await t.api.post('/auth/login/', { username: 'alice', password: 'p'.repeat(1025) });
      assert.equal(tooLong.status, 400);
      assert.deepEqual(tooLong.body.password, ['Ensure this field has no more than 1024 characters.']);
      assert.equal((await t.api.post('/auth/login/', { username: 'alice', password: 'x' })).status, 401);
    });

    test('unicode usernames are matched exactly', async () => {
      const name = 'Zoë-用户-🦊';
      await t.user(name, 'zoe-password-1');
      assert.equal((await t.api.post('/auth/login/', { username: name, password: 'zoe-password-1' })).status, 200);
      const lookalikes = [
        'zoë-用户-🦊', // case
        'ZOË-用户-🦊',
        'Zoe\u0308-用户-🦊', // the same text decomposed (NFD): another string
        'Zoë-用户-🦊 ',
        'Zoë-用户',
      ];
      for (const username of lookalikes) {
        const res = await t.api.post('/auth/login/', { username, password: 'zoe-password-1' });
        assert.ok(res.status === 401 || res.status === 400, `${JSON.stringify(username)}: ${res.status}`);
      }
      assert.equal((await t.api.post('/auth/login/', { username: 'ALICE', password: 'alice-password-1' })).status, 401);
    });
  });
}
