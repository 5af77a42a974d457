// Two instances on one database: a token that another instance signed with a key this one has
// not loaded yet is accepted, however many such tokens arrive at once and whatever reload is
// already running (the unknown-kid reload is shared by every token waiting on it, and reloads
// apply in the order they read, so an older read can never put back a ring without the key).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CLI_CONTEXT } from '../src/auth/context.js';
import { rotateKeys } from '../src/auth/keys/operations.js';
import { anotherInstance, DRIVERS, type TestInstance, useTestApp } from './helpers/app.js';
import { bearer, type Endpoint, injectEndpoint } from './helpers/endpoint.js';
import { headerOf } from './helpers/http.js';

/** Past the unknown-kid reload's cooldown, so that each test starts with a reload allowed. */
const PAST_COOLDOWN_MS = 6000;

for (const driver of DRIVERS) {
  describe(`a key rotated through one instance, tokens sent to another (${driver})`, () => {
    // The other instance reloads every second: the short KEY_RELOAD_INTERVAL the defect needed.
    const t = useTestApp(driver, { KEY_RELOAD_INTERVAL: '1s' });
    let other: TestInstance;
    let otherApi: Endpoint;
    before(async () => {
      await t.user('worker');
      other = await anotherInstance(t);
      otherApi = injectEndpoint(other.app);
    });
    after(() => other?.close());

    /** Rotates now through the first instance; returns 12 access tokens it signed with the new key. */
    const rotateAndSign = async (): Promise<string[]> => {
      t.clock.advance(PAST_COOLDOWN_MS);
      const { next } = await rotateKeys(t.deps, CLI_CONTEXT, { immediate: true });
      const tokens = await Promise.all(Array.from({ length: 12 }, async () => (await t.api.login('worker')).access));
      for (const token of tokens) assert.equal(headerOf(token).kid, next);
      assert.equal(other.deps.ring.loaded(next), undefined, 'the other instance has not loaded the new key yet');
      return tokens;
    };
    const statuses = (tokens: string[]) =>
      Promise.all(tokens.map(async (token) => (await otherApi.get('/auth/me/', bearer(token))).status));

    test('12 tokens with the new kid at once: every one is accepted (they share one reload)', async () => {
      const tokens = await rotateAndSign();
      assert.deepEqual(await statuses(tokens), Array(12).fill(200));
    });

    test('the same while a periodic reload is running: every one is accepted', async () => {
      const tokens = await rotateAndSign();
      const periodic = other.deps.keyStore.load();
      const answered = await statuses(tokens);
      await periodic;
      assert.deepEqual(answered, Array(12).fill(200));
    });

    test('a periodic reload started before the rotation cannot undo the unknown-kid reload after it', async () => {
      t.clock.advance(PAST_COOLDOWN_MS);
      const periodic = other.deps.keyStore.load(); // reads before the rotation commits (or is queued)
      const { next } = await rotateKeys(t.deps, CLI_CONTEXT, { immediate: true });
      const token = (await t.api.login('worker')).access;
      assert.equal((await otherApi.get('/auth/me/', bearer(token))).status, 200);
      await periodic;
      assert.ok(other.deps.ring.get(next), 'the new key is still loaded once the older reload has finished');
    });

    test('a made-up kid is still refused after the reload it caused', async () => {
      const [token = ''] = await rotateAndSign();
      const [, payload, signature] = token.split('.');
      const header = Buffer.from(JSON.stringify({ ...headerOf(token), kid: 'made-up' })).toString('base64url');
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => otherApi.get('/auth/me/', bearer(`${header}.${payload}.${signature}`))),
      );
      assert.deepEqual(
        answers.map((res) => res.status),
        Array(5).fill(401),
      );
      assert.ok(other.deps.ring.loaded(String(headerOf(token).kid)), 'the one shared reload loaded the real new key');
    });
  });
}
