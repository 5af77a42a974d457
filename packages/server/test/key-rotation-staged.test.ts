// Staged key rotations in sequence: a staged key replaced before it activates never signs,
// and at every instant exactly one key signs (no gap, whatever the order of rotations).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { CLI_CONTEXT } from '../src/auth/context.js';
import { listKeys, rotateKeys } from '../src/auth/keys/operations.js';
import { KeyRing } from '../src/auth/keys/ring.js';
import { KeyStore } from '../src/auth/keys/store.js';
import { createTestApp, DRIVERS, useTestApp } from './helpers/app.js';
import { headerOf } from './helpers/http.js';

for (const driver of DRIVERS) {
  describe(`staged key rotations (${driver})`, () => {
    const t = useTestApp(driver);
    before(() => t.user('probe'));

    /** The key that signs now, as a client sees it: the kid of a token just issued. */
    const signer = async () => String(headerOf((await t.api.login('probe')).access).kid);
    const states = async () => Object.fromEntries((await listKeys(t.deps)).map((k) => [k.kid, k.state]));

    test('a second staged rotation cancels the first staged key; the current key signs until the new one', async () => {
      const k1 = await signer();
      const first = await rotateKeys(t.deps, CLI_CONTEXT); // k2, signs at +660 s
      t.clock.advance(60_000);
      const second = await rotateKeys(t.deps, CLI_CONTEXT); // k3, signs at +720 s
      assert.deepEqual(second.retiring.sort(), [k1, first.next].sort());

      t.clock.advance(620_000); // past k2's planned activation, before k3's
      assert.equal(await signer(), k1, 'k1 signs on: k2 was cancelled, and there is no gap');
      assert.equal((await states())[first.next], 'retired (verifying)');
      t.clock.advance(60_000); // past k3's activation
      assert.equal(await signer(), second.next);
      assert.deepEqual(await states(), {
        [k1]: 'retired (verifying)',
        [first.next]: 'retired (verifying)',
        [second.next]: 'current',
      });
    });

    test('--now during a staged rotation: the new key signs at once, the staged one never', async () => {
      const current = await signer();
      const staged = await rotateKeys(t.deps, CLI_CONTEXT);
      const now = await rotateKeys(t.deps, CLI_CONTEXT, { immediate: true });
      assert.equal(await signer(), now.next);
      t.clock.advance(700_000);
      assert.equal(await signer(), now.next);
      const s = await states();
      assert.equal(s[staged.next], 'retired (verifying)');
      assert.equal(s[current], 'retired (verifying)');
    });

    test('a key row this instance cannot decrypt is left out of a reload; the others keep working', async () => {
      const e = await createTestApp(driver, { KEY_ENCRYPTION_SECRET: 'the-first-secret-0123456789' });
      try {
        await e.user('enc');
        const signer = String(headerOf((await e.api.login('enc')).access).kid);
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
        await e.deps.keyStore.load(); // what the periodic KEY_RELOAD_INTERVAL job does
        const pair = await e.api.login('enc');
        assert.equal(headerOf(pair.access).kid, signer);
        assert.equal((await e.api.post('/auth/token/verify/', { token: pair.access })).status, 200);
        assert.equal((await e.api.post('/auth/token/refresh/', { refresh: pair.refresh })).status, 200);
      } finally {
        await e.close();
      }
    });
  });
}
