// Staged key rotations in sequence: a staged key replaced before it activates never signs,
// and at every instant exactly one key signs (no gap, whatever the order of rotations).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CLI_CONTEXT } from '../src/auth/context.js';
import { listKeys, rotateKeys } from '../src/auth/keys/operations.js';
import { KeyRing } from '../src/auth/keys/ring.js';
import { KeyStore } from '../src/auth/keys/store.js';
import { createTestApp, DRIVERS, type TestApp } from './helpers/app.js';
import { loginPair, post } from './helpers/http.js';

for (const driver of DRIVERS) {
  describe(`staged key rotations (${driver})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(driver);
    });
    after(() => t.close());

    const signer = () => t.deps.ring.signer().kid;
    const states = async () => Object.fromEntries((await listKeys(t.deps)).map((k) => [k.kid, k.state]));

    test('a second staged rotation cancels the first staged key; the current key signs until the new one', async () => {
      const k1 = signer();
      const first = await rotateKeys(t.deps, CLI_CONTEXT); // k2, signs at +660 s
      t.clock.advance(60_000);
      const second = await rotateKeys(t.deps, CLI_CONTEXT); // k3, signs at +720 s
      assert.deepEqual(second.retiring.sort(), [k1, first.next].sort());

      t.clock.advance(620_000); // past k2's planned activation, before k3's
      assert.equal(signer(), k1, 'k1 signs on: k2 was cancelled, and there is no gap');
      assert.equal((await states())[first.next], 'retired (verifying)');
      t.clock.advance(60_000); // past k3's activation
      assert.equal(signer(), second.next);
      assert.deepEqual(await states(), {
        [k1]: 'retired (verifying)',
        [first.next]: 'retired (verifying)',
        [second.next]: 'current',
      });
    });

    test('--now during a staged rotation: the new key signs at once, the staged one never', async () => {
      const current = signer();
      const staged = await rotateKeys(t.deps, CLI_CONTEXT);
      const now = await rotateKeys(t.deps, CLI_CONTEXT, { immediate: true });
      assert.equal(signer(), now.next);
      t.clock.advance(700_000);
      assert.equal(signer(), now.next);
      const s = await states();
      assert.equal(s[staged.next], 'retired (verifying)');
      assert.equal(s[current], 'retired (verifying)');
    });

    test('a key row this instance cannot decrypt is left out of a reload; the others keep working', async () => {
      const e = await createTestApp(driver, { KEY_ENCRYPTION_SECRET: 'the-first-secret-0123456789' });
      try {
        await e.user('enc');
        const signer = e.deps.ring.signer().kid;
        // Another process (a CLI with another secret, say) rotates in a key we cannot decrypt.
        const other = new KeyStore(
          e.db,
          new KeyRing('ES256', 0, e.clock.now),
          {
            algorithm: 'ES256',
            keyEncryptionSecret: 'another-secret-0123456789',
          },
          e.clock.now,
        );
        await other.rotate(new Date(e.clock.ms + 360_000));
        await e.deps.keyStore.load();
        assert.equal(e.deps.ring.signer().kid, signer);
        const pair = await loginPair(e.app, 'enc');
        assert.equal((await post(e.app, '/auth/token/verify/', { token: pair.access })).status, 200);
        assert.equal((await post(e.app, '/auth/token/refresh/', { refresh: pair.refresh })).status, 200);
      } finally {
        await e.close();
      }
    });
  });
}
