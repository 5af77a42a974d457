// `keys revoke`: a leaked key stops verifying at every instance (each at its next key reload:
// the periodic KEY_RELOAD_INTERVAL job, called here), its tokens are refused even when an
// instance has verified them before (the verified-token cache), the JWKS drops it, and the key
// that signs now can only be revoked when a successor takes over at once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { COMMANDS } from '../src/admin/commands.js';
import { CLI_CONTEXT } from '../src/auth/context.js';
import { listKeys, rotateKeys } from '../src/auth/keys/operations.js';
import { queryAuditEvents } from '../src/db/repos/audit-events.js';
import { anotherInstance, createTestApp, DRIVERS, type TestInstance, useTestApp } from './helpers/app.js';
import { injectEndpoint, pairAccepted, pairRefused } from './helpers/endpoint.js';
import { headerOf } from './helpers/http.js';

const revoke = (deps: Parameters<(typeof COMMANDS)['keys.revoke']['run']>[0], kid: string) =>
  COMMANDS['keys.revoke'].run(deps, { kid }) as Promise<{ kid: string; was: string; successor: string | null }>;

for (const driver of DRIVERS) {
  describe(`keys revoke (${driver})`, () => {
    const t = useTestApp(driver);
    let other: TestInstance;
    before(async () => {
      await t.user('alice');
      other = await anotherInstance(t);
    });
    after(() => other?.close());
    const kidOf = (token: string) => String(headerOf(token).kid);
    const states = async () => Object.fromEntries((await listKeys(t.deps)).map((k) => [k.kid, k.state]));
    const published = async (api = t.api) =>
      ((await api.get('/auth/.well-known/jwks.json')).body.keys as { kid: string }[]).map((k) => k.kid);

    test('a retired key: refused at both instances, unpublished, audited; the current key goes on', async () => {
      const otherApi = injectEndpoint(other.app);
      const leaked = await t.api.login('alice');
      await pairAccepted(otherApi, leaked, 'the other instance, before (its cache now holds the tokens)');
      await rotateKeys(t.deps, CLI_CONTEXT, { immediate: true });
      await other.deps.keyStore.load();
      const fresh = await t.api.login('alice');
      assert.notEqual(kidOf(fresh.access), kidOf(leaked.access));

      const result = await revoke(t.deps, kidOf(leaked.access));
      assert.deepEqual(result, { kid: kidOf(leaked.access), was: 'retired (verifying)', successor: null });
      await pairRefused(t.api, leaked, 'this instance');
      await other.deps.keyStore.load(); // the other instance's next KEY_RELOAD_INTERVAL
      await pairRefused(otherApi, leaked, 'the other instance');
      for (const api of [t.api, otherApi]) {
        assert.ok(!(await published(api)).includes(kidOf(leaked.access)), 'JWKS drops it');
        await pairAccepted(api, await t.api.login('alice'), 'the current key');
      }
      assert.equal((await states())[kidOf(leaked.access)], 'revoked');
      const [event] = await queryAuditEvents(t.db, { event: 'key_revoked', limit: 1 });
      assert.equal(event?.details?.kid, kidOf(leaked.access));
      assert.deepEqual(await revoke(t.deps, kidOf(leaked.access)), { ...result, was: 'revoked' }, 'idempotent');
    });

    test('the current key without a successor: refused with a clear error, nothing changes', async () => {
      const current = kidOf((await t.api.login('alice')).access);
      const before = await states();
      await assert.rejects(
        revoke(t.deps, current),
        /is the current signing key and has no successor: run `keys rotate --now` first/,
      );
      assert.deepEqual(await states(), before);
      assert.equal(kidOf((await t.api.login('alice')).access), current);
    });

    test('the current key with a staged successor: the successor signs at once', async () => {
      const leaked = await t.api.login('alice');
      const staged = await rotateKeys(t.deps, CLI_CONTEXT); // signs in 11 minutes, normally
      const result = await revoke(t.deps, kidOf(leaked.access));
      assert.deepEqual(result, { kid: kidOf(leaked.access), was: 'current', successor: staged.next });
      assert.equal(kidOf((await t.api.login('alice')).access), staged.next);
      await pairRefused(t.api, leaked, 'tokens of the revoked key');
      await other.deps.keyStore.load();
      await pairAccepted(
        injectEndpoint(other.app),
        await t.api.login('alice'),
        'the other instance signs and verifies with the successor',
      );
      assert.equal(kidOf((await injectEndpoint(other.app).login('alice')).access), staged.next);
    });

    test('a staged key revoked before it signs: the current key signs on past the planned switch', async () => {
      const current = kidOf((await t.api.login('alice')).access);
      const staged = await rotateKeys(t.deps, CLI_CONTEXT);
      await revoke(t.deps, staged.next);
      t.clock.advance(24 * 3_600_000);
      assert.equal(kidOf((await t.api.login('alice')).access), current, 'no gap, no revoked signer');
      assert.equal((await states())[staged.next], 'revoked');
      assert.equal((await states())[current], 'current');
    });

    test('an unknown kid: not_found', async () => {
      await assert.rejects(revoke(t.deps, 'nosuchkid'), { code: 'not_found' });
    });
  });
}

describe('keys revoke with HS256', () => {
  test('refused: there is no stored key, the secret is JWT_SIGNING_KEY', async () => {
    const t = await createTestApp('pglite', { JWT_ALGORITHM: 'HS256', JWT_SIGNING_KEY: 's'.repeat(40) });
    try {
      await assert.rejects(revoke(t.deps, 'any'), /HS256 has no stored keys/);
    } finally {
      await t.close();
    }
  });
});
