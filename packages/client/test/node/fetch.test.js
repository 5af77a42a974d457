// auth.fetch against a protected API: the Bearer, one refresh and one retry on a 401
// token_not_valid with the body replayed byte for byte (JSON, FormData, Blob, a Request), a
// stream not retried, a second 401 handed to the caller, and a 403 or a network error that
// leave the session alone.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { createAuthClient } from '../../dist/src/index.js';
import { authService, PASSWORD, protectedApi, watchRefreshes } from '../helpers.js';

let service;
let api;
let auth;
let watch;
before(async () => {
  service = await authService();
  api = await protectedApi();
  watch = watchRefreshes();
  auth = createAuthClient({ url: service.url, storage: 'memory' });
  await auth.login('alice', PASSWORD);
});
after(async () => {
  auth.close();
  watch.restore();
  await api.close();
  await service.close();
});
beforeEach(async () => {
  api.requests.length = 0;
  watch.count = 0;
  // The API stops trusting the token the client holds: the next call gets a 401 token_not_valid.
  api.refused.add(await auth.getAccessToken());
});

const replays = {
  JSON: () => ({ body: JSON.stringify({ item: 'book', n: 2 }), headers: { 'content-type': 'application/json' } }),
  FormData: () => {
    const form = new FormData();
    form.set('name', 'alice');
    form.set('file', new Blob(['file contents'], { type: 'text/plain' }), 'notes.txt');
    return { body: form };
  },
  Blob: () => ({ body: new Blob([new Uint8Array([0, 1, 2, 255])], { type: 'application/octet-stream' }) }),
};

for (const [kind, make] of Object.entries(replays)) {
  test(`${kind}: refreshed once and retried once with the same body`, async () => {
    const before = await auth.getAccessToken();
    const response = await auth.fetch(`${api.url}/orders`, { method: 'POST', ...make() });
    assert.equal(response.status, 200);
    assert.equal(watch.count, 1);
    const [first, retry] = api.requests;
    assert.equal(api.requests.length, 2);
    assert.equal(first.token, before);
    assert.notEqual(retry.token, before);
    assert.equal(retry.token, await auth.getAccessToken());
    assert.ok(first.body.length > 0);
    // A multipart body gets a new boundary each time it is sent; all else is the same bytes.
    const boundary = (r) => /boundary=(.+)$/.exec(r.type ?? '')?.[1];
    const bytes = (r) => (boundary(r) ? r.body.toString('latin1').replaceAll(boundary(r), 'B') : r.body.toString('latin1'));
    assert.equal(bytes(retry), bytes(first));
    assert.equal(retry.type?.replace(boundary(retry), 'B'), first.type?.replace(boundary(first), 'B'));
  });
}

test('a Request with a body is replayed too', async () => {
  const request = new Request(`${api.url}/orders`, { method: 'PUT', body: 'plain text body', headers: { 'x-trace': '1' } });
  const response = await auth.fetch(request);
  assert.equal(response.status, 200);
  assert.equal(api.requests.length, 2);
  assert.equal(api.requests[1].body.toString(), 'plain text body');
});

test('a stream is not retried: its 401 reaches the caller, and the session stays', async () => {
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('streamed'));
      controller.close();
    },
  });
  const response = await auth.fetch(`${api.url}/upload`, { method: 'POST', body, duplex: 'half' });
  assert.equal(response.status, 401);
  assert.equal(api.requests.length, 1);
  assert.equal(watch.count, 0);
  assert.notEqual(auth.state(), null);
});

test('a second 401 reaches the caller: one refresh, two requests, no loop', async () => {
  const response = await auth.fetch(`${api.url}/always-401`);
  assert.equal(response.status, 401);
  assert.equal((await response.json()).code, 'token_not_valid');
  assert.equal(api.requests.length, 2);
  assert.equal(watch.count, 1);
  assert.notEqual(auth.state(), null);
});

test('a 403, and a 401 of another kind, are handed back as they are: no refresh, no logout', async () => {
  api.refused.clear();
  assert.equal((await auth.fetch(`${api.url}/forbidden`)).status, 403);
  assert.equal((await auth.fetch(`${api.url}/other-401`)).status, 401);
  assert.equal(watch.count, 0);
  assert.equal(api.requests.length, 2);
  assert.notEqual(auth.state(), null);
});

test('a network error is an AuthError network_error, not a logout', async () => {
  await assert.rejects(auth.fetch('https://127.0.0.1:9/orders'), { name: 'AuthError', code: 'network_error' });
  assert.notEqual(auth.state(), null);
  assert.equal(watch.count, 0);
});

test("the caller's headers are kept beside the Bearer", async () => {
  api.refused.clear();
  await auth.fetch(`${api.url}/orders`, { headers: { 'content-type': 'text/csv' }, method: 'POST', body: 'a,b' });
  assert.equal(api.requests[0].type, 'text/csv');
  assert.equal(api.requests[0].token, await auth.getAccessToken());
});
